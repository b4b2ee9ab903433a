"""Rules about courses: who may see what, enrolling, and the learner's course overview."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from sqlalchemy.orm import Session

from backend.audit.service import record_change, snapshot
from backend.courses.repository import CourseRepository
from backend.errors import Conflict, Forbidden, Invalid, NotFound
from backend.exercises.repository import ExerciseRepository
from backend.gradebook.service import cell_for
from backend.models import Assignment, Course, Enrollment, Exercise, User
from backend.models.user import Role
from backend.submissions.repository import SubmissionRepository


def get_course(session: Session, user: User, course_id: int) -> Course:
    course = CourseRepository(session).get(course_id)
    if course is None:
        raise NotFound("No such course.", "コースが見つかりません。")
    if user.role != Role.admin and CourseRepository(session).enrollment(course_id, user.id) is None:
        raise Forbidden("You are not enrolled in this course.", "このコースに登録されていません。")
    return course


def is_course_staff(session: Session, user: User, course_id: int) -> bool:
    if user.role == Role.admin:
        return True
    enrollment = CourseRepository(session).enrollment(course_id, user.id)
    return enrollment is not None and enrollment.role == "instructor"


def require_course_staff(session: Session, user: User, course_id: int) -> Course:
    course = get_course(session, user, course_id)
    if not is_course_staff(session, user, course_id):
        raise Forbidden(
            "Only the course's instructors may do this.", "担当教員のみが操作できます。"
        )
    return course


def get_assignment(session: Session, user: User, assignment_id: int) -> tuple[Assignment, Course]:
    assignment = CourseRepository(session).assignment(assignment_id)
    if assignment is None:
        raise NotFound("No such assignment.", "課題が見つかりません。")
    return assignment, get_course(session, user, assignment.course_id)


# Late work is still graded for a while after the due date; its sandboxes should be ready too.
OPEN_AFTER_DUE = timedelta(days=14)


def open_exercise_ids(session: Session, now: datetime | None = None) -> list[str]:
    """The exercises learners may be working on now: those of assignments not long past due."""
    now = now or datetime.now(UTC)
    return CourseRepository(session).open_exercise_ids(now.replace(tzinfo=None) - OPEN_AFTER_DUE)


def check_time_zone(name: str) -> str:
    """``name`` if it is an IANA time zone this machine knows ("Asia/Tokyo", "UTC")."""
    try:
        if name in available_timezones() or name == "UTC":
            ZoneInfo(name)
            return name
    except (ZoneInfoNotFoundError, ValueError):
        pass
    raise Invalid(
        f"Unknown time zone {name!r}: use a name such as Asia/Tokyo or UTC.",
        f"タイムゾーン {name!r} は使えません。Asia/Tokyo や UTC のような名前を指定してください。",
    )


def to_utc(local: datetime, course: Course) -> datetime:
    """A wall-clock time typed for ``course`` (naive: in its zone) as the naive UTC we store."""
    if local.tzinfo is None:
        local = local.replace(tzinfo=ZoneInfo(course.time_zone))
    return local.astimezone(UTC).replace(tzinfo=None)


def in_course_zone(moment: datetime, course: Course) -> datetime:
    """A stored (naive UTC) time as the course's wall-clock time, zone attached."""
    return moment.replace(tzinfo=UTC).astimezone(ZoneInfo(course.time_zone))


def create_course(
    session: Session,
    code: str,
    title: str,
    score_policy: str = "best",
    time_zone: str = "UTC",
    actor: User | None = None,
) -> Course:
    """A new course; with an ``actor`` (an administrator acting, not start-up or LTI), audited."""
    if score_policy not in ("best", "latest"):
        raise Invalid(
            "score_policy must be best or latest.", "score_policy は best か latest です。"
        )
    check_time_zone(time_zone)
    repository = CourseRepository(session)
    if repository.by_code(code):
        raise Conflict(f"Course {code} exists.", f"コース {code} は既にあります。")
    course = Course(code=code, title=title, score_policy=score_policy, time_zone=time_zone)
    repository.add(course)
    if actor is not None:
        record_change(
            session,
            actor_id=actor.id,
            action="course.create",
            subject_type="course",
            subject_id=course.id,
            course_id=course.id,
            before=None,
            after={
                "code": code,
                "title": title,
                "score_policy": score_policy,
                "time_zone": time_zone,
            },
        )
    return course


