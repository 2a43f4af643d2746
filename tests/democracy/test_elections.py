"""Approval and STV: a published worked example, refusals, and properties of the count."""

import csv
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from commonplan.democracy.elections import Outcome, approval, ballot_checked, droop_quota, stv
from commonplan.democracy.refusals import Refusal
from tests.democracy.reference_stv import reference_stv

SEED = "0f" * 32
FOOD = ["Oranges", "Pears", "Chocolate", "Strawberries", "Hamburgers"]
# Wikipedia, "Single transferable vote", the food election (mirrored at
# https://www.liquisearch.com/single_transferable_vote/example): 20 guests, 3 seats.
FOOD_BALLOTS = ([["Oranges"]] * 4 + [["Pears", "Oranges"]] * 2 + [["Chocolate", "Strawberries"]] * 8
                + [["Chocolate", "Hamburgers"]] * 4 + [["Strawberries"]] + [["Hamburgers"]])


def test_the_food_election_elects_chocolate_oranges_and_strawberries() -> None:
    outcome = stv(FOOD, FOOD_BALLOTS, 3, SEED)
    assert outcome.method == "stv"
    assert outcome.elected == ("Chocolate", "Oranges", "Strawberries")
    assert outcome.runners_up == ("Hamburgers", "Pears")
    assert outcome.ties == ()


def test_the_food_election_goes_through_the_published_rounds() -> None:
    stages = stv(FOOD, FOOD_BALLOTS, 3, SEED).rounds
    votes = [[stage["votes"][name] for name in FOOD] for stage in stages]
    assert votes == [[4, 2, 12, 1, 1],   # quota 6: Chocolate elected, surplus 6 passes on at 1/2
                     [4, 2, 6, 5, 3],    # no quota: Pears excluded
                     [6, 0, 6, 5, 3],    # Oranges reach the quota exactly; Hamburgers excluded
                     [6, 0, 6, 5, 0]]    # Strawberries fill the last seat
    assert [stage["elected"] for stage in stages] == [["Chocolate"], [], ["Oranges"], ["Strawberries"]]
    assert stages[0]["transfer_value"] == "1/2"
    assert stages[0]["transfers"] == {"Strawberries": 4.0, "Hamburgers": 2.0}
    assert stages[2]["non_transferable"] == 3.0


def test_the_droop_quota_is_the_floor_of_votes_over_seats_plus_one_plus_one() -> None:
    assert droop_quota(20, 3) == 6
    assert droop_quota(5000, 4) == 1001
    assert droop_quota(4000, 4) == 801


def test_surpluses_pass_on_in_exact_fractions() -> None:
    ballots = [["A", "B"]] * 7 + [["A", "C"]] * 2 + [["B"]] * 2 + [["C"]] * 3
    outcome = stv(["A", "B", "C"], ballots, 2, SEED)
    # quota floor(14/3)+1 = 5; A's surplus 4 of 9: B gets 7 * 4/9, C gets 2 * 4/9
    assert outcome.rounds[0]["transfer_value"] == "4/9"
    assert outcome.rounds[1]["votes_exact"] == {"A": "5", "B": "46/9", "C": "35/9"}
    assert outcome.elected == ("A", "B")


def test_a_tie_for_exclusion_is_broken_by_the_earlier_stage_first() -> None:
    # after A's surplus B and C are level at 3; C had more at the first stage, so B is excluded
    ballots = [["A", "B"]] * 8 + [["B"]] * 1 + [["C"]] * 3 + [["D"]] * 4
    outcome = stv(["A", "B", "C", "D"], ballots, 2, SEED)
    assert outcome.rounds[1]["votes"]["B"] == outcome.rounds[1]["votes"]["C"] == 3
    assert outcome.rounds[1]["action"] == "B excluded"
    assert outcome.ties == ()


def test_a_tie_at_every_stage_goes_to_the_lottery_and_is_named() -> None:
    outcome = stv(["A", "B", "C"], [["A"], ["B"], ["C"], ["C"]], 1, SEED)
    assert outcome.elected == ("C",)
    assert len(outcome.ties) == 1 and SEED in outcome.ties[0] and "stv tie at stage 1" in outcome.ties[0]


def test_stv_refuses_an_unknown_candidate_and_an_election_without_candidates() -> None:
    with pytest.raises(Refusal) as caught:
        stv(["A"], [["A", "Z"]], 1, SEED)
    assert caught.value.code == "invalid_ballot" and "'Z' is not a candidate" in caught.value.reason
    with pytest.raises(Refusal) as caught:
        stv([], [], 1, SEED)
    assert caught.value.code == "no_candidates"
    with pytest.raises(ValueError, match="seats"):
        stv(["A"], [], 0, SEED)


