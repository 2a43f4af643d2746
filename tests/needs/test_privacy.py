"""Pseudonyms are keyed and stable; figures about fewer than k people are withheld."""

from __future__ import annotations

import pytest

from commonplan.needs.privacy import KEY_VARIABLE, Pseudonymiser, suppress_small


def test_the_key_comes_from_settings_and_changes_every_pseudonym() -> None:
    one = Pseudonymiser.from_settings({KEY_VARIABLE: "one"})
    assert not one.ephemeral
    assert one.pseudonym("card-1") == Pseudonymiser("one").pseudonym("card-1")
    assert one.pseudonym("card-1") != Pseudonymiser("two").pseudonym("card-1")
    assert "card-1" not in one.pseudonym("card-1")


def test_without_a_key_one_is_drawn_for_the_run_only() -> None:
    first, second = Pseudonymiser.from_settings({}), Pseudonymiser.from_settings({})
    assert first.ephemeral and first.pseudonym("x") != second.pseudonym("x")


def test_the_key_never_shows_in_its_representation() -> None:
    assert "hidden" not in repr(Pseudonymiser("hidden"))


def test_figures_about_fewer_than_k_people_are_withheld() -> None:
    assert suppress_small({"a": 9, "b": 10, "c": 30}, 10) == ({"b": 10, "c": 30}, 1)
    with pytest.raises(ValueError):
        suppress_small({}, 0)