def enroll(session: Session, course: Course, user: User, role: str = "student") -> Enrollment:
    if role not in ("student", "instructor"):
        raise Invalid("role must be student or instructor.", "role は student か instructor です。")
    repository = CourseRepository(session)
    existing = repository.enrollment(course.id, user.id)
    if existing:
        existing.role = role
        return existing
    enrollment = Enrollment(course_id=course.id, user_id=user.id, role=role)
    repository.add(enrollment)
    return enrollment


def enroll_by_email(
    session: Session, acting: User, course: Course, email: str, role: str = "student"
) -> tuple[User, Enrollment]:
    """Course staff enrol an account by address.

    Only administrators grant the instructor role or change an instructor's enrolment; an
    instructor adds students. The refusal for an address that cannot be enrolled is the same
    whether or not it has an account, and does not repeat the address.
    """
    from backend.auth.repository import UserRepository

    if role not in ("student", "instructor"):
        raise Invalid("role must be student or instructor.", "role は student か instructor です。")
    if not is_course_staff(session, acting, course.id):
        raise Forbidden(
            "Only the course's instructors may do this.", "担当教員のみが操作できます。"
        )
    admin = acting.role == Role.admin
    if role == "instructor" and not admin:
        raise Forbidden(
            "Only administrators can make someone an instructor.",
            "教員ロールを付与できるのは管理者だけです。",
        )
    member = UserRepository(session).by_email(email)
    if member is None or not member.active:
        raise NotFound(
            "No account can be enrolled with that address.",
            "そのメールアドレスで登録できるアカウントはありません。",
        )
    existing = CourseRepository(session).enrollment(course.id, member.id)
    if existing is not None and existing.role == "instructor" and not admin:
        raise Forbidden(
            "Only administrators can change an instructor's enrolment.",
            "教員の登録を変更できるのは管理者だけです。",
        )
    before = {"user_id": member.id, "role": existing.role} if existing is not None else None
    enrollment = enroll(session, course, member, role)
    record_change(
        session,
        actor_id=acting.id,
        action="enrollment.set",
        subject_type="enrollment",
        subject_id=enrollment.id,
        course_id=course.id,
        before=before,
        after={"user_id": member.id, "email": member.email, "role": enrollment.role},
    )
    return member, enrollment


LATE_POLICIES = ("accept", "per_day", "fixed", "reject")
ASSIGNMENT_FIELDS = (
    "exercise_id",
    "due_at",
    "late_until",
    "late_policy",
    "late_penalty",
    "max_attempts",
    "archived_at",
)


def naive_utc(moment: datetime | None) -> datetime | None:
    """Times are stored as naive UTC; an aware time is converted, a naive one taken as UTC."""
    if moment is not None and moment.tzinfo is not None:
        return moment.astimezone(UTC).replace(tzinfo=None)
    return moment


def check_schedule(
    due_at: datetime | None,
    late_until: datetime | None,
    late_policy: str,
    late_penalty: float,
    max_attempts: int | None,
) -> None:
    """Refuse a due date, hard close, late policy and attempt limit that do not fit together."""
    if late_policy not in LATE_POLICIES:
        raise Invalid(
            "late_policy must be accept, per_day, fixed or reject.",
            "late_policy は accept・per_day・fixed・reject のいずれかです。",
        )
    if not 0 <= late_penalty <= 100:
        raise Invalid(
            "The late penalty is a percentage from 0 to 100.",
            "遅延の減点は 0 から 100 までのパーセントで指定してください。",
        )
    if late_until is not None and (due_at is None or late_until < due_at):
        raise Invalid(
            "The late deadline (hard close) must be at or after the due date.",
            "遅延提出の期限は締め切りと同じか、それより後にしてください。",
        )
    if max_attempts is not None and max_attempts < 1:
        raise Invalid(
            "The attempt limit must be at least 1 (leave it empty for no limit).",
            "提出回数の上限は 1 以上にしてください(上限なしなら空欄)。",
        )


