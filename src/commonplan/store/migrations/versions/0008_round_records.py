"""Records sent to a planning round: purchases, stock and requests of the councils below it,
from which its needs are learned.

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "round_records",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("round_id", sa.Integer, sa.ForeignKey("rounds.id"), nullable=False, index=True),
        sa.Column("council_id", sa.Integer, sa.ForeignKey("councils.id"), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("filename", sa.String(200), nullable=False),
        sa.Column("content", sa.LargeBinary, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("sent_by", sa.Integer, sa.ForeignKey("members.id"), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sendings", sa.Integer, nullable=False, server_default="0"),
        sa.UniqueConstraint("round_id", "council_id", "kind"),
    )


def downgrade() -> None:
    op.drop_table("round_records")