def test_approval_elects_the_most_approved() -> None:
    outcome = approval(["A", "B", "C"], [["A", "B"], ["B"], ["C", "B"], ["A"]], SEED)
    assert outcome == Outcome("approval", ("B",), ("A", "C"), {"A": 2.0, "B": 3.0, "C": 1.0}, (), ())


def test_an_approval_tie_is_broken_by_the_published_lottery() -> None:
    from commonplan.democracy.lottery import lottery_order
    outcome = approval(["A", "B"], [["A"], ["B"]], SEED)
    assert list(outcome.elected + outcome.runners_up) == lottery_order(["A", "B"], SEED, "approval tie")
    order = ", ".join(outcome.elected + outcome.runners_up)
    assert outcome.ties == (f"A, B tied with 1 approvals each; the lottery (seed {SEED}, purpose "
                            f"'approval tie') ordered them {order}",)


def test_approval_refuses_a_ballot_naming_someone_who_does_not_stand() -> None:
    with pytest.raises(Refusal) as caught:
        approval(["A", "B"], [["A", "X"]], SEED)
    assert caught.value == Refusal("invalid_ballot", "'X' is not a candidate in this election")
    with pytest.raises(Refusal, match="no candidates"):
        approval([], [], SEED)


def test_a_ballot_is_checked_and_normalised() -> None:
    assert ballot_checked("approval", {"C", "A"}, ["A", "B", "C"]) == ["A", "C"]
    assert ballot_checked("approval", [], ["A"]) == []
    assert ballot_checked("stv", ("C", "A"), ["A", "B", "C"], seats=2) == ["C", "A"]


@pytest.mark.parametrize(("kind", "content", "words"), [
    ("approval", "A", "must be a list of candidates, not str"),
    ("approval", ["A", "A"], "A is named twice"),
    ("approval", [1], "1 is not a candidate"),
    ("stv", [], "at least one candidate"),
    ("stv", {"A"}, "not a set"),
    ("stv", ["A", "Q"], "'Q' is not a candidate"),
    ("borda", ["A"], "'borda' is not a kind of ballot"),
])
def test_a_ballot_that_breaks_its_form_is_refused_with_the_reason(kind: str, content: object,
                                                                  words: str) -> None:
    with pytest.raises(Refusal) as caught:
        ballot_checked(kind, content, ["A", "B"])
    assert caught.value.code == "invalid_ballot" and words in caught.value.reason


NAMES = ["A", "B", "C", "D", "E"]


@st.composite
def elections(draw: st.DrawFn) -> tuple[list[str], list[list[str]], int]:
    candidates = NAMES[: draw(st.integers(1, 5))]
    rankings = draw(st.lists(st.permutations(candidates).flatmap(
        lambda order: st.integers(1, len(order)).map(lambda k: list(order[:k]))), max_size=25))
    return candidates, rankings, draw(st.integers(1, 4))


@settings(max_examples=150, deadline=None)
@given(elections())
def test_stv_fills_every_seat_it_can_and_places_every_candidate_once(election) -> None:
    candidates, rankings, seats = election
    outcome = stv(candidates, rankings, seats, SEED)
    assert len(outcome.elected) == min(seats, len(candidates))
    assert sorted(outcome.elected + outcome.runners_up) == sorted(candidates)


@settings(max_examples=100, deadline=None)
@given(elections(), st.randoms(use_true_random=False))
def test_stv_does_not_depend_on_the_order_of_the_ballots_and_is_reproducible(election, rng) -> None:
    candidates, rankings, seats = election
    shuffled = list(rankings)
    rng.shuffle(shuffled)
    assert stv(candidates, shuffled, seats, SEED) == stv(candidates, rankings, seats, SEED)


@settings(max_examples=150, deadline=None)
@given(elections())
def test_a_candidate_ranked_first_by_a_quota_is_always_elected(election) -> None:
    candidates, rankings, seats = election
    firsts = Counter(r[0] for r in rankings)
    outcome = stv(candidates, rankings, seats, SEED)
    for name, count in firsts.items():
        if count >= droop_quota(len(rankings), seats):
            assert name in outcome.elected


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(NAMES), min_size=1, max_size=30))
def test_stv_for_one_seat_on_single_choices_is_plurality(choices: list[str]) -> None:
    counts = Counter(choices)
    top = max(counts.values())
    outcome = stv(NAMES, [[c] for c in choices], 1, SEED)
    assert counts[outcome.elected[0]] == top


