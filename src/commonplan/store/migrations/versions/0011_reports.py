"""Reports of workplaces on a round in execution: the round's cadence of reports and when it
entered execution, and every report and correction.

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("rounds", sa.Column("report_every", sa.String(10), nullable=False, server_default="week"))
    op.add_column("rounds", sa.Column("executing_since", sa.DateTime(timezone=True), nullable=True))
    op.execute("UPDATE rounds SET executing_since = step_since WHERE step = 'execution'")
    op.create_table(
        "execution_reports",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("round_id", sa.Integer, sa.ForeignKey("rounds.id"), nullable=False, index=True),
        sa.Column("council_id", sa.Integer, sa.ForeignKey("councils.id"), nullable=False),
        sa.Column("producer", sa.Text, nullable=False),
        sa.Column("period", sa.String(10), nullable=False),
        sa.Column("period_start", sa.Date, nullable=False),
        sa.Column("period_end", sa.Date, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("document", sa.JSON, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("labour_hours", sa.Float, nullable=False),
        sa.Column("late", sa.Boolean, nullable=False),
        sa.Column("source", sa.String(10), nullable=False),
        sa.Column("filed_by", sa.Integer, sa.ForeignKey("members.id"), nullable=False),
        sa.Column("filed_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("round_id", "producer", "period", "version"),
    )


def downgrade() -> None:
    op.drop_table("execution_reports")
    with op.batch_alter_table("rounds") as rounds:
        rounds.drop_column("executing_since")
        rounds.drop_column("report_every")
