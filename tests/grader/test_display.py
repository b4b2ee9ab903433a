"""A result's charts and tables outside the browser: text in the terminal, PNG files on disk."""

from __future__ import annotations

import pytest

from grader import display
from grader.artifacts import Chart, Marker, Series, Table
from grader.cli import render
from grader.contract import GradingResult, TestResult, Text

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def loss_chart() -> Chart:
    return Chart(
        title=Text("Loss per iteration", "反復ごとの損失"),
        series=(
            Series(Text("your loss", "あなたの損失"), [(1, 1.5), (2, None), (3, 1.1)], "learner"),
            Series(Text("reference", "参照実装"), [(1, 1.5), (2, 1.3), (3, 1.2)], "reference"),
        ),
        x_label=Text("iteration", "反復"),
        y_label="loss",
        markers=(Marker(2, Text("stopped here", "ここで停止")),),
    )


def result_with(charts=(), tables=(), visibility="visible") -> GradingResult:
    test = TestResult(
        name="t::loss",
        title=Text("loss", "損失"),
        score=0.0,
        max_score=1.0,
        status="failed",
        output=Text("no", "いいえ"),
        visibility=visibility,
        number=3,
        charts=charts,
        tables=tables,
    )
    return GradingResult(
        status="graded",
        outcome="ok",
        score=0.0,
        max_score=1.0,
        execution_time=1.0,
        tests=(test,),
        charts=(Chart(title="Bars", kind="bar", series=(Series("b", [(1, 2.0)]),)),),
    )


def test_a_table_prints_aligned_with_the_highlighted_row_marked():
    table = Table(
        title=Text("Layers", "層"),
        header=(Text("layer", "層"), Text("PyTorch", "PyTorch の出力")),
        rows=(("1", "(32, 256)"), ("2", "(32, 64)")),
        highlight=(1,),
    )
    lines = display.table_lines(table, "ja")
    assert lines[0] == "▤ 層"
    assert lines[-1].startswith("▶ 2") and lines[-2].startswith("  1")
    # Japanese takes two columns a character: the separators line up under the header's.
    assert len({display.width(line.split("│")[0]) for line in lines[1:] if "│" in line}) == 1


def test_the_terminal_says_what_each_chart_shows_under_its_tests_visibility():
    text = render(result_with(charts=(loss_chart(),)), "en")
    assert "Loss per iteration" in text
    assert "your loss [learner]: 3 points (1 without a value), first 1.5, last 1.1" in text
    assert "x = 2: stopped here" in text
    learner = render(result_with(charts=(loss_chart(),), visibility="hidden").student_view(), "en")
    assert "Loss per iteration" not in learner and "Bars" in learner


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_plots_are_png_files_one_per_chart(tmp_path, lang):
    plots = display.write_plots(result_with(charts=(loss_chart(),)), tmp_path / "plots", lang)
    names = sorted(path.name for path in plots.files)
    assert names == ["result-1-bars.png", "test03-1-loss-per-iteration.png"]
    for path in plots.files:
        data = path.read_bytes()
        assert data.startswith(PNG_SIGNATURE) and len(data) > 5000
    assert plots.lang == ("ja" if lang == "ja" and display.cjk_font() else "en")


def test_without_a_japanese_font_the_plots_are_in_english_and_say_so(tmp_path, monkeypatch):
    monkeypatch.setattr(display, "cjk_font", lambda: None)
    plots = display.write_plots(result_with(charts=(loss_chart(),)), tmp_path, "ja")
    assert plots.lang == "en" and "English" in plots.note
    assert all(path.read_bytes().startswith(PNG_SIGNATURE) for path in plots.files)
