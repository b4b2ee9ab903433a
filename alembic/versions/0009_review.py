"""Regrade requests, staff score overrides on submissions, and similarity runs with their pairs

Revision ID: 0009_review
Revises: 0008_course_admin
Create Date: 2026-11-29 18:40:14.557660
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0009_review"
down_revision: str | None = "0008_course_admin"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "similarity_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assignment_id", sa.Integer(), nullable=False),
        sa.Column("requested_by", sa.Integer(), nullable=True),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("run_after", sa.DateTime(), nullable=False),
        sa.Column("claimed_until", sa.DateTime(), nullable=True),
        sa.Column("compared", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["assignment_id"],
            ["assignments.id"],
            name=op.f("fk_similarity_runs_assignment_id_assignments"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["requested_by"],
            ["users.id"],
            name=op.f("fk_similarity_runs_requested_by_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_similarity_runs")),
    )
    with op.batch_alter_table("similarity_runs", schema=None) as batch_op:
        batch_op.create_index("ix_similarity_runs_state", ["state"], unique=False)

    op.create_table(
        "regrade_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("submission_id", sa.Integer(), nullable=False),
        sa.Column("course_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("answer", sa.Text(), nullable=True),
        sa.Column("answered_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("answered_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["answered_by"],
            ["users.id"],
            name=op.f("fk_regrade_requests_answered_by_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["course_id"],
            ["courses.id"],
            name=op.f("fk_regrade_requests_course_id_courses"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["submission_id"],
            ["submissions.id"],
            name=op.f("fk_regrade_requests_submission_id_submissions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_regrade_requests_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_regrade_requests")),
    )
    with op.batch_alter_table("regrade_requests", schema=None) as batch_op:
        batch_op.create_index(
            "ix_regrade_requests_course_state", ["course_id", "state"], unique=False
        )

    op.create_table(
        "similarity_pairs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("first_id", sa.Integer(), nullable=False),
        sa.Column("second_id", sa.Integer(), nullable=False),
        sa.Column("similarity", sa.Double(), nullable=False),
        sa.Column("first_share", sa.Double(), nullable=False),
        sa.Column("second_share", sa.Double(), nullable=False),
        sa.Column("tokens", sa.Integer(), nullable=False),
        sa.Column("matches_json", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["first_id"],
            ["submissions.id"],
            name=op.f("fk_similarity_pairs_first_id_submissions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["similarity_runs.id"],
            name=op.f("fk_similarity_pairs_run_id_similarity_runs"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["second_id"],
            ["submissions.id"],
            name=op.f("fk_similarity_pairs_second_id_submissions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_similarity_pairs")),
    )
    with op.batch_alter_table("similarity_pairs", schema=None) as batch_op:
        batch_op.create_index("ix_similarity_pairs_run_id", ["run_id"], unique=False)

    with op.batch_alter_table("submissions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("score_override", sa.Double(), nullable=True))
        batch_op.add_column(sa.Column("override_reason", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("override_by", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("override_at", sa.DateTime(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_submissions_override_by_users"),
            "users",
            ["override_by"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade() -> None:
    with op.batch_alter_table("submissions", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_submissions_override_by_users"), type_="foreignkey")
        batch_op.drop_column("override_at")
        batch_op.drop_column("override_by")
        batch_op.drop_column("override_reason")
        batch_op.drop_column("score_override")

    with op.batch_alter_table("similarity_pairs", schema=None) as batch_op:
        batch_op.drop_index("ix_similarity_pairs_run_id")

    op.drop_table("similarity_pairs")
    with op.batch_alter_table("regrade_requests", schema=None) as batch_op:
        batch_op.drop_index("ix_regrade_requests_course_state")

    op.drop_table("regrade_requests")
    with op.batch_alter_table("similarity_runs", schema=None) as batch_op:
        batch_op.drop_index("ix_similarity_runs_state")

    op.drop_table("similarity_runs")
