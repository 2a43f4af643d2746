"""The bounds of service.limits: free-form JSON within them passes unchanged and anything past
one is refused naming where; docs/api.md's "Limits" table says what the constants are."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from commonplan.app.uploads import MAX_UPLOAD
from commonplan.service import limits
from commonplan.service.limits import Unbounded, bounded_json, email_address, without_nul

DOCS = Path(__file__).parents[2] / "docs" / "api.md"


def documented() -> dict[str, str]:
    """The "Limits and pages" table of docs/api.md: limit to value."""
    text = DOCS.read_text().split("## Limits and pages", 1)[1].split("\n## ", 1)[0]
    rows = (line.strip("| ").split(" | ") for line in text.splitlines()
            if line.startswith("| ") and not line.startswith("| limit"))
    return {row[0]: row[1] for row in rows}


def test_the_docs_table_states_every_limit_as_the_constants_have_it():
    table = documented()
    expected = {
        "id": f"1 to {limits.MAX_ID}", "name": f"{limits.MAX_NAME} characters",
        "question": f"{limits.MAX_QUESTION} characters", "code word": f"{limits.MAX_CODE} characters",
        "e-mail": f"{limits.MAX_EMAIL} octets, {limits.MAX_EMAIL_LOCAL} before the last `@`",
        "password": f"{limits.MAX_PASSWORD} characters", "typed list": f"{limits.MAX_ITEMS} items",
        "rate": f"0 to {limits.MAX_RATE:.0e}".replace("+0", ""),
        "free-form JSON": f"{limits.JSON_BYTES} octets as UTF-8 JSON", "JSON depth": str(limits.JSON_DEPTH),
        "JSON items": str(limits.JSON_ITEMS), "JSON string": f"{limits.JSON_STRING} characters",
        "JSON integer": str(limits.JSON_INTEGER), "form text": f"{limits.MAX_FORM_TEXT} characters",
        "form choices": str(limits.MAX_CHOICES), "request body": f"{limits.MAX_BODY} octets",
        "upload": f"{MAX_UPLOAD} octets",
        "page": f"{limits.PAGE_DEFAULT} rows, at most {limits.PAGE_MAX}",
        "web page": f"{limits.WEB_PAGE} rows",
        "reason": f"{limits.MAX_REASON} characters", "target": f"{limits.MAX_TARGET} characters",
        "report": f"{limits.MAX_REPORT_LINES} lines, {limits.MAX_REPORT_BYTES} octets as CSV",
        "corrections": f"{limits.MAX_CORRECTIONS} per workplace and period",
        "revisions": f"1 open, {limits.MAX_REVISIONS} per round",
    }
    assert table == expected
    assert f"its body may have {limits.MULTIPART_SLACK} more" in DOCS.read_text()
    assert f"up to {limits.MAX_HOURS:.0e}".replace("+0", "") in DOCS.read_text()


WITHIN: list[Any] = [
    {}, [], "", 0, None, True, -(2**53 - 1), 1.5e300,
    {"candidates": ["member:0123456789abcdef"] * 3, "offices": [1, 2]},
    {"projects": {"park": 120, "library": 80}, "budget": 150},
    [[["x" * limits.JSON_STRING]]],  # depth 3
    [[[[1]]]],  # depth 4: the most
    list(range(limits.JSON_ITEMS)),
]


@pytest.mark.parametrize("value", WITHIN)
def test_json_within_every_bound_passes_unchanged(value):
    assert bounded_json(value) is value


@pytest.mark.parametrize("value, says", [
    ([[[[[1]]]]], "deeper than 4"),
    ({"a": {"b": {"c": {"d": {}}}}}, "deeper than 4"),
    (list(range(limits.JSON_ITEMS + 1)), "10001 items"),
    ({"k": "x" * (limits.JSON_STRING + 1)}, "201 characters at 'k'"),
    ({"k" * (limits.JSON_STRING + 1): 1}, "(a key)"),
    ({"a": ["ok", "nul\x00"]}, "NUL character"),
    (2**53, "integer beyond"),
    ([float("nan")], "not finite"),
    ({"x": float("inf")}, "not finite"),
    ([["y" * limits.JSON_STRING] * 100] * 4, "octets as JSON"),
    ({1, 2}, "not JSON"),
])
def test_json_past_a_bound_is_refused_saying_which_and_where(value, says):
    with pytest.raises(Unbounded, match=re.escape(says)):
        bounded_json(value)


def test_a_nul_character_is_refused_with_its_position():
    assert without_nul("plain") == "plain"
    with pytest.raises(ValueError, match="position 3"):
        without_nul("abc\x00")


@pytest.mark.parametrize("email, fits", [
    ("a" * 64 + "@" + "b" * 185 + ".org", True),
    ("a" * 65 + "@example.org", False),
    ("a" * 64 + "@" + "b" * 186 + ".org", False),
    ("é" * 32 + "@example.org", True),  # 64 octets in UTF-8
    ("é" * 33 + "@example.org", False),
])
def test_an_email_address_fits_rfc_5321_counted_in_octets(email, fits):
    if fits:
        assert email_address(email) == email
    else:
        with pytest.raises(ValueError, match="octets"):
            email_address(email)
