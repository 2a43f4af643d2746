import pytest
from hypothesis import given
from hypothesis import strategies as st

from commonplan.democracy import ballot_kinds
from commonplan.democracy.priorities import (
    aggregate_tiers,
    expanded_tiers,
    groups_checked,
    lower_median,
    tier_ballot_checked,
)
from commonplan.democracy.refusals import Refusal

PRODUCTS = ["bread", "housing", "bicycles", "cinema"]


def test_each_product_gets_the_lower_median_of_its_tiers() -> None:
    ballots = [{"bread": 1, "housing": 1, "bicycles": 3},
               {"bread": 2, "housing": 1, "bicycles": 2},
               {"bread": 1, "bicycles": 4},
               {"bread": 3, "bicycles": 5}]
    # bread 1,1,2,3 -> 1; housing 1,1 -> 1; bicycles 2,3,4,5 -> 3; cinema unrated: no entry
    assert aggregate_tiers(ballots, PRODUCTS) == {"bread": 1, "housing": 1, "bicycles": 3}


def test_a_tier_ballot_is_checked() -> None:
    assert tier_ballot_checked({"bread": 1, "cinema": 9}, PRODUCTS) == {"bread": 1, "cinema": 9}
    with pytest.raises(Refusal, match="'caviar' is not a product"):
        tier_ballot_checked({"caviar": 1}, PRODUCTS)
    for tier in (0, 10, 1.5, True, "1"):
        with pytest.raises(Refusal) as caught:
            tier_ballot_checked({"bread": tier}, PRODUCTS)
        assert caught.value.code == "invalid_ballot" and "the tier of bread" in caught.value.reason
    assert tier_ballot_checked({"bread": 3}, PRODUCTS, max_tier=3) == {"bread": 3}
    with pytest.raises(Refusal, match="from 1 to 2"):
        tier_ballot_checked({"bread": 3}, PRODUCTS, max_tier=2)


@given(st.lists(st.integers(1, 9), min_size=1, max_size=30), st.randoms(use_true_random=False))
def test_the_lower_median_is_a_tier_someone_gave_and_ignores_the_order(tiers: list[int], rng) -> None:
    result = lower_median(tiers)
    assert result in tiers
    assert sum(t <= result for t in tiers) >= len(tiers) / 2
    assert sum(t >= result for t in tiers) > len(tiers) / 2
    rng.shuffle(tiers)
    assert lower_median(tiers) == result


# Ballots by group: a member rates groups, and every product of a group takes its group's tier

GROUPS = [{"name": "Food", "products": ["bread", "rice"], "quantity": 30.0, "unit": "t"},
          {"name": "Transport", "products": ["bicycles", "buses"]}]


def test_a_ballot_s_groups_are_checked_into_their_normal_form() -> None:
    assert groups_checked(GROUPS, ["cinema"])[1] == {"name": "Transport", "products": ["bicycles", "buses"],
                                                     "quantity": None, "unit": None}
    faults = {"'Food' is on the ballot twice": ([*GROUPS, GROUPS[0]], []),
              "'cinema' is on the ballot twice": ([{"name": "cinema", "products": ["film"]}], ["cinema"]),
              "product 'bread' of group 'Food' is also by itself": (GROUPS, ["bread"]),
              "product 'bread' of group 'Bakery' is also in group 'Food'": (
                  [*GROUPS, {"name": "Bakery", "products": ["bread"]}], []),
              "group 'Empty' must list its products": ([{"name": "Empty", "products": []}], []),
              "the quantity of group 'Food' must be a number": ([GROUPS[0] | {"quantity": -1}], []),
              "name it": (["Food"], []),
              "a group is {name, products}": ([{"name": "Food", "products": ["bread"], "colour": 1}], [])}
    for reason, (groups, alone) in faults.items():
        with pytest.raises(Refusal, match=reason.replace("{", r"\{").replace("(", r"\(")) as caught:
            groups_checked(groups, alone)
        assert caught.value.code == "invalid_ballot"


def test_tiers_of_groups_expand_to_their_products_and_a_product_rated_alone_keeps_its_own() -> None:
    groups = {group["name"]: group["products"] for group in GROUPS}
    assert expanded_tiers({"Food": 1, "cinema": 3}, groups) == {"cinema": 3, "bread": 1, "rice": 1}


@given(st.lists(st.fixed_dictionaries({}, optional={name: st.integers(1, 9) for name in ("Food", "Transport",
                                                                                         "cinema")}),
                max_size=12))
def test_every_product_of_a_group_gets_its_group_s_tier_the_lower_median(ballots) -> None:
    options = ballot_kinds.options_checked("priorities", {"products": ["cinema"], "groups": GROUPS})
    contents = [ballot_kinds.content_checked("priorities", options, ballot) for ballot in ballots]
    result = ballot_kinds.tally("priorities", options, contents, 1, "seed", len(ballots))
    for group in GROUPS:
        given_tiers = [ballot[group["name"]] for ballot in ballots if group["name"] in ballot]
        if given_tiers:
            assert result["group_tiers"][group["name"]] == lower_median(given_tiers)
            assert all(result["tiers"][product] == result["group_tiers"][group["name"]]
                       for product in group["products"])
        else:
            assert group["name"] not in result["group_tiers"]
            assert not set(group["products"]) & set(result["tiers"])
    assert set(result["tiers"]) <= {"cinema", "bread", "rice", "bicycles", "buses"}


def test_a_vote_naming_an_unknown_group_is_refused_naming_it() -> None:
    options = ballot_kinds.options_checked("priorities", {"groups": GROUPS})
    assert options["products"] == []
    with pytest.raises(Refusal, match="'Toys' is not a group or product on this ballot"):
        ballot_kinds.content_checked("priorities", options, {"Food": 1, "Toys": 2})
    with pytest.raises(Refusal, match="'bread' is not a group or product"):  # rated with its group
        ballot_kinds.content_checked("priorities", options, {"bread": 1})
