"""Planning rounds: a federation takes an economy from needs to an adopted plan in steps with
deadlines (democracy.rounds).

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rounds",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("council_id", sa.Integer, sa.ForeignKey("councils.id"), nullable=False, index=True),
        sa.Column("economy_id", sa.Integer, sa.ForeignKey("economies.id"), nullable=False),
        sa.Column("period", sa.String(100), nullable=False),
        sa.Column("step", sa.String(20), nullable=False),
        sa.Column("step_since", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deadlines", sa.JSON, nullable=False),
        sa.Column("needs", sa.String(40), nullable=False),
        sa.Column("ballots", sa.JSON, nullable=False),
        sa.Column("variants", sa.JSON, nullable=False),
        sa.Column("adopted_job_id", sa.Integer, sa.ForeignKey("jobs.id"), nullable=True),
        sa.Column("plan_sha256", sa.String(64), nullable=False),
        sa.Column("opened_by", sa.Integer, sa.ForeignKey("members.id"), nullable=True),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("rounds")
