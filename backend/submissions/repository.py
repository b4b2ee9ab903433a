"""Reads of submissions for pages, the API and the gradebook.

Every write of a submission's status, lease or queue, and the queries behind them, is a
transition in ``lifecycle.py``.
"""

from __future__ import annotations

from sqlalchemy import Row, select
from sqlalchemy.orm import Session

from backend.models import Submission
from backend.models.submission import SubmissionStatus


class SubmissionRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, submission_id: int) -> Submission | None:
        return self.session.get(Submission, submission_id)

    def for_user_assignment(self, user_id: int, assignment_id: int) -> list[Submission]:
        query = (
            select(Submission)
            .where(Submission.user_id == user_id, Submission.assignment_id == assignment_id)
            .order_by(Submission.attempt)
        )
        return list(self.session.scalars(query))

    def for_assignments(self, assignment_ids: list[int]) -> list[Submission]:
        if not assignment_ids:
            return []
        query = (
            select(Submission)
            .where(Submission.assignment_id.in_(assignment_ids))
            .order_by(Submission.id)
        )
        return list(self.session.scalars(query))

    def gradebook_attempts(
        self, assignment_ids: list[int], user_ids: list[int] | None = None
    ) -> list[Row]:
        """What the gradebook shows of each attempt (no code, no result); None: every user."""
        if not assignment_ids or user_ids == []:
            return []
        query = (
            select(
                Submission.id,
                Submission.user_id,
                Submission.assignment_id,
                Submission.attempt,
                Submission.status,
                Submission.score,
                Submission.score_override,
                Submission.late,
                Submission.created_at,
            )
            .where(Submission.assignment_id.in_(assignment_ids))
            .order_by(Submission.id)
        )
        if user_ids is not None:
            query = query.where(Submission.user_id.in_(user_ids))
        return list(self.session.execute(query))

    def graded_results(self, assignment_id: int) -> list[Row]:
        """(user_id, attempt, result_json) of every graded attempt at one assignment."""
        query = select(Submission.user_id, Submission.attempt, Submission.result_json).where(
            Submission.assignment_id == assignment_id,
            Submission.status == SubmissionStatus.graded,
            Submission.result_json.is_not(None),
        )
        return list(self.session.execute(query))

    def summaries(self, user_id: int, assignment_ids: list[int]) -> list[Row]:
        """(id, assignment_id, attempt, status, score, score_override, created_at) of a user's
        attempts, oldest first: what the score that counts is computed from."""
        if not assignment_ids:
            return []
        query = (
            select(
                Submission.id,
                Submission.assignment_id,
                Submission.attempt,
                Submission.status,
                Submission.score,
                Submission.score_override,
                Submission.created_at,
            )
            .where(Submission.user_id == user_id, Submission.assignment_id.in_(assignment_ids))
            .order_by(Submission.attempt)
        )
        return list(self.session.execute(query))
