"""LTI in the LMS's iframe: a session started by a launch records its platform

Revision ID: 0008b_lti_frame
Revises: 0007_lti
Create Date: 2026-11-29 18:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0008b_lti_frame"
down_revision: str | None = "0007_lti"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("user_sessions") as batch:
        batch.add_column(sa.Column("lti_platform_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            op.f("fk_user_sessions_lti_platform_id_lti_platforms"),
            "lti_platforms",
            ["lti_platform_id"],
            ["id"],
            ondelete="CASCADE",
        )


def downgrade() -> None:
    with op.batch_alter_table("user_sessions") as batch:
        batch.drop_constraint(
            op.f("fk_user_sessions_lti_platform_id_lti_platforms"), type_="foreignkey"
        )
        batch.drop_column("lti_platform_id")
