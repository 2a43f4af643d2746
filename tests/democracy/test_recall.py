import math
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from commonplan.democracy.elections import Outcome
from commonplan.democracy.recall import (
    DEFAULT_THRESHOLD,
    check_signature,
    petition_carries,
    petition_threshold,
    quorum,
    recall_carried,
    recall_decision,
    successor,
)
from commonplan.democracy.refusals import Refusal


def test_a_petition_needs_a_fifth_of_the_members_rounded_up() -> None:
    assert Fraction(1, 5) == DEFAULT_THRESHOLD
    assert [petition_threshold(n) for n in (0, 1, 5, 6, 10, 11, 100)] == [1, 1, 1, 2, 2, 3, 20]
    assert petition_threshold(10, Fraction(1, 2)) == 5
    assert petition_carries(20, 100) and not petition_carries(19, 100)


@given(st.integers(0, 10_000), st.integers(0, 10_000), st.fractions(Fraction(1, 100), 1))
def test_the_threshold_never_falls_as_the_council_grows(a: int, b: int, fraction: Fraction) -> None:
    small, large = sorted((a, b))
    assert 1 <= petition_threshold(small, fraction) <= petition_threshold(large, fraction)
    assert petition_threshold(large, fraction) >= large * fraction


def test_a_recall_carries_by_a_majority_of_the_votes_cast_and_a_tie_keeps_the_delegate() -> None:
    assert recall_carried(6, 5)
    assert not recall_carried(5, 5)
    assert not recall_carried(0, 0)
    with pytest.raises(ValueError, match="negative"):
        recall_carried(-1, 0)


@pytest.mark.parametrize(("already", "member", "open_", "code"), [
    (False, True, False, "ballot_closed"),
    (False, False, True, "not_a_member"),
    (True, True, True, "already_signed"),
])
def test_a_signature_that_is_not_allowed_is_refused(already: bool, member: bool, open_: bool,
                                                    code: str) -> None:
    with pytest.raises(Refusal) as caught:
        check_signature(already_signed=already, is_member=member, petition_open=open_)
    assert caught.value.code == code and caught.value.reason


def test_a_member_may_sign_an_open_petition_once() -> None:
    assert check_signature(already_signed=False, is_member=True, petition_open=True) is None


OUTCOME = Outcome("stv", ("A", "B"), ("C", "D", "E"), {}, (), ())


def test_the_runner_up_who_holds_no_seat_takes_the_recalled_seat() -> None:
    assert successor(OUTCOME, "A", "runner-up", holders={"B"}) == "C"
    assert successor(OUTCOME, "A", "runner-up", holders={"B", "C"}) == "D"
    assert successor(OUTCOME, "A", "runner-up", holders={"B", "C", "D", "E"}) is None


def test_a_by_election_leaves_the_seat_to_a_new_election() -> None:
    assert successor(OUTCOME, "A", "by-election", holders={"B"}) is None
    with pytest.raises(ValueError, match="rule"):
        successor(OUTCOME, "A", "coin toss", holders=())  # type: ignore[arg-type]


def test_a_recall_needs_a_majority_of_those_voting_and_the_quorum_taking_part():
    assert recall_decision(3, 2, 10).carried  # 5 of 10 take part: the quorum of half
    assert not recall_decision(4, 0, 10).carried  # 4 of 10: below it, the delegate stays
    assert "quorum of 5" in recall_decision(4, 0, 10).why
    assert not recall_decision(3, 3, 10).carried  # a tie keeps
    assert recall_decision(1, 0, 4, Fraction(1, 4)).carried  # the council's own quorum
    assert quorum(5) == 3 and quorum(0) == 1


@given(remove=st.integers(0, 500), keep=st.integers(0, 500), members=st.integers(1, 1000),
       fraction=st.fractions(min_value=Fraction(1, 100), max_value=1))
def test_a_recall_carries_exactly_when_a_majority_removes_and_the_quorum_took_part(remove, keep, members,
                                                                                   fraction):
    decision = recall_decision(remove, keep, max(members, remove + keep), fraction)
    electorate = max(members, remove + keep)
    assert decision.carried == (remove > keep and remove + keep >= math.ceil(electorate * fraction))
    assert decision.voted == remove + keep and decision.why


@given(members=st.integers(3, 10_000))
def test_one_member_alone_never_carries_a_recall_in_a_council_of_three_or_more(members):
    assert not recall_decision(1, 0, members).carried
