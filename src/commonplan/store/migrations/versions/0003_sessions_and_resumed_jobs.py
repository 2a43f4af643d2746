"""Tokens of two kinds (API bearer tokens and the pages' session cookies) with an expiry, and
how often a job was started, so a restart resumes it once and fails it after.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("tokens") as tokens:
        tokens.add_column(sa.Column("kind", sa.String(20), nullable=False, server_default="bearer"))
        tokens.add_column(sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("jobs") as jobs:
        jobs.add_column(sa.Column("attempts", sa.Integer, nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("jobs") as jobs:
        jobs.drop_column("attempts")
    with op.batch_alter_table("tokens") as tokens:
        tokens.drop_column("expires_at")
        tokens.drop_column("kind")
