"""Ballots close on time: every council has a minimum voting period (``voting_days``, 7 by
default) and a recall quorum (``recall_quorum``, half its members by default); a ballot that a
rule opens (a recall after a petition, a by-election after a recall) is opened by the council,
so ``opened_by`` may be empty. Ballots still open without a closing time get one: a week after
they opened (nobody may close them before any more).

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("councils") as councils:
        councils.add_column(sa.Column("recall_quorum", sa.String(20), nullable=False, server_default="1/2"))
        councils.add_column(sa.Column("voting_days", sa.Integer, nullable=False, server_default="7"))
    with op.batch_alter_table("ballots") as batch:
        batch.alter_column("opened_by", existing_type=sa.Integer, nullable=True)
    ballots = sa.table("ballots", sa.column("id", sa.Integer), sa.column("state", sa.String),
                       sa.column("opened_at", sa.DateTime(timezone=True)),
                       sa.column("closes_at", sa.DateTime(timezone=True)))
    connection = op.get_bind()
    undated = connection.execute(sa.select(ballots.c.id, ballots.c.opened_at).where(
        ballots.c.state == "open", ballots.c.closes_at.is_(None))).all()
    for ballot, opened_at in undated:  # in Python: SQLite and PostgreSQL add days to a time differently
        connection.execute(sa.update(ballots).where(ballots.c.id == ballot)
                           .values(closes_at=opened_at + timedelta(days=7)))


def downgrade() -> None:
    with op.batch_alter_table("ballots") as batch:
        batch.alter_column("opened_by", existing_type=sa.Integer, nullable=False)
    with op.batch_alter_table("councils") as councils:
        councils.drop_column("voting_days")
        councils.drop_column("recall_quorum")
