"""The `kadai` command as a user runs it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from grader.cli import main
from grader.settings import PROJECT_ROOT

KADAI = Path(sys.executable).parent / "kadai"
EXERCISES = PROJECT_ROOT / "exercises"


def test_grade_quiz_prints_one_json_document(tmp_path, capsys):
    answers = tmp_path / "answers.json"
    answers.write_text('{"answers": [true, true, true, true]}')
    assert main(["grade", "--exercise", "true-false", str(answers), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert (result["score"], result["max_score"], result["status"]) == (3, 4, "graded")
    assert result["grader_log"] == ""


def test_malformed_answers_exit_2_with_the_reason(tmp_path, capsys):
    answers = tmp_path / "answers.json"
    answers.write_text('{"answers": [true]}')
    assert main(["grade", "--exercise", "true-false", str(answers), "--lang", "ja"]) == 2
    assert "解答は 4 個必要" in capsys.readouterr().err


def test_unknown_exercise_names_the_known_ones(tmp_path):
    with pytest.raises(SystemExit, match=r"known: autograd-basics, .*dual-framework-model"):
        main(["grade", "--exercise", "nope", str(tmp_path / "x.py")])


def test_validate_a_quiz_prints_its_table(capsys):
    assert main(["exercise", "validate", str(EXERCISES / "true-false")]) == 0
    out = capsys.readouterr().out
    assert "solution" in out and "variants/all_true.json" in out and "WRONG" not in out


def test_validate_reports_package_problems(tmp_path, capsys):
    (tmp_path / "exercise.toml").write_text('id = "Bad Id"\n')
    assert main(["exercise", "validate", str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert "exercise.toml: id:" in out and "statement.ja.md: file is missing" in out


@pytest.mark.docker
def test_installed_command_grades_code_in_the_sandbox(sandbox_grader):
    solution = EXERCISES / "normalized-dataset" / "solution.py"
    completed = subprocess.run(
        [str(KADAI), "grade", "--exercise", "normalized-dataset", str(solution), "--json"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    result = json.loads(completed.stdout)
    assert result["score"] == result["max_score"] == 10
    assert result["execution_time"] > 0


def test_instructor_rendering_shows_each_tests_output_and_held_output():
    from grader.cli import render
    from grader.contract import GradingResult, HeldOutput, TestResult, Text

    test = TestResult(
        name="t::hidden",
        title=Text("secret check", "秘密"),
        score=1.0,
        max_score=1.0,
        status="passed",
        output=Text("", ""),
        visibility="hidden",
        number=1,
        stdout="printed-in-hidden",
    )
    result = GradingResult(
        status="graded",
        outcome="ok",
        score=1.0,
        max_score=1.0,
        execution_time=1.0,
        tests=(test,),
        held_output=(HeldOutput("hidden", "printed-after-hidden"),),
    )
    staff = render(result, "en")
    assert "--- stdout (hidden) ---" in staff and "    printed-in-hidden" in staff
    assert "printed-after-hidden" in staff
    learner = render(result.student_view(), "en")
    assert "printed-in-hidden" not in learner and "printed-after-hidden" not in learner