def add_assignment(
    session: Session,
    course: Course,
    exercise_id: str,
    due_at: datetime | None = None,
    late_policy: str = "accept",
    max_attempts: int | None = None,
    late_until: datetime | None = None,
    late_penalty: float = 0.0,
    actor: User | None = None,
) -> Assignment:
    """A new assignment; with an ``actor`` (staff acting, not start-up or LTI), audited."""
    if ExerciseRepository(session).get(exercise_id) is None:
        raise NotFound(f"No exercise {exercise_id!r}.", f"課題 {exercise_id!r} はありません。")
    due_at, late_until = naive_utc(due_at), naive_utc(late_until)
    check_schedule(due_at, late_until, late_policy, late_penalty, max_attempts)
    existing = CourseRepository(session).assignments(course.id)
    if any(a.exercise_id == exercise_id for a in existing):
        raise Conflict(
            f"The exercise {exercise_id!r} is already assigned in this course.",
            f"演習 {exercise_id!r} はこのコースですでに課題になっています。",
        )
    position = len(existing)
    assignment = Assignment(
        course_id=course.id,
        exercise_id=exercise_id,
        due_at=due_at,
        late_until=late_until,
        late_policy=late_policy,
        late_penalty=late_penalty,
        max_attempts=max_attempts,
        position=position,
    )
    CourseRepository(session).add(assignment)
    if actor is not None:
        record_change(
            session,
            actor_id=actor.id,
            action="assignment.create",
            subject_type="assignment",
            subject_id=assignment.id,
            course_id=course.id,
            before=None,
            after=snapshot(assignment, ASSIGNMENT_FIELDS),
        )
    return assignment


@dataclass(frozen=True)
class AssignmentRow:
    assignment: Assignment
    exercise: Exercise
    attempts: int
    best_score: float | None
    latest_status: str | None


def overview(session: Session, user: User, course: Course) -> list[AssignmentRow]:
    """The learner's view of a course: each assignment with their attempts and the score that
    counts, as the gradebook counts it (the course's best/latest policy, overrides and late
    penalties included)."""
    exercises = ExerciseRepository(session)
    repository = CourseRepository(session)
    assignments = repository.assignments(course.id)
    if not is_course_staff(session, user, course.id):
        assignments = [a for a in assignments if a.archived_at is None]  # hidden from learners
    attempts: dict[int, list] = {}
    for row in SubmissionRepository(session).summaries(user.id, [a.id for a in assignments]):
        attempts.setdefault(row.assignment_id, []).append(row)
    rows = []
    for assignment in assignments:
        mine = attempts.get(assignment.id, [])
        exercise = exercises.get(assignment.exercise_id)
        cell = cell_for(
            mine,
            assignment,
            course.score_policy,
            exercise.points if exercise else 0.0,
            repository.override(assignment.id, user.id),
        )
        rows.append(
            AssignmentRow(
                assignment=assignment,
                exercise=exercise,  # type: ignore[arg-type]
                attempts=len(mine),
                best_score=cell.score,
                latest_status=mine[-1].status if mine else None,
            )
        )
    return rows


def require_visible(session: Session, user: User, assignment: Assignment) -> None:
    """An archived assignment is hidden from learners (staff still see and grade it)."""
    if assignment.archived_at is not None and not is_course_staff(
        session, user, assignment.course_id
    ):
        raise NotFound("This assignment has been archived.", "この課題はアーカイブされています。")


def require_open_for_submissions(
    session: Session, user: User, assignment: Assignment, course: Course
) -> None:
    """Archived courses and assignments take no new submissions, from anyone."""
    require_visible(session, user, assignment)
    if course.archived_at is not None or assignment.archived_at is not None:
        raise Forbidden(
            "This course or assignment is archived and takes no new submissions. "
            "Your code has not been sent and is still in the editor.",
            "このコースまたは課題はアーカイブされているため、提出できません。"
            "コードは送信されておらず、エディターに残っています。",
        )
