import hashlib
import math
import subprocess

import pytest
from hypothesis import given
from hypothesis import strategies as st

from commonplan.democracy.lottery import draw_index, lottery_order, new_seed

SEED = "a" * 64


def test_the_order_is_by_the_sha256_of_seed_purpose_and_item() -> None:
    items = ["candidate:1", "candidate:2", "candidate:3", "candidate:4"]
    order = lottery_order(items, SEED, "approval tie")
    digest = {i: hashlib.sha256(f"{SEED}\napproval tie\n{i}".encode()).hexdigest() for i in items}
    assert order == sorted(items, key=digest.__getitem__)


def test_anyone_can_replay_the_order_with_sha256sum() -> None:
    item = "candidate:7"
    command = f"printf '%s\\n%s\\n%s' '{SEED}' 'approval tie' '{item}' | sha256sum"
    replay = subprocess.run(["sh", "-c", command], capture_output=True, text=True, check=True).stdout[:64]
    assert replay == hashlib.sha256(f"{SEED}\napproval tie\n{item}".encode()).hexdigest()


@given(st.lists(st.text(min_size=1, max_size=8), max_size=12), st.text(max_size=8))
def test_the_order_depends_on_the_items_not_on_how_they_were_listed(items: list[str], seed: str) -> None:
    order = lottery_order(items, seed, "p")
    assert sorted(order) == sorted(items)
    assert lottery_order(list(reversed(items)), seed, "p") == order


def test_a_different_purpose_gives_an_independent_order() -> None:
    items = [f"m{k}" for k in range(20)]
    assert lottery_order(items, SEED, "one") != lottery_order(items, SEED, "two")


def test_a_draw_follows_the_documented_formula() -> None:
    weights = [1.0, 2.0, 3.0, 4.0]
    u = int(hashlib.sha256(f"{SEED}\nseat".encode()).hexdigest(), 16) / 2**256
    cumulative = [math.fsum(weights[: i + 1]) for i in range(4)]
    expected = next(i for i, c in enumerate(cumulative) if c > u * cumulative[-1])
    assert draw_index(weights, SEED, "seat") == expected


@given(st.lists(st.floats(0, 1e6), min_size=1, max_size=10).filter(lambda w: sum(w) > 0), st.text(max_size=6))
def test_a_draw_never_picks_a_zero_weight(weights: list[float], seed: str) -> None:
    index = draw_index(weights, seed, "p")
    assert weights[index] > 0


def test_draws_are_roughly_proportional_to_the_weights() -> None:
    picks = [draw_index([1.0, 3.0], f"seed{k}", "p") for k in range(4000)]
    assert 0.72 < picks.count(1) / len(picks) < 0.78


@pytest.mark.parametrize("weights", [[], [0.0, 0.0], [1.0, -1.0], [1.0, math.inf], [math.nan]])
def test_a_draw_refuses_weights_it_cannot_draw_from(weights: list[float]) -> None:
    with pytest.raises(ValueError, match="weights"):
        draw_index(weights, SEED, "p")


def test_a_new_seed_is_64_hex_characters_from_the_injected_random_source() -> None:
    assert new_seed(lambda n: bytes(range(n))) == bytes(range(32)).hex()
    assert len(new_seed()) == 64 and int(new_seed(), 16) >= 0
    with pytest.raises(ValueError, match="random_bytes"):
        new_seed(lambda n: b"short")
