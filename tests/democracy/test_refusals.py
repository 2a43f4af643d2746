import ast
import pickle
from pathlib import Path

import pytest

import commonplan.democracy as democracy
from commonplan.democracy import refusals
from commonplan.democracy.refusals import CODES, Refusal

PACKAGE = Path(democracy.__file__).parent
MINE = ("refusals", "lottery", "elections", "recall", "pay", "shares", "priorities", "councils")
EDGE = {"fastapi", "starlette", "sqlalchemy", "alembic", "typer", "click", "rich", "orjson", "pydantic",
        "jinja2", "pandas"}


def test_a_refusal_carries_its_code_and_a_reason_in_plain_words() -> None:
    refusal = Refusal("not_a_member", "member:ab12 is not a member of council 3")
    assert refusal.code == "not_a_member"
    assert refusal.reason == str(refusal) == "member:ab12 is not a member of council 3"
    assert repr(refusal) == "Refusal('not_a_member', 'member:ab12 is not a member of council 3')"


def test_a_refusal_can_be_raised_and_compared_as_a_value() -> None:
    with pytest.raises(Refusal) as caught:
        raise Refusal("already_voted", "member:1 has already voted")
    assert caught.value == Refusal("already_voted", "member:1 has already voted")
    assert caught.value != Refusal("already_voted", "member:2 has already voted")
    assert len({caught.value, Refusal("already_voted", "member:1 has already voted")}) == 1


def test_a_refusal_survives_pickling() -> None:
    refusal = Refusal("ballot_closed", "the ballot closed at noon")
    assert pickle.loads(pickle.dumps(refusal)) == refusal


def test_every_code_is_a_module_constant_in_snake_case() -> None:
    constants = {value for name, value in vars(refusals).items() if name.isupper() and isinstance(value, str)}
    assert constants == CODES
    assert all(code.replace("_", "").isalpha() and code.islower() for code in CODES)
    assert {"not_found", "not_a_member", "not_eligible", "ballot_closed", "ballot_open", "already_voted",
            "already_signed",
            "invalid_ballot", "pay_above_rule", "invalid_pay", "pay_by_ballot",
            "not_a_delegate", "no_candidates",
            "term_limit", "not_a_volunteer", "not_found_in_council", "already_member",
            "invalid_council", "not_ready", "already_disputed", "producer_taken", "forbidden",
            "unauthorised", "too_many_logins", "refused",
            "invalid_request",
            "too_large", "invalid_bundle", "ended", "not_done"} == CODES


@pytest.mark.parametrize("module", MINE)
def test_the_rules_use_only_known_codes(module: str) -> None:
    tree = ast.parse((PACKAGE / f"{module}.py").read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "Refusal" and node.args:
            first = node.args[0]
            if isinstance(first, ast.Constant):
                assert first.value in CODES
            else:
                assert isinstance(first, ast.Name) and getattr(refusals, first.id) in CODES


@pytest.mark.parametrize("module", MINE)
def test_the_rules_import_nothing_from_the_edge(module: str) -> None:
    names: set[str] = set()
    for node in ast.walk(ast.parse((PACKAGE / f"{module}.py").read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module.split(".")[0])
    assert not names & EDGE


def test_a_code_outside_the_vocabulary_is_a_bug_not_a_refusal() -> None:
    with pytest.raises(ValueError):
        Refusal("no_such_code", "whatever")

