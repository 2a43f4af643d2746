"""Privacy: keyed pseudonyms for card and member ids, and the k-anonymity threshold.

A pseudonym is SHA-256 of the secret key followed by the id, computed inside the DuckDB scan so
raw ids are never kept.  The key comes from settings (the ``COMMONPLAN_PSEUDONYM_KEY``
environment variable), never from a file beside the data; without it a random key is drawn for
the run, so pseudonyms cannot be linked across runs.  Figures about people (cards, members) are
shown only when at least ``k`` people stand behind them; product totals are never suppressed.
"""

from __future__ import annotations

import hashlib
import os
import secrets
from dataclasses import dataclass, field

KEY_VARIABLE = "COMMONPLAN_PSEUDONYM_KEY"
DEFAULT_K = 10


@dataclass(frozen=True)
class Pseudonymiser:
    """Replaces an id by a keyed hash; ``ephemeral`` when the key was drawn for this run only."""

    key: str = field(repr=False)
    ephemeral: bool = False

    @classmethod
    def from_settings(cls, environ: dict[str, str] | None = None) -> Pseudonymiser:
        """The key from ``COMMONPLAN_PSEUDONYM_KEY``, or a random one for this run."""
        key = (os.environ if environ is None else environ).get(KEY_VARIABLE, "")
        if key:
            return cls(key)
        return cls(secrets.token_hex(32), ephemeral=True)

    def pseudonym(self, identifier: str) -> str:
        """The pseudonym of one id (the same as the SQL expression computes)."""
        return hashlib.sha256((self.key + identifier).encode()).hexdigest()

    def sql(self, expression: str) -> str:
        """A DuckDB expression computing the pseudonym of ``expression`` (NULL stays NULL)."""
        literal = self.key.replace("'", "''")
        return f"sha256('{literal}' || {expression})"


def suppress_small(counts: dict[str, int], k: int = DEFAULT_K) -> tuple[dict[str, int], int]:
    """The counts of at least ``k`` people, and how many figures were withheld."""
    if k < 1:
        raise ValueError(f"k must be at least 1, not {k}")
    shown = {key: count for key, count in counts.items() if count >= k}
    return shown, len(counts) - len(shown)
