"""UI strings of notebooks (in and out) and of hints that unlock (en, ja)."""

from __future__ import annotations

FEEDBACK_STRINGS: dict[str, tuple[str, str]] = {
    # key: (en, ja)
    "notebook_error_at": (
        "In your notebook: cell {cell}, line {line}",
        "ノートブックでは: セル {cell} の {line} 行目",
    ),
    "notebook_from": (
        "Extracted from the notebook {file}: its code cells in order, under “# %% [cell N]” "
        "lines (cells are counted from the top, Markdown cells included).",
        "ノートブック {file} から取り出したコードです。コードセルを上から順に、"
        "「# %% [cell N]」の行の下に並べています(セルの番号は Markdown セルも含めて上から数えます)。",
    ),
    "notebook_notes": ("Not run from your notebook", "ノートブックのうち実行しなかったもの"),
    "hints_heading": ("Hints", "ヒント"),
    "hint_unlocked": (
        "unlocked after {n} failed attempts at this check",
        "このチェックに {n} 回不合格だったため表示しています",
    ),
    "hints_shown": ("Hints shown", "表示したヒント"),
    "download_notebook": (
        "Download as a notebook (.ipynb) for Jupyter or Colab",
        "Jupyter / Colab 用のノートブック(.ipynb)をダウンロード",
    ),
    "open_file": ("Open a file (.py or .ipynb)", "ファイルを開く(.py または .ipynb)"),
    "file_loaded": (
        "{file} is in the editor; check it, then submit.",
        "{file} をエディターに読み込みました。確認してから提出してください。",
    ),
    "file_unreadable": (
        "The file could not be read; your code is unchanged.",
        "ファイルを読み取れませんでした。エディターのコードはそのままです。",
    ),
}
