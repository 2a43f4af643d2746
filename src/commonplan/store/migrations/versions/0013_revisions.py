"""Revisions of the rest of a round's execution: each one's job, the plan it revises, what
became of it (applied, put to the vote, rejected, stale, failed) and the SHA-256 of the targets
it replaced and put in their place.

Revision ID: 0013
Revises: 0012
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "round_revisions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("round_id", sa.Integer, sa.ForeignKey("rounds.id"), nullable=False, index=True),
        sa.Column("number", sa.Integer, nullable=False),
        sa.Column("job_id", sa.Integer, sa.ForeignKey("jobs.id"), nullable=False),
        sa.Column("plan_job_id", sa.Integer, sa.ForeignKey("jobs.id"), nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("open_slot", sa.String(10), nullable=True),
        sa.Column("ballot_id", sa.Integer, sa.ForeignKey("ballots.id"), nullable=True),
        sa.Column("requested_by", sa.Integer, sa.ForeignKey("members.id"), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("old_targets_sha256", sa.String(64), nullable=False),
        sa.Column("new_targets_sha256", sa.String(64), nullable=False),
        sa.UniqueConstraint("round_id", "open_slot"),
        sa.UniqueConstraint("round_id", "number"),
    )


def downgrade() -> None:
    op.drop_table("round_revisions")
