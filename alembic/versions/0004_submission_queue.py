"""submission queue: the grading queue (cpu or gpu) chosen once, when the submission is accepted

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29 12:15:00
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Earlier submissions go to "cpu"; a regrade routes them again against the current exercise.
    with op.batch_alter_table("submissions") as batch:
        batch.add_column(
            sa.Column("queue", sa.String(length=8), nullable=False, server_default="cpu")
        )


def downgrade() -> None:
    with op.batch_alter_table("submissions") as batch:
        batch.drop_column("queue")
