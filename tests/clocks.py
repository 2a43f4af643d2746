"""A clock for the open books that tests can move on: the wall clock plus an offset, so that a
ballot's closing time can come without waiting for it."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

from commonplan.store.models import now


class MovableClock:
    """``now()`` plus whatever ``advance`` added (thread-safe)."""

    def __init__(self) -> None:
        self.moved, self.lock = timedelta(0), threading.Lock()

    def __call__(self) -> datetime:
        with self.lock:
            return now() + self.moved

    def advance(self, days: float = 8) -> None:
        """Move on by ``days`` (by default past any ballot's default closing time)."""
        with self.lock:
            self.moved += timedelta(days=days)
