"""The warnings an economy's bundle was accepted with, kept beside it so every page and answer
that shows the economy can show them.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("economies") as economies:
        economies.add_column(sa.Column("warnings", sa.JSON, nullable=False, server_default="[]"))


def downgrade() -> None:
    with op.batch_alter_table("economies") as economies:
        economies.drop_column("warnings")
