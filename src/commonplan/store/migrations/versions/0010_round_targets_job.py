"""The job that publishes a round's targets (computed by the job worker, not in the request
that moves the round past its adoption).

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("rounds") as rounds:
        rounds.add_column(sa.Column("targets_job_id", sa.Integer, nullable=True))
        rounds.create_foreign_key("fk_rounds_targets_job", "jobs", ["targets_job_id"], ["id"])


def downgrade() -> None:
    with op.batch_alter_table("rounds") as rounds:
        rounds.drop_constraint("fk_rounds_targets_job", type_="foreignkey")
        rounds.drop_column("targets_job_id")
