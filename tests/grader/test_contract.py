"""The job/result contract: JSON round trips and what a student view withholds."""

from grader.contract import GradingJob, GradingResult, Limits, TestResult, Text


def result_with(visibility: str) -> GradingResult:
    test = TestResult(
        name="test_x.py::test_secret",
        title=Text(en="Secret check", ja="秘密のチェック"),
        score=0.0,
        max_score=3.0,
        status="failed",
        output=Text(en="expected 1, found 2", ja="期待値 1、実際 2"),
        visibility=visibility,
        number=1,
    )
    return GradingResult(
        status="graded",
        outcome="ok",
        score=4.0,
        max_score=7.0,
        execution_time=1.5,
        tests=(test,),
        grader_log="internal traceback",
    )


def test_job_round_trips_through_json():
    job = GradingJob(
        job_id="j1",
        exercise_id="e",
        exercise_version="v",
        submission_filename="s.py",
        submission_source="print('こんにちは')",
        run_as="module",
        tests={"test_a.py": "x"},
        limits=Limits(time_s=5, memory_mb=512),
        frameworks=("torch",),
        seed=3,
    )
    assert GradingJob.from_json(job.to_json()) == job


def test_result_round_trips_through_json():
    result = result_with("visible")
    assert GradingResult.from_dict(result.to_dict()) == result


def test_student_view_withholds_hidden_details_but_keeps_the_total():
    view = result_with("hidden").student_view()
    (test,) = view.tests
    assert test.status == "withheld"
    assert test.score is None and test.max_score == 3.0
    assert "Secret" not in view.to_json() and "expected 1" not in view.to_json()
    assert (view.score, view.max_score) == (4.0, 7.0)
    assert view.grader_log == ""


def test_after_due_date_tests_open_once_the_due_date_passed():
    result = result_with("after_due_date")
    assert result.student_view().tests[0].status == "withheld"
    assert result.student_view(after_due_date=True).tests[0].output.en == "expected 1, found 2"


def test_visible_tests_are_shown_whole():
    assert result_with("visible").student_view().tests[0].output.ja == "期待値 1、実際 2"