@settings(max_examples=100, deadline=None)
@given(st.lists(st.sets(st.sampled_from(NAMES)), max_size=20))
def test_approval_elects_someone_with_the_most_approvals(ballots: list[set[str]]) -> None:
    outcome = approval(NAMES, ballots, SEED)
    most = max(outcome.counts.values())
    assert outcome.counts[outcome.elected[0]] == most
    assert outcome == approval(NAMES, list(reversed(ballots)), SEED)
    standing = [outcome.counts[name] for name in outcome.elected + outcome.runners_up]
    assert standing == sorted(standing, reverse=True)


# The fast count against the count as it was (tests/democracy/reference_stv.py): every figure,
# every tie and the order of every dict (repr shows it) must be the same.

SCOTTISH = Path(__file__).parent / "data" / "scottish-stv"


def scottish_election(path: Path) -> tuple[list[str], list[list[str]], int, dict[str, str]]:
    """Candidates, rankings, seats and names of a ward (format in data/scottish-stv/README.md)."""
    rows = [[cell for cell in row if cell] for row in csv.reader(path.read_text().splitlines())]
    candidates, seats = int(rows[0][0]), int(rows[0][1])
    names = {row[0].split()[1]: row[1] for row in rows[1:] if row[0].startswith("Candidate ")}
    rankings = [row[1:] for row in rows[1:] if row[0].isdigit() for _ in range(int(row[0]))]
    return [str(k) for k in range(1, candidates + 1)], rankings, seats, names


def assert_same_count(candidates: list[str], rankings: list[list[str]], seats: int) -> Outcome:
    ours = stv(candidates, rankings, seats, SEED)
    assert repr(ours) == repr(reference_stv(candidates, rankings, seats, SEED))
    return ours


@pytest.mark.parametrize(("ward", "ballots", "elected"), [
    ("aberdeen_2012_ward1.csv", 4694,
     ["Barney Crockett", "Neil Macgregor", "Gill Samarai", "Graeme Lawrence"]),
    ("aberdeen_2012_ward2.csv", 5471, ["John Reynolds", "Muriel Jaffrey", "Willie Young", "Sandy Stuart"]),
])
def test_two_real_aberdeen_wards_count_exactly_as_the_reference_count(ward: str, ballots: int,
                                                                      elected: list[str]) -> None:
    candidates, rankings, seats, names = scottish_election(SCOTTISH / ward)
    assert len(rankings) == ballots and seats == 4
    outcome = assert_same_count(candidates, rankings, seats)
    assert [names[k] for k in outcome.elected] == elected
    assert len(outcome.rounds) > seats  # surpluses and exclusions were transferred on the way


def test_the_food_election_counts_exactly_as_the_reference_count() -> None:
    assert_same_count(FOOD, FOOD_BALLOTS, 3)


@st.composite
def crowded_elections(draw: st.DrawFn) -> tuple[list[str], list[list[str]], int]:
    """Many ballots drawn from few distinct rankings, some empty: groups, ties and lost ballots."""
    candidates = NAMES[: draw(st.integers(1, 5))]
    ranking = st.permutations(candidates).flatmap(lambda order: st.integers(0, len(order)).map(
        lambda k: list(order[:k])))
    pool = draw(st.lists(ranking, min_size=1, max_size=8))
    rankings = draw(st.lists(st.sampled_from(pool), max_size=60))
    return candidates, rankings, draw(st.integers(1, 4))


@settings(max_examples=300, deadline=None)
@given(st.one_of(elections(), crowded_elections()))
def test_stv_gives_the_same_outcome_as_the_reference_count_on_random_elections(election) -> None:
    assert_same_count(*election)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.lists(st.sampled_from(["A", "B", "C", "Z", 1]), max_size=4), max_size=8))
def test_stv_refuses_the_same_first_bad_ballot_as_the_reference_count(rankings: list[list]) -> None:
    def result(count):
        try:
            return count(["A", "B", "C"], rankings, 2, SEED)
        except Refusal as refusal:
            return refusal
    assert repr(result(stv)) == repr(result(reference_stv))


def test_stv_takes_rankings_as_any_iterable_and_refuses_one_that_is_no_ranking_as_before() -> None:
    ballots = (list(r) for r in FOOD_BALLOTS)
    assert stv(FOOD, ballots, 3, SEED) == stv(FOOD, FOOD_BALLOTS, 3, SEED)
    for bad in ([["A"], 5], [["Z"], 5], [["A", ["B"]]]):
        with pytest.raises((TypeError, Refusal)) as ours:
            stv(["A", "B"], bad, 1, SEED)
        with pytest.raises((TypeError, Refusal)) as theirs:
            reference_stv(["A", "B"], bad, 1, SEED)
        assert type(ours.value) is type(theirs.value)
