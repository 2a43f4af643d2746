"""Councils with their members and offices, mandates, ballots (who voted apart from what was
voted), recall petitions, volunteers for rotating posts, and the open books.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

TIME = sa.DateTime(timezone=True)


def _fk(column: str, target: str, **options: Any) -> sa.Column[int]:
    return sa.Column(column, sa.Integer, sa.ForeignKey(target), **options)


def upgrade() -> None:
    op.create_table(
        "councils",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("level", sa.String(20), nullable=False),
        _fk("parent_id", "councils.id", nullable=True),
        sa.Column("reference_rate", sa.Float, nullable=False),
        sa.Column("recall_fraction", sa.String(20), nullable=False),
        sa.Column("recall_fill", sa.String(20), nullable=False),
        sa.Column("created_at", TIME, nullable=False),
    )
    op.create_table(
        "council_members",
        _fk("council_id", "councils.id", primary_key=True),
        _fk("member_id", "members.id", primary_key=True),
        sa.Column("public_name", sa.String(200), nullable=False),
        sa.Column("since", TIME, nullable=False),
    )
    op.create_table(
        "offices",
        sa.Column("id", sa.Integer, primary_key=True),
        _fk("council_id", "councils.id", nullable=False, index=True),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        _fk("holder_id", "members.id", nullable=True),
        sa.Column("pay_rate", sa.Float, nullable=False),
        sa.Column("term_limit", sa.Integer, nullable=True),
        sa.Column("elected_by", sa.Integer, nullable=True),
    )
    op.create_table(
        "mandates",
        sa.Column("id", sa.Integer, primary_key=True),
        _fk("office_id", "offices.id", nullable=False, index=True),
        _fk("member_id", "members.id", nullable=False),
        sa.Column("started_at", TIME, nullable=False),
        sa.Column("ended_at", TIME, nullable=True),
        sa.Column("ended_why", sa.String(40), nullable=False),
    )
    op.create_table(
        "ballots",
        sa.Column("id", sa.Integer, primary_key=True),
        _fk("council_id", "councils.id", nullable=False, index=True),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("question", sa.String(500), nullable=False),
        sa.Column("options", sa.JSON, nullable=False),
        sa.Column("seats", sa.Integer, nullable=False),
        _fk("office_id", "offices.id", nullable=True),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("seed", sa.String(64), nullable=False),
        _fk("opened_by", "members.id", nullable=False),
        sa.Column("opened_at", TIME, nullable=False),
        sa.Column("closed_at", TIME, nullable=True),
        sa.Column("closes_at", TIME, nullable=True),
        sa.Column("result", sa.JSON, nullable=True),
    )
    op.create_table(
        "participations",
        _fk("ballot_id", "ballots.id", primary_key=True),
        _fk("member_id", "members.id", primary_key=True),
    )
    op.create_table(
        "ballot_contents",
        _fk("ballot_id", "ballots.id", primary_key=True),
        sa.Column("slot", sa.String(32), primary_key=True),
        sa.Column("content", sa.JSON, nullable=False),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "petitions",
        sa.Column("id", sa.Integer, primary_key=True),
        _fk("office_id", "offices.id", nullable=False, index=True),
        _fk("holder_id", "members.id", nullable=False),
        _fk("opened_by", "members.id", nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        _fk("ballot_id", "ballots.id", nullable=True),
        sa.Column("created_at", TIME, nullable=False),
    )
    op.create_table(
        "petition_signatures",
        _fk("petition_id", "petitions.id", primary_key=True),
        _fk("member_id", "members.id", primary_key=True),
    )
    op.create_table(
        "volunteers",
        sa.Column("id", sa.Integer, primary_key=True),
        _fk("office_id", "offices.id", nullable=False, index=True),
        _fk("member_id", "members.id", nullable=False),
        sa.Column("features", sa.JSON, nullable=False),
        sa.UniqueConstraint("office_id", "member_id"),
    )
    op.create_table(
        "ledger_entries",
        sa.Column("idx", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("kind", sa.String(40), nullable=False, index=True),
        sa.Column("leaf", sa.Text, nullable=False),
        sa.Column("leaf_hash", sa.LargeBinary(32), nullable=False),
    )
    op.create_table(
        "ledger_tip",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("head", sa.JSON, nullable=False),
    )
    op.create_table(
        "ledger_heads",
        sa.Column("size", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("head", sa.JSON, nullable=False),
    )
    op.create_table(
        "ledger_keys",
        sa.Column("holder", sa.String(80), primary_key=True),
        sa.Column("key", sa.String(64), nullable=False),
    )
    op.bulk_insert(sa.table("ledger_tip", sa.column("id"), sa.column("size"), sa.column("head", sa.JSON)),
                   [{"id": 1, "size": 0, "head": {}}])


def downgrade() -> None:
    for table in ("ledger_keys", "ledger_heads", "ledger_tip", "ledger_entries", "volunteers",
                  "petition_signatures", "petitions", "ballot_contents", "participations", "ballots",
                  "mandates", "offices", "council_members", "councils"):
        op.drop_table(table)
