"""UI strings of the learner's path: the editor, submitting, results, and error pages (en, ja)."""

from __future__ import annotations

LEARNER_STRINGS: dict[str, tuple[str, str]] = {
    # key: (en, ja)
    "skip_to_content": ("Skip to main content", "本文へスキップ"),
    "code_editor": ("Code editor", "コードエディター"),
    "editor_leave_hint": (
        "In the editor, Tab indents; press Esc, then Tab, to move on to the next control.",
        "エディター内では Tab でインデントします。エディターから移動するには Esc を押してから Tab を押してください。",
    ),
    "draft_restored": (
        "Your unsent edits were restored from this browser.",
        "このブラウザーに保存されていた未提出の編集内容を復元しました。",
    ),
    "discard_draft": (
        "Discard the draft",
        "下書きを破棄",
    ),
    "size_near": (
        "Your code is {size}; the limit is {limit}.",
        "コードのサイズは {size} です(上限 {limit})。",
    ),
    "size_over": (
        "Your code is {size}, larger than the {limit} limit: shorten it before submitting.",
        "コードのサイズ({size})が上限の {limit} を超えています。短くしてから提出してください。",
    ),
    "submit_failed": (
        "The submission was not accepted. Your code is still here; try again.",
        "提出は受け付けられませんでした。コードはそのまま残っています。もう一度お試しください。",
    ),
    "submit_offline": (
        "The server could not be reached. Your code is still here; try again.",
        "サーバーに接続できませんでした。コードはそのまま残っています。もう一度お試しください。",
    ),
    "past_due_late": (
        "The due date has passed: a submission now is marked late.",
        "締め切りを過ぎています。今提出すると遅延提出として記録されます。",
    ),
    "past_due_reject": (
        "The due date has passed: this assignment no longer accepts submissions.",
        "締め切りを過ぎているため、この課題はもう提出を受け付けていません。",
    ),
    "submitted_late": (
        "This attempt was submitted after the due date (late).",
        "この提出は締め切り後に行われました(遅延提出)。",
    ),
    "load_error_heading": ("Your code did not run", "コードを実行できませんでした"),
    "repeated_error_heading": (
        "The same error stopped several checks",
        "同じエラーで複数のチェックが失敗しました",
    ),
    "error_at_line": ("Line {line}", "{line} 行目"),
    "failing_tests": ("Failing checks", "失敗したチェック"),
    "page_not_found": ("This page does not exist.", "このページは存在しません。"),
    "bad_request": ("The request could not be understood.", "リクエストを処理できませんでした。"),
    "method_not_allowed": (
        "This page cannot be used that way.",
        "このページはその方法では利用できません。",
    ),
    "request_too_large": (
        "The request is larger than the {limit} this page accepts.",
        "リクエストがこのページの上限({limit})を超えています。",
    ),
}
