"""Rules for submissions: who may submit, attempt limits, due dates, and what a learner may see."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace

from sqlalchemy.orm import Session

from backend.audit.service import record_change
from backend.courses.repository import CourseRepository
from backend.courses.service import (
    get_assignment,
    is_course_staff,
    require_open_for_submissions,
)
from backend.errors import Forbidden, Invalid, NotFound, PayloadTooLarge
from backend.exercises.service import package_for
from backend.gradebook.deadlines import days_late, refusal
from backend.gradebook.service import deadline_of, policy_of
from backend.models import Assignment, Course, Submission, User
from backend.models._common import utcnow
from backend.submissions import lifecycle
from backend.submissions.repository import SubmissionRepository
from grader.contract import GradingResult, Text
from grader.engine import (
    ExercisePackage,
    InvalidSubmission,
    NotebookSource,
    annotate_traceback,
    from_submission,
    is_notebook_name,
    parse_answers,
    parse_extracted,
)


def check_code(code: str, max_bytes: int) -> None:
    """Refuse what cannot be graded before it is numbered: it costs no attempt."""
    try:
        size = len(code.encode())
    except UnicodeEncodeError:  # a lone surrogate, possible in JSON: not text a file can hold
        raise Invalid(
            "The submission is not valid UTF-8 text.",
            "提出物が正しい UTF-8 テキストではありません。",
        ) from None
    if size > max_bytes:
        # In KB, like the editor's warning and the body limit's page (ceil: never "0 KB over").
        size_kb, limit_kb = -(-size // 1024), max_bytes // 1024
        raise PayloadTooLarge(
            f"Your code is {size_kb:,} KB, larger than the {limit_kb:,} KB limit.",
            f"コードのサイズ({size_kb:,} KB)が上限の {limit_kb:,} KB を超えています。",
        )
    if not code.strip():
        raise Invalid(
            "The submission is empty; write your code, then submit.",
            "提出物が空です。コードを書いてから提出してください。",
        )
    if "\x00" in code:
        line = code.count("\n", 0, code.index("\x00")) + 1
        raise Invalid(
            f"The submission contains a NUL character (line {line}), which Python source cannot "
            "hold; remove it and submit again.",
            f"提出物に NUL 文字が含まれています({line} 行目)。Python のソースには使えないため、"
            "削除してから提出してください。",
        )


def notebook_code(
    package: ExercisePackage, code: str, filename: str | None
) -> NotebookSource | None:
    """The Python file of a notebook sent (or extracted from one) for a code exercise; None when
    the submission is not a notebook."""
    if not is_notebook_name(filename) or package.meta.kind != "code":
        return None
    try:
        return from_submission(code, str(filename).rsplit("/", 1)[-1][:200])
    except InvalidSubmission as exc:
        raise Invalid(exc.text.en, exc.text.ja) from None


def create_submission(
    session: Session,
    user: User,
    assignment_id: int,
    code: str,
    max_bytes: int,
    filename: str | None = None,
) -> Submission:
    """Validate and accept a submission; its grading is sent when the caller's session commits.
    With a ``filename`` ending in .ipynb, ``code`` is a notebook (or code extracted from one)."""
    assignment, course = get_assignment(session, user, assignment_id)
    require_open_for_submissions(session, user, assignment, course)
    package = package_for(session, assignment.exercise_id)
    if not code.strip():
        check_code(code, max_bytes)  # the empty submission's own message, notebook or not
    notebook = notebook_code(package, code, filename)
    if notebook is not None:
        code = notebook.source
    check_code(code, max_bytes)
    if package.meta.kind == "quiz":
        try:
            parse_answers(code, len(package.questions))
        except InvalidSubmission as exc:
            raise Invalid(exc.text.en, exc.text.ja) from None
        except RecursionError:  # "[[[[…" nested past what the JSON parser follows
            raise Invalid(
                "The answers are nested too deeply; send a flat list of true/false.",
                "回答の入れ子が深すぎます。true/false の平らなリストを送ってください。",
            ) from None
    # The student's own deadline (their extension, if any) decides lateness and refusal.
    override = CourseRepository(session).override(assignment.id, user.id)
    deadline, policy = deadline_of(assignment, override), policy_of(assignment)
    now = utcnow()
    refused = refusal(now, deadline, policy)
    if refused is not None:
        raise Forbidden(refused.en, refused.ja)
    late = days_late(now, deadline.due_at) > 0
    extra = override.extra_attempts if override is not None else 0
    submission = lifecycle.accept(session, assignment, user, code, package, late, extra)
    if notebook is not None:
        submission.notebook_json = json.dumps(notebook.to_dict(), ensure_ascii=False)
    return submission


def get_submission(session: Session, user: User, submission_id: int) -> tuple[Submission, bool]:
    """The submission and whether the viewer is course staff (who sees everything)."""
    submission = SubmissionRepository(session).get(submission_id)
    if submission is None:
        raise NotFound("No such submission.", "提出物が見つかりません。")
    _assignment, course = get_assignment(session, user, submission.assignment_id)
    staff = is_course_staff(session, user, course.id)
    if submission.user_id != user.id and not staff:
        raise Forbidden("This is not your submission.", "あなたの提出物ではありません。")
    return submission, staff


def reset_for_regrade(session: Session, submission: Submission) -> None:
    """Back to the queue, against the exercise's current tests; the old result is replaced."""
    assignment = CourseRepository(session).assignment(submission.assignment_id)
    if assignment is None:
        raise NotFound("No such assignment.", "課題が見つかりません。")
    lifecycle.reset_for_regrade(session, submission, package_for(session, assignment.exercise_id))


