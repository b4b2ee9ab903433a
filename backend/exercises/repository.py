"""Every query about exercises and their versions."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.models import Exercise, ExerciseVersion


class ExerciseRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, exercise_id: str) -> Exercise | None:
        return self.session.get(Exercise, exercise_id)

    def list(self) -> list[Exercise]:
        return list(self.session.scalars(select(Exercise).order_by(Exercise.id)))

    def version(self, exercise_id: str, version: str) -> ExerciseVersion | None:
        query = select(ExerciseVersion).where(
            ExerciseVersion.exercise_id == exercise_id, ExerciseVersion.version == version
        )
        return self.session.scalar(query)

    def add(self, row: Exercise | ExerciseVersion) -> None:
        self.session.add(row)
        self.session.flush()
