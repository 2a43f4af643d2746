"""Persistence at the edge: SQLAlchemy models, Alembic migrations applied at start, and the
repositories the service uses (SQLite by default, PostgreSQL by URL)."""
