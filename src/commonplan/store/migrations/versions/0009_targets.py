"""Targets of a round's adopted plan for every workplace, the producer a workplace council is,
and the disputes of targets a workplace cannot meet.

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("councils", sa.Column("producer", sa.String(200), nullable=True))
    op.create_index("ix_councils_producer", "councils", ["producer"], unique=True)
    op.create_table(
        "round_targets",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("round_id", sa.Integer, sa.ForeignKey("rounds.id"), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("producer", sa.Text, nullable=False),
        sa.Column("document", sa.JSON, nullable=False),
        sa.UniqueConstraint("round_id", "producer"),
        sa.UniqueConstraint("round_id", "position"),
    )
    op.create_table(
        "target_disputes",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("round_id", sa.Integer, sa.ForeignKey("rounds.id"), nullable=False, index=True),
        sa.Column("council_id", sa.Integer, sa.ForeignKey("councils.id"), nullable=False),
        sa.Column("producer", sa.Text, nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("target", sa.Text, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("opened_by", sa.Integer, sa.ForeignKey("members.id"), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("open_slot", sa.String(10), nullable=True),
        sa.Column("answer", sa.Text, nullable=False),
        sa.Column("answered_by", sa.Integer, sa.ForeignKey("members.id"), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.UniqueConstraint("round_id", "council_id", "kind", "target", "open_slot"),
    )


def downgrade() -> None:
    op.drop_table("target_disputes")
    op.drop_table("round_targets")
    op.drop_index("ix_councils_producer", "councils")
    op.drop_column("councils", "producer")
