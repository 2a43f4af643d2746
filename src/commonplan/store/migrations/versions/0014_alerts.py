"""Alarms that climb: a round's period to acknowledge and then act on an alert (``alert_hours``,
48 by default), the alerts raised on its workplaces' targets, and every step of each.

Revision ID: 0014
Revises: 0013
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("rounds", sa.Column("alert_hours", sa.Integer, nullable=False, server_default="48"))
    op.create_table(
        "alerts",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("round_id", sa.Integer, sa.ForeignKey("rounds.id"), nullable=False, index=True),
        sa.Column("council_id", sa.Integer, sa.ForeignKey("councils.id"), nullable=False),
        sa.Column("producer", sa.Text, nullable=False),
        sa.Column("product", sa.Text, nullable=False),
        sa.Column("direction", sa.String(10), nullable=False),
        sa.Column("cause", sa.String(10), nullable=False),
        sa.Column("period", sa.String(10), nullable=False),
        sa.Column("fulfilment", sa.Float, nullable=False),
        sa.Column("low", sa.Float, nullable=False),
        sa.Column("high", sa.Float, nullable=False),
        sa.Column("consequences", sa.JSON, nullable=False),
        sa.Column("rank_tier", sa.Integer, nullable=False),
        sa.Column("rank_hours", sa.Float, nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("holder_id", sa.Integer, sa.ForeignKey("councils.id"), nullable=False, index=True),
        sa.Column("deadline", sa.DateTime(timezone=True), nullable=False),
        sa.Column("steps", sa.Integer, nullable=False),
        sa.Column("raised_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("acted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("open_slot", sa.String(10), nullable=True),
        sa.UniqueConstraint("round_id", "producer", "product", "direction", "open_slot"),
    )
    op.create_table(
        "alert_events",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("alert_id", sa.Integer, sa.ForeignKey("alerts.id"), nullable=False, index=True),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("council_id", sa.Integer, sa.ForeignKey("councils.id"), nullable=False),
        sa.Column("from_council_id", sa.Integer, sa.ForeignKey("councils.id"), nullable=True),
        sa.Column("member_id", sa.Integer, sa.ForeignKey("members.id"), nullable=True),
        sa.Column("actor", sa.String(100), nullable=False),
        sa.Column("deadline_passed", sa.DateTime(timezone=True), nullable=True),
        sa.Column("note", sa.Text, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("alert_events")
    op.drop_table("alerts")
    with op.batch_alter_table("rounds") as rounds:
        rounds.drop_column("alert_hours")
