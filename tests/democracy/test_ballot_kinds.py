"""The kinds of ballot: options and contents checked with reasons, and counts anyone can redo
from the published anonymous ballots in any order."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from commonplan.democracy.ballot_kinds import content_checked, options_checked, plain, tally
from commonplan.democracy.refusals import Refusal

CANDIDATES = ["member:a", "member:b", "member:c"]
SEED = "5" * 64


@pytest.mark.parametrize(("kind", "options", "reason"), [
    ("referendum", {}, "kind of ballot"),
    ("election", {"candidates": []}, "candidates"),
    ("election", {"candidates": ["member:a", "member:a"]}, "twice"),
    ("budget", {"projects": {"park": 0}, "budget": 10}, "'park'"),
    ("budget", {"projects": {"park": 5}, "budget": -1}, "budget"),
    ("plan", {"plans": []}, "finished plan jobs"),
    ("priorities", {"products": "bread"}, "products"),
    ("shares", {"method": "mean"}, "median"),
])
def test_bad_options_are_refused_naming_what_is_wrong(kind, options, reason):
    with pytest.raises(Refusal) as refused:
        options_checked(kind, options)
    assert reason in refused.value.reason


def test_an_election_needs_as_many_candidates_as_seats():
    with pytest.raises(Refusal) as refused:
        options_checked("election", {"candidates": ["member:a"]}, seats=2)
    assert refused.value.code == "no_candidates"


@pytest.mark.parametrize(("kind", "options", "content"), [
    ("election", {"candidates": CANDIDATES}, ["member:z"]),
    ("recall", {"holder": "member:a"}, "maybe"),
    ("shares", {}, {"consumption": 0.5, "investment": 0.6, "public services": 0.1}),
    ("priorities", {"products": ["bread"]}, {"bread": 0}),
    ("budget", {"projects": {"park": 5}, "budget": 10}, ["pool"]),
    ("plan", {"plans": [1, 2]}, [3]),
])
def test_a_ballot_breaking_its_form_is_refused_as_invalid(kind, options, content):
    with pytest.raises(Refusal) as refused:
        content_checked(kind, options, content)
    assert refused.value.code == "invalid_ballot"


def test_each_kind_is_counted_by_its_documented_rule():
    def count(kind, options, contents, seats=1, electorate=5):
        return tally(kind, options, contents, seats, SEED, electorate)

    election = {"candidates": CANDIDATES}
    assert count("election", election, [["member:b"], ["member:b", "member:c"]])["elected"] == ["member:b"]
    stv = count("election", election, [["member:a", "member:b"]] * 3 + [["member:c"]] * 2, 2)
    assert sorted(stv["elected"]) == ["member:a", "member:c"] and stv["method"] == "stv"
    half = options_checked("recall", {"holder": "member:a", "office": 1})
    assert half["quorum"] == "1/2"
    carried = count("recall", half, ["remove", "keep", "remove"])
    assert carried == {"remove": 2, "keep": 1, "carried": True, "voted": 3, "quorum": 3, "electorate": 5,
                       "why": "recalled: 2 voted to remove, 1 to keep, 3 of 5 members took part"}
    assert count("recall", half, ["remove", "keep"], electorate=4)["carried"] is False  # a tie keeps
    short = count("recall", half, ["remove", "remove"])  # 2 of 5 take part: below the quorum of 3
    assert short["carried"] is False and "quorum" in short["why"]
    pay = options_checked("pay", {"office": 1, "rate": 20.0})
    assert count("pay", pay, ["yes", "yes", "no"]) == {
        "yes": 2, "no": 1, "carried": True, "quorum": 3, "electorate": 5,
        "why": "the pay is set: 2 voted for, 1 against", "office": 1, "rate": 20.0}
    assert count("pay", pay, ["yes", "no", "no"])["carried"] is False
    alone = count("pay", pay, ["yes"])  # one member of five: below the quorum of three
    assert alone["carried"] is False and "quorum of 3" in alone["why"]
    nobody = count("election", election, [])
    assert nobody["elected"] == [] and "nobody" in nobody["why"]
    split = {"consumption": 0.6, "investment": 0.2, "public services": 0.2}
    assert count("shares", {}, [split] * 3)["shares"] == pytest.approx(split)
    proposals = [{"consumption": 0.6, "investment": 0.3, "public services": 0.1},
                 {"consumption": 0.5, "investment": 0.2, "public services": 0.3},
                 {"consumption": 0.7, "investment": 0.1, "public services": 0.2}]
    markets = count("shares", options_checked("shares", {"method": "independent markets"}), proposals)
    assert markets["shares"] == pytest.approx(
        {"consumption": 0.5, "investment": 0.25, "public services": 0.25})
    tiers = count("priorities", {"products": ["bread", "park"]}, [{"bread": 1}, {"bread": 3, "park": 2}])
    assert tiers["tiers"] == {"bread": 1, "park": 2}  # the lower median
    projects = {"projects": {"park": 6, "pool": 6}, "budget": 10}
    budget = count("budget", projects, [["park"], ["park"], ["pool"]])
    assert budget["funded"] == ["park"] and budget["spent"] == 6
    assert count("plan", {"plans": [4, 7]}, [[7], [4, 7]])["adopted"] == 7


def test_a_budget_ballot_is_counted_by_the_completion_its_council_chose():
    def count(options, contents):
        return tally("budget", options, contents, 1, SEED, 3)

    earlier = {"projects": {"A": 4, "B": 3, "C": 1}, "budget": 5}
    options = options_checked("budget", {**earlier, "completion": "none"})
    assert options["completion"] == "none"
    ballots = [["A", "C"], ["B"], ["A"]]
    assert count(options, ballots)["funded"] == ["C"]
    # A ballot opened before councils chose (no completion among its options) is counted as then.
    assert count(earlier, ballots)["funded"] == ["A", "C"]
    assert options_checked("budget", earlier)["completion"] == "add-one then greedy"
    with pytest.raises(Refusal) as refused:
        options_checked("budget", {**earlier, "completion": "greedy"})
    assert refused.value.code == "invalid_ballot" and "'add-one then greedy'" in refused.value.reason


@given(st.lists(st.sets(st.sampled_from(CANDIDATES), min_size=1).map(sorted), min_size=1, max_size=20),
       st.randoms())
def test_a_recount_in_any_order_gives_the_same_result(ballots, random):
    shuffled = list(ballots)
    random.shuffle(shuffled)
    options = {"candidates": CANDIDATES}
    once, again = (tally("election", options, order, 1, SEED, 20) for order in (shuffled, ballots))
    assert once == again
    assert tally("election", options, shuffled, 2, SEED, 20)["elected"] == tally(
        "election", options, ballots, 2, SEED, 20)["elected"]


def test_results_are_plain_json():
    from fractions import Fraction

    assert plain({"a": (Fraction(1, 3), Fraction(4, 2)), 3: {"x"}}) == {"a": ["1/3", 2], "3": ["x"]}
