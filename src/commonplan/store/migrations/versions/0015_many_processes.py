"""Many server processes on one database: failed sign-ins counted in the database rather than in
one process's memory, and a lease on every running job, renewed by its process, so that another
process takes over only a job whose process has died. On PostgreSQL, the tables of the job queue
that ``commonplan worker`` processes take jobs from (procrastinate's schema, app.queue).

Revision ID: 0015
Revises: 0011
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "login_attempts",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("email_sha256", sa.String(64), nullable=False, index=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False, index=True),
    )
    op.add_column("jobs", sa.Column("runner", sa.String(32), nullable=True))
    op.add_column("jobs", sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True))
    if op.get_bind().dialect.name == "postgresql":
        from procrastinate.schema import SchemaManager

        # several statements, no parameters: sent as they are by the driver's own connection
        op.get_bind().connection.driver_connection.execute(SchemaManager.get_schema())  # type: ignore[union-attr]


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in ("procrastinate_events", "procrastinate_periodic_defers", "procrastinate_jobs",
                      "procrastinate_workers"):
            op.execute(f"DROP TABLE IF EXISTS {table} CASCADE")
        for kind in ("procrastinate_job_status", "procrastinate_job_event_type",
                     "procrastinate_job_to_defer_v1"):
            op.execute(f"DROP TYPE IF EXISTS {kind} CASCADE")  # and the functions over them
    op.drop_column("jobs", "lease_until")
    op.drop_column("jobs", "runner")
    op.drop_table("login_attempts")
