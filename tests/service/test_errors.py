"""The API answers every refusal with the status of its one table."""

from __future__ import annotations

from commonplan.democracy.refusals import CODES
from commonplan.service.errors import REFUSAL_STATUS


def test_every_code_has_its_status_in_the_apis_one_table() -> None:
    assert set(REFUSAL_STATUS) == CODES
    assert all(400 <= status < 500 for status in REFUSAL_STATUS.values())
