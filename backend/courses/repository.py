"""Every query about courses, enrolments, assignments and deadline overrides."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backend.models import Assignment, Course, DeadlineOverride, Enrollment, Submission, User


class CourseRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, course_id: int) -> Course | None:
        return self.session.get(Course, course_id)

    def by_code(self, code: str) -> Course | None:
        return self.session.scalar(select(Course).where(Course.code == code))

    def all(self) -> list[Course]:
        return list(self.session.scalars(select(Course).order_by(Course.code)))

    def for_user(self, user_id: int) -> list[Course]:
        query = (
            select(Course)
            .join(Enrollment, Enrollment.course_id == Course.id)
            .where(Enrollment.user_id == user_id)
            .order_by(Course.code)
        )
        return list(self.session.scalars(query))

    def enrollment(self, course_id: int, user_id: int) -> Enrollment | None:
        query = select(Enrollment).where(
            Enrollment.course_id == course_id, Enrollment.user_id == user_id
        )
        return self.session.scalar(query)

    def members(
        self, course_id: int, role: str, offset: int = 0, limit: int | None = None
    ) -> list[User]:
        query = (
            select(User)
            .join(Enrollment, Enrollment.user_id == User.id)
            .where(Enrollment.course_id == course_id, Enrollment.role == role)
            .order_by(User.name, User.email, User.id)
            .offset(offset)
            .limit(limit)
        )
        return list(self.session.scalars(query))

    def roster(self) -> list[tuple[int, User, str]]:
        """(course id, member, role) of every enrolment: instructors first, then by name."""
        query = (
            select(Enrollment.course_id, User, Enrollment.role)
            .join(User, Enrollment.user_id == User.id)
            .order_by(Enrollment.course_id, Enrollment.role, User.name, User.email)
        )
        return [(course_id, user, role) for course_id, user, role in self.session.execute(query)]

    def count_members(self, course_id: int, role: str) -> int:
        query = select(func.count()).where(
            Enrollment.course_id == course_id, Enrollment.role == role
        )
        return self.session.scalar(query) or 0

    def assignments(self, course_id: int) -> list[Assignment]:
        query = (
            select(Assignment)
            .where(Assignment.course_id == course_id)
            .order_by(Assignment.position, Assignment.id)
        )
        return list(self.session.scalars(query))

    def using_exercise(self, exercise_id: str) -> list[Course]:
        query = (
            select(Course)
            .join(Assignment, Assignment.course_id == Course.id)
            .where(Assignment.exercise_id == exercise_id)
            .distinct()
            .order_by(Course.code)
        )
        return list(self.session.scalars(query))

    def open_exercise_ids(self, due_after: datetime) -> list[str]:
        """Exercises of assignments with no due date or one after ``due_after``."""
        query = (
            select(Assignment.exercise_id)
            .where((Assignment.due_at.is_(None)) | (Assignment.due_at > due_after))
            .distinct()
            .order_by(Assignment.exercise_id)
        )
        return list(self.session.scalars(query))

    def assignment(self, assignment_id: int) -> Assignment | None:
        return self.session.get(Assignment, assignment_id)

    def submission_count(self, assignment_id: int) -> int:
        query = select(func.count(Submission.id)).where(Submission.assignment_id == assignment_id)
        return self.session.scalar(query) or 0

    def overrides(
        self, assignment_ids: list[int], user_ids: list[int] | None = None
    ) -> list[DeadlineOverride]:
        """The deadline overrides on these assignments (of these users; None: everyone's)."""
        if not assignment_ids or user_ids == []:
            return []
        query = select(DeadlineOverride).where(DeadlineOverride.assignment_id.in_(assignment_ids))
        if user_ids is not None:
            query = query.where(DeadlineOverride.user_id.in_(user_ids))
        return list(self.session.scalars(query.order_by(DeadlineOverride.id)))

    def overrides_with_students(self, assignment_id: int) -> list[tuple[DeadlineOverride, User]]:
        query = (
            select(DeadlineOverride, User)
            .join(User, User.id == DeadlineOverride.user_id)
            .where(DeadlineOverride.assignment_id == assignment_id)
            .order_by(User.name, User.email)
        )
        return [(o, u) for o, u in self.session.execute(query)]

    def override(self, assignment_id: int, user_id: int) -> DeadlineOverride | None:
        query = select(DeadlineOverride).where(
            DeadlineOverride.assignment_id == assignment_id, DeadlineOverride.user_id == user_id
        )
        return self.session.scalar(query)

    def delete(self, row: object) -> None:
        self.session.delete(row)
        self.session.flush()

    def add(self, row: object) -> None:
        self.session.add(row)
        self.session.flush()