def regrade_submission(session: Session, user: User, submission_id: int) -> Submission:
    submission, staff = get_submission(session, user, submission_id)
    if not staff:
        raise Forbidden("Only instructors may regrade.", "再採点できるのは教員だけです。")
    before = {"status": submission.status, "score": submission.score}
    reset_for_regrade(session, submission)
    assignment = CourseRepository(session).assignment(submission.assignment_id)
    record_change(
        session,
        actor_id=user.id,
        action="submission.regrade",
        subject_type="submission",
        subject_id=submission.id,
        course_id=assignment.course_id if assignment else None,
        before=before,
        after={"status": submission.status, "score": submission.score},
    )
    return submission


def regrade_assignment(session: Session, user: User, assignment_id: int) -> list[int]:
    _assignment, course = get_assignment(session, user, assignment_id)
    if not is_course_staff(session, user, course.id):
        raise Forbidden("Only instructors may regrade.", "再採点できるのは教員だけです。")
    found = SubmissionRepository(session).for_assignments([assignment_id])
    for submission in found:
        reset_for_regrade(session, submission)
    record_change(
        session,
        actor_id=user.id,
        action="assignment.regrade",
        subject_type="assignment",
        subject_id=assignment_id,
        course_id=course.id,
        before=None,
        after={"submissions": [submission.id for submission in found]},
    )
    return [submission.id for submission in found]


def graded_package(session: Session, submission: Submission) -> ExercisePackage:
    """The exercise version this submission is (to be) graded against."""
    assignment = CourseRepository(session).assignment(submission.assignment_id)
    if assignment is None:
        raise NotFound("No such assignment.", "課題が見つかりません。")
    return package_for(session, assignment.exercise_id, submission.exercise_version)


def student_record(
    session: Session, course: Course, student_id: int
) -> tuple[User, list[tuple[Assignment, list[Submission]]]]:
    """One student's attempts at every assignment of a course, for the instructor's drill-down."""
    from backend.auth.repository import UserRepository

    student = UserRepository(session).get(student_id)
    if student is None or CourseRepository(session).enrollment(course.id, student_id) is None:
        raise NotFound("No such student in this course.", "このコースにその学生はいません。")
    repository = SubmissionRepository(session)
    rows = [
        (assignment, repository.for_user_assignment(student_id, assignment.id))
        for assignment in CourseRepository(session).assignments(course.id)
    ]
    return student, rows


def history(session: Session, user: User, assignment_id: int) -> list[Submission]:
    get_assignment(session, user, assignment_id)
    return SubmissionRepository(session).for_user_assignment(user.id, assignment_id)


@dataclass(frozen=True)
class ShownResult:
    result: GradingResult | None
    staff: bool


def visible_result(
    submission: Submission,
    assignment: Assignment,
    staff: bool,
    session: Session | None = None,
) -> ShownResult:
    """The result as the viewer may see it. With a ``session``, "after the due date" is the
    submitter's own (an extension keeps the after-due feedback hidden until it ends)."""
    if not submission.result_json:
        return ShownResult(None, staff)
    result = GradingResult.from_dict(json.loads(submission.result_json))
    if staff:
        return ShownResult(result, True)
    due_at = assignment.due_at
    if session is not None:
        override = CourseRepository(session).override(assignment.id, submission.user_id)
        due_at = deadline_of(assignment, override).due_at
    due_passed = due_at is not None and utcnow() > due_at
    return ShownResult(result.student_view(after_due_date=due_passed), False)


def notebook_view(submission: Submission, result: GradingResult | None) -> dict | None:
    """For code sent as a notebook: its map and notes, and where each error of ``result`` (the
    result as the viewer sees it) is in the notebook."""
    return notebook_page(submission, result)[1]


def notebook_page(
    submission: Submission, result: GradingResult | None
) -> tuple[GradingResult | None, dict | None]:
    """The result page's two views of a notebook submission from one parse of its code:
    ``result`` with "[cell N, line M]" after each traceback line in each language, and
    ``notebook_view``'s map. Code not sent as a notebook gives ``(result, None)``."""
    if not submission.notebook_json:
        return result, None
    stored = json.loads(submission.notebook_json)
    notebook = parse_extracted(submission.code, stored.get("filename", "notebook.ipynb"))
    view = {**stored, "errors": notebook.error_places(result) if result is not None else []}
    if result is None:
        return None, view

    def both(text: Text) -> Text:
        return Text(
            en=annotate_traceback(text.en, notebook, "en"),
            ja=annotate_traceback(text.ja, notebook, "ja"),
        )

    annotated = replace(
        result,
        message=both(result.message),
        tests=tuple(replace(test, output=both(test.output)) for test in result.tests),
    )
    return annotated, view
