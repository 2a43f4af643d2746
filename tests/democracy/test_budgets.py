"""Participatory budgets by equal shares: worked examples, properties, and pabutools as an oracle."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from commonplan.democracy.budgets import (
    COMPLETIONS,
    DEFAULT_COMPLETION,
    BudgetOutcome,
    Completion,
    budget_ballot_checked,
    completion_named,
    equal_shares,
)
from commonplan.democracy.pabulib import parse_pabulib
from commonplan.democracy.refusals import Refusal
from tests.democracy.reference_budgets import reference_equal_shares

# Three projects, four voters, budget 20 (worked by hand below).
SMALL = {"A": 4, "B": 10, "C": 6}
SMALL_BALLOTS = [{"A", "B", "C"}, {"B"}, {"B"}, {"C"}]


def test_plain_equal_shares_buys_the_cheapest_per_satisfaction_first_and_the_poor_pay_what_they_hold():
    # Endowment 5 each.  B: 10/3 each, rho 1/3; C: 3 each, rho 1/2; A: voter 0 alone, rho 1.
    # After B, voter 0 holds 5/3 < 3, pays it all for C and voter 3 pays 13/3 (rho 13/18);
    # A (4) is then out of voter 0's reach.
    outcome = equal_shares(SMALL, SMALL_BALLOTS, 20, seed="s", completion="none")
    assert outcome.funded == ("B", "C")
    assert outcome.spent == 16
    assert outcome.method == "equal shares"
    b, c = outcome.rounds
    assert b["rho"] == Fraction(1, 3) and b["payments"] == {0: Fraction(10, 3), 1: Fraction(10, 3),
                                                             2: Fraction(10, 3)}
    assert c["rho"] == Fraction(13, 18) and c["payments"] == {0: Fraction(5, 3), 3: Fraction(13, 3)}


def test_add_one_raises_the_endowment_until_the_outcome_is_exhaustive():
    # Endowments 6..10 still give B, C: voter 0 pays 10/3 for B and then at most 3 for C, and
    # keeps less than A's 4.  At 11 she keeps 11 - 10/3 - 3 = 14/3 >= 4 and A is bought too:
    # 20 of 20 spent, exhaustive, so the raising stops there.
    outcome = equal_shares(SMALL, SMALL_BALLOTS, 20, seed="s")
    assert outcome.funded == ("B", "C", "A")
    assert outcome.spent == 20
    assert all(r["endowment"] == 11 for r in outcome.rounds)
    assert outcome.method == "equal shares, completed by add-one and greedy"


def test_fifty_one_percent_do_not_take_everything():
    # equalshares.net and Peters & Skowron's motivating example: 51 voters approve 10 red projects,
    # 49 approve 10 blue ones, each costs 100, the budget buys 10.  Equal shares alone buys 5 red
    # (the red voters hold 510) and 4 blue (490); add-one at endowment 11 buys 5 and 5.
    projects = {f"{colour}{k}": 100 for colour in ("red", "blue") for k in range(10)}
    ballots = [{f"red{k}" for k in range(10)}] * 51 + [{f"blue{k}" for k in range(10)}] * 49
    plain = equal_shares(projects, ballots, 1000, seed="s", completion="none")
    assert sorted(p[:3] for p in plain.funded) == ["blu"] * 4 + ["red"] * 5
    completed = equal_shares(projects, ballots, 1000, seed="s")
    assert sorted(p[:3] for p in completed.funded) == ["blu"] * 5 + ["red"] * 5
    assert completed.spent == 1000
    red_round = completed.rounds[0]
    assert red_round["payments"][0] == Fraction(100, 51)


def test_the_greedy_fill_spends_what_equal_shares_cannot():
    # Nobody can afford X alone (cost 9 > each endowment even raised): the greedy fill funds it.
    outcome = equal_shares({"X": 9, "Y": 2}, [{"X"}, {"Y"}, {"X"}], 12, seed="s")
    assert outcome.funded == ("Y", "X") or outcome.funded == ("X", "Y")
    assert outcome.spent == 11


def test_ties_follow_the_published_lottery_order_and_are_replayable():
    projects = {"P": 10, "Q": 10}
    first = equal_shares(projects, [{"P", "Q"}], 10, seed="seed-1")
    assert first == equal_shares(projects, [{"P", "Q"}], 10, seed="seed-1")
    funded = {equal_shares(projects, [{"P", "Q"}], 10, seed=f"seed-{k}").funded for k in range(20)}
    assert funded == {("P",), ("Q",)}
    assert equal_shares(projects, [{"P", "Q"}], 10, seed="x", tie_break="lexicographic").funded == ("P",)


def test_a_ballot_naming_an_unknown_project_is_refused():
    with pytest.raises(Refusal) as refused:
        equal_shares({"A": 1}, [{"A"}, {"Z"}], 1, seed="s")
    assert refused.value.code == "invalid_ballot"
    assert "'Z'" in refused.value.reason


def test_a_budget_ballot_is_a_list_of_distinct_known_projects():
    assert budget_ballot_checked(["B", "A"], {"A": 1, "B": 2}) == ["B", "A"]
    assert budget_ballot_checked([], {"A": 1}) == []
    for bad in ("A", ["A", "A"], ["Z"], [1], {"A": 1}.values(), 5):
        with pytest.raises(Refusal) as refused:
            budget_ballot_checked(bad, {"A": 1})
        assert refused.value.code == "invalid_ballot"


def test_bad_costs_and_budgets_are_errors_naming_the_argument():
    with pytest.raises(ValueError, match="projects"):
        equal_shares({"A": 0}, [], 1, seed="s")
    with pytest.raises(ValueError, match="budget"):
        equal_shares({"A": 1}, [], -1, seed="s")


def test_no_voters_leaves_only_the_greedy_fill():
    assert equal_shares({"A": 3, "B": 5}, [], 6, seed="s", tie_break="lexicographic").funded == ("A",)
    assert equal_shares({"A": 3}, [], 6, seed="s", completion="none").funded == ()


@st.composite
def instances(draw, max_projects=8, max_voters=30):
    n_projects = draw(st.integers(1, max_projects))
    names = [f"p{k}" for k in range(n_projects)]
    costs = {name: draw(st.integers(1, 60)) for name in names}
    voters = draw(st.integers(0, max_voters))
    ballots = [draw(st.sets(st.sampled_from(names))) for _ in range(voters)]
    budget = draw(st.integers(0, 150) | st.integers(0, 15_000).map(lambda cents: Fraction(cents, 100)))
    return costs, ballots, budget


FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(instances())
def test_the_completed_outcome_fits_and_is_exhaustive(instance):
    costs, ballots, budget = instance
    outcome = equal_shares(costs, ballots, budget, seed="prop")
    assert isinstance(outcome, BudgetOutcome)
    assert outcome.spent == sum(costs[p] for p in outcome.funded) <= budget
    assert len(set(outcome.funded)) == len(outcome.funded)
    left = budget - outcome.spent
    assert all(costs[p] > left for p in costs if p not in outcome.funded)


@FAST
@given(instances())
def test_no_voter_pays_more_than_their_share_and_payments_cover_each_cost(instance):
    costs, ballots, budget = instance
    for completion in COMPLETIONS:
        outcome = equal_shares(costs, ballots, budget, seed="prop", completion=completion)
        paid = [Fraction(0)] * len(ballots)
        for r in outcome.rounds:
            if r["rule"] != "equal shares":
                continue
            assert sum(r["payments"].values()) == costs[r["project"]]
            for voter, amount in r["payments"].items():
                assert r["project"] in ballots[voter] and amount >= 0
                paid[voter] += amount
            # Every supporter with money left paid the same (rho * cost); poorer ones paid all.
            assert max(r["payments"].values()) == r["rho"] * costs[r["project"]]
            assert all(paid[v] <= r["endowment"] for v in range(len(ballots)))
        if completion == "none":
            assert all(p <= Fraction(budget, len(ballots)) for p in paid)


# pabutools 1.2.3 as an oracle (installed without gurobipy by `make install`).

def _pabutools_instance(costs, ballots, budget):
    election = pytest.importorskip("pabutools.election")
    projects = {name: election.Project(name, cost) for name, cost in costs.items()}
    instance = election.Instance(projects.values(), budget_limit=budget)
    profile = election.ApprovalProfile([election.ApprovalBallot([projects[n] for n in sorted(b)])
                                        for b in ballots])
    return instance, profile


def _names(allocation):
    return tuple(p.name for p in allocation)


@FAST
@given(instances())
def test_plain_equal_shares_agrees_with_pabutools(instance):
    rules = pytest.importorskip("pabutools.rules")
    from pabutools.election import Cost_Sat

    costs, ballots, budget = instance
    inst, profile = _pabutools_instance(costs, ballots, budget)
    theirs = rules.method_of_equal_shares(inst, profile, sat_class=Cost_Sat)
    ours = equal_shares(costs, ballots, budget, seed="x", completion="none", tie_break="lexicographic")
    assert ours.funded == _names(theirs)


@FAST
@given(instances())
def test_completed_equal_shares_agrees_with_pabutools_add_one_then_greedy(instance):
    rules = pytest.importorskip("pabutools.rules")
    from pabutools.election import Cost_Sat

    costs, ballots, budget = instance
    inst, profile = _pabutools_instance(costs, ballots, budget)
    theirs = rules.completion_by_rule_combination(
        inst, profile, [rules.method_of_equal_shares, rules.greedy_utilitarian_welfare],
        [{"sat_class": Cost_Sat, "voter_budget_increment": 1}, {"sat_class": Cost_Sat}])
    ours = equal_shares(costs, ballots, budget, seed="x", tie_break="lexicographic")
    assert ours.funded == _names(theirs)


@FAST
@given(instances(max_voters=12))
def test_completed_equal_shares_agrees_with_pabutools_exhaustion_by_budget_increase(instance):
    # exhaustion_by_budget_increase raises the total budget by budget_step (default 1% of it): a
    # step of n is one unit per voter.  It checks exhaustiveness against every project, approved or
    # not, so it agrees with the add-one above when every project has a supporter.
    rules = pytest.importorskip("pabutools.rules")
    from pabutools.election import Cost_Sat

    costs, ballots, budget = instance
    if not ballots or any(not any(p in b for b in ballots) for p in costs):
        return
    inst, profile = _pabutools_instance(costs, ballots, budget)
    theirs = rules.completion_by_rule_combination(
        inst, profile, [rules.exhaustion_by_budget_increase, rules.greedy_utilitarian_welfare],
        [{"rule": rules.method_of_equal_shares, "rule_params": {"sat_class": Cost_Sat},
          "budget_step": len(ballots)}, {"sat_class": Cost_Sat}])
    ours = equal_shares(costs, ballots, budget, seed="x", tie_break="lexicographic")
    assert ours.funded == _names(theirs)


# The fast count against the count as it was (tests/democracy/reference_budgets.py): the same
# projects in the same order, and every endowment, rho and payment (repr shows dict order too).

@st.composite
def crowded_instances(draw):
    """Many voters casting few distinct ballots, costs large beside the budget: add-one runs long."""
    n_projects = draw(st.integers(1, 6))
    names = [f"p{k}" for k in range(n_projects)]
    costs = {name: draw(st.integers(1, 400)) for name in names}
    pool = draw(st.lists(st.sets(st.sampled_from(names)), min_size=1, max_size=5))
    ballots = draw(st.lists(st.sampled_from(pool), max_size=40))
    return costs, ballots, draw(st.integers(0, 800))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(instances(), crowded_instances()), st.sampled_from(list(COMPLETIONS)),
       st.sampled_from(["lottery", "lexicographic"]))
def test_equal_shares_gives_the_same_outcome_as_the_reference_count(instance, completion, tie_break):
    costs, ballots, budget = instance
    ours = equal_shares(costs, ballots, budget, seed="same", completion=completion, tie_break=tie_break)
    theirs = reference_equal_shares(costs, ballots, budget, seed="same", completion=completion,
                                    tie_break=tie_break)
    assert repr(ours) == repr(theirs)


PABULIB = Path(__file__).parent / "data" / "pabulib"


def pabulib_budget(path: Path) -> tuple[dict[str, int | Fraction], list[list[str]], int | Fraction]:
    """Project costs, approval ballots and budget of a Pabulib .pb file (see data/pabulib/README.md)."""
    budget = parse_pabulib(path.read_text(encoding="utf-8"), path.name)
    return budget.costs, budget.ballots, budget.budget


@pytest.mark.parametrize(("name", "voters", "funded"), [
    ("France_Toulouse_2022_17_-_Mirail-Universite_Reynerie_Bellefontaine.pb", 93,
     ("182", "180", "184", "178", "186")),
    ("US_Stanford_Dataset_PB_Chicago_35th_Ward_2019_vote_approvals.pb", 115, ("965",)),
])
def test_real_pabulib_budgets_count_exactly_as_the_reference_count(name, voters, funded):
    costs, ballots, budget = pabulib_budget(PABULIB / name)
    assert len(ballots) == voters
    ours = equal_shares(costs, ballots, budget, seed="pabulib")
    assert repr(ours) == repr(reference_equal_shares(costs, ballots, budget, seed="pabulib"))
    assert ours.funded[: len(funded)] == funded


# The completions: one vocabulary, and each one as pabutools runs it.

def test_the_completions_are_one_vocabulary_whose_default_is_the_count_of_every_earlier_ballot():
    assert list(COMPLETIONS) == [c.value for c in Completion] == ["none", "add-one", "add-one then greedy"]
    assert DEFAULT_COMPLETION == "add-one then greedy"
    steps = [(rule.add_one, rule.greedy) for rule in COMPLETIONS.values()]
    assert steps == [(False, False), (True, False), (True, True)]
    assert all(rule.label and rule.description for rule in COMPLETIONS.values())
    with pytest.raises(ValueError, match="'none', 'add-one', 'add-one then greedy', not 'greedy'"):
        completion_named("greedy")


def test_each_completion_spends_more_of_the_budget_than_the_one_before():
    # Budget 5, three voters: A (4) approved by voters 0 and 2, B (3) by voter 1, C (1) by voter 0.
    # Parts of 5/3: only C is within reach (voter 0 pays 1).  Add-one: at 8/3 A's supporters pay
    # 2 each (rho 1/2, before C's 1) and voter 0 keeps 2/3 < 1, so A alone; at 11/3 A, B and C
    # are all bought, 8 > 5, so A is kept.  The greedy fill then adds C, which fits in the 1 left.
    projects, ballots = {"A": 4, "B": 3, "C": 1}, [{"A", "C"}, {"B"}, {"A"}]
    outcomes = {c: equal_shares(projects, ballots, 5, seed="s", completion=c) for c in COMPLETIONS}
    assert [(o.funded, o.spent) for o in outcomes.values()] == [(("C",), 1), (("A",), 4), (("A", "C"), 5)]
    assert outcomes["add-one"].rounds[0]["endowment"] == Fraction(8, 3)
    assert outcomes["add-one"].method == "equal shares, completed by add-one"


def test_a_budget_in_cents_is_counted_exactly():
    # 10.01 between two voters: 5.005 each, a cent short of A (5.01); one more unit each buys both.
    projects, ballots, budget = {"A": Fraction(501, 100), "B": 5}, [{"A"}, {"B"}], Fraction(1001, 100)
    assert equal_shares(projects, ballots, budget, seed="s", completion="none").funded == ("B",)
    outcome = equal_shares(projects, ballots, budget, seed="s", completion="add-one")
    assert sorted(outcome.funded) == ["A", "B"] and outcome.spent == budget == outcome.budget


@FAST
@given(instances())
def test_add_one_alone_agrees_with_pabutools(instance):
    rules = pytest.importorskip("pabutools.rules")
    from pabutools.election import Cost_Sat

    costs, ballots, budget = instance
    inst, profile = _pabutools_instance(costs, ballots, budget)
    theirs = rules.method_of_equal_shares(inst, profile, sat_class=Cost_Sat, voter_budget_increment=1)
    ours = equal_shares(costs, ballots, budget, seed="x", completion="add-one", tie_break="lexicographic")
    assert ours.funded == _names(theirs)


def _pabutools_count(path: Path, completion: str, start: Fraction | None = None) -> tuple[str, ...]:
    """The projects pabutools funds on a .pb file: its method_of_equal_shares (cost
    satisfaction; voter_budget_increment=1 for add-one), then its greedy_utilitarian_welfare for
    the greedy fill. ``start``: add-one from this voter's share (to check the last steps of a
    count whose first tens of thousands pabutools would take hours over)."""
    election = pytest.importorskip("pabutools.election")
    rules = pytest.importorskip("pabutools.rules")
    from pabutools.rules.mes.mes_rule import method_of_equal_shares_scheme
    from pabutools.tiebreaking import lexico_tie_breaking

    rule = completion_named(completion)
    instance, profile = election.parse_pabulib(str(path))
    increment = 1 if rule.add_one else None
    if start is None:
        funded = rules.method_of_equal_shares(instance, profile, sat_class=election.Cost_Sat,
                                              voter_budget_increment=increment)
    else:
        funded = method_of_equal_shares_scheme(
            instance, profile, profile.as_sat_profile(sat_class=election.Cost_Sat), start,
            rules.BudgetAllocation(), lexico_tie_breaking, voter_budget_increment=increment, binary_sat=True)
    if rule.greedy:
        funded = rules.greedy_utilitarian_welfare(instance, profile, sat_class=election.Cost_Sat,
                                                  initial_budget_allocation=funded)
    return _names(funded)


REAL = ["France_Toulouse_2022_17_-_Mirail-Universite_Reynerie_Bellefontaine.pb",
        "Poland_Warszawa_2017_Grochow_Centrum.pb",
        "US_Stanford_Dataset_PB_Chicago_35th_Ward_2019_vote_approvals.pb"]


@pytest.mark.parametrize("completion", list(COMPLETIONS))
@pytest.mark.parametrize("name", REAL)
def test_real_pabulib_budgets_fund_what_pabutools_funds_by_each_completion(name, completion):
    costs, ballots, budget = pabulib_budget(PABULIB / name)
    ours = equal_shares(costs, ballots, budget, seed="x", completion=completion, tie_break="lexicographic")
    assert ours.funded == _pabutools_count(PABULIB / name, completion)


@pytest.mark.parametrize("completion", list(COMPLETIONS))
def test_veszprem_funds_what_pabutools_funds_from_just_below_the_share_kept(completion):
    # pabutools' add-one raises each part 1 HUF at a time from 74,673 HUF to some 102,000: about
    # 27,000 counts, hours.  It starts here 8 HUF below the part this count kept (plain equal
    # shares from the first part, which funds nothing, is compared whole).
    path = PABULIB / "Hungary_Veszprem_2025.pb"
    costs, ballots, budget = pabulib_budget(path)
    ours = equal_shares(costs, ballots, budget, seed="x", completion=completion, tie_break="lexicographic")
    kept = next((r["endowment"] for r in ours.rounds if r["rule"] == "equal shares"), None)
    first = Fraction(budget, len(ballots))
    start = None if completion == "none" else kept - 8
    assert start is None or start > first + 20_000
    assert ours.funded == _pabutools_count(path, completion, start)
