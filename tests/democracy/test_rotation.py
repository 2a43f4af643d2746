"""Rotation of posts: fair lotteries among volunteers, drawn so that anyone can replay them."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys

import pytest

from commonplan.democracy.lottery import draw_index
from commonplan.democracy.refusals import Refusal
from commonplan.democracy.rotation import (
    PanelDistribution,
    Quota,
    Volunteer,
    check_eligible,
    draw_panel,
    eligible,
    features_commitment,
    opens_commitment,
    panel_distribution,
    replay,
)

pytest.importorskip("sortition_algorithms")

WORKPLACES = ("bakery", "clinic", "depot")
ROLL = [Volunteer(f"m{k:02d}", {"gender": "fm"[k % 2], "workplace": WORKPLACES[k % 3]}) for k in range(30)]
QUOTAS = [Quota("gender", "f", 2, 3), Quota("gender", "m", 2, 3),
          Quota("workplace", "bakery", 1, 2), Quota("workplace", "clinic", 1, 2)]


@pytest.fixture(scope="module")
def council() -> PanelDistribution:
    return panel_distribution(ROLL, QUOTAS, 5)


def meets(panel, volunteers, quotas) -> bool:
    features = {v.id: v.features for v in volunteers}
    return all(q.min <= sum(features[m].get(q.feature) == q.value for m in panel) <= q.max for q in quotas)


def test_every_panel_has_the_seats_filled_by_distinct_volunteers_and_meets_the_quotas(council):
    ids = {v.id for v in ROLL}
    assert council.method == "maximin"
    for panel in council.panels:
        assert len(panel) == len(set(panel)) == 5 and set(panel) <= ids
        assert meets(panel, ROLL, QUOTAS)
    assert math.isclose(math.fsum(council.probabilities), 1.0, abs_tol=1e-9)
    assert all(p > 0 for p in council.probabilities)


def test_symmetric_volunteers_are_equally_likely_under_maximin(council):
    chance = council.marginals()
    assert set(chance) == {v.id for v in ROLL}
    assert all(math.isclose(p, 5 / 30, abs_tol=1e-6) for p in chance.values())


def test_maximin_gives_the_least_likely_volunteer_the_best_chance_the_quotas_allow():
    # Two women, eight men, three seats, at least one woman: the women share one seat (1/2 each)
    # and the men two seats, 1/4 each, which is the best minimum any panel lottery can give.
    roll = [Volunteer(f"w{k}", {"gender": "f"}) for k in range(2)] + \
           [Volunteer(f"m{k}", {"gender": "m"}) for k in range(8)]
    chance = panel_distribution(roll, [Quota("gender", "f", 1, 3)], 3).marginals()
    assert min(chance.values()) == pytest.approx(0.25, abs=1e-6)
    assert chance["w0"] == pytest.approx(0.5, abs=1e-6) and chance["w1"] == pytest.approx(0.5, abs=1e-6)


def test_without_quotas_every_volunteer_is_equally_likely():
    roll = [Volunteer(f"v{k}") for k in range(7)]
    for method in ("maximin", "nash"):
        distribution = panel_distribution(roll, [], 2, method=method)
        assert distribution.method == method
        assert all(len(panel) == 2 for panel in distribution.panels)
        assert all(math.isclose(p, 2 / 7, abs_tol=1e-12) for p in distribution.marginals().values())
        assert len(distribution.marginals()) == 7
    assert panel_distribution(roll, [], 7).panels == (tuple(sorted(v.id for v in roll)),)


def test_nash_also_meets_the_quotas_on_a_small_roll():
    roll = ROLL[:8]
    quotas = [Quota("gender", "f", 1, 2)]
    distribution = panel_distribution(roll, quotas, 3, method="nash")
    assert distribution.method == "nash"
    assert all(meets(panel, roll, quotas) for panel in distribution.panels)
    assert math.fsum(distribution.marginals().values()) == pytest.approx(3, abs=1e-6)


def test_the_draw_is_the_public_lottery_over_the_published_panels(council):
    index = draw_index(council.probabilities, "abc", "rotation draw")
    assert draw_panel(council, "abc") == council.panels[index]
    assert replay(council, "abc", reversed(council.panels[index]))
    others = [p for p in council.panels if p != council.panels[index]]
    assert not replay(council, "abc", others[0])


def test_the_distribution_survives_its_json(council):
    assert PanelDistribution.from_json(council.to_json()) == council


def test_the_draw_replays_from_the_json_in_a_new_process_with_another_hash_seed(council):
    script = ("import sys\n"
              "from commonplan.democracy.rotation import PanelDistribution, draw_panel\n"
              "d = PanelDistribution.from_json(sys.stdin.read())\n"
              "print(' '.join(draw_panel(d, 'published seed 2024')))\n")
    drawn = set()
    for hash_seed in ("1", "12345"):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        result = subprocess.run([sys.executable, "-c", script], input=council.to_json(), env=env,
                                capture_output=True, text=True, check=True, timeout=60)
        drawn.add(tuple(result.stdout.split()))
    assert drawn == {draw_panel(council, "published seed 2024")}


def test_the_library_prints_nothing(capfd):
    panel_distribution(ROLL[:6], [Quota("gender", "f", 1, 1)], 2)
    assert capfd.readouterr().out == ""


def test_too_few_volunteers_is_refused():
    with pytest.raises(Refusal) as refused:
        panel_distribution(ROLL[:3], [], 4)
    assert refused.value.code == "no_candidates"
    assert "3 eligible volunteers for 4 seats" in refused.value.reason


def test_quotas_no_panel_can_meet_are_refused_naming_the_quota():
    with pytest.raises(Refusal) as refused:
        panel_distribution(ROLL[:6], [Quota("gender", "f", 4, 5)], 5)
    assert refused.value.code == "no_candidates"
    assert "gender=f at least 4" in refused.value.reason


def test_a_volunteer_without_the_feature_does_not_count_towards_its_quota():
    roll = [Volunteer("a", {"shift": "night"}), Volunteer("b"), Volunteer("c")]
    distribution = panel_distribution(roll, [Quota("shift", "night", 1, 1)], 2)
    assert all("a" in panel for panel in distribution.panels)
    with pytest.raises(Refusal):
        panel_distribution(roll, [Quota("shift", "night", 2, 2)], 2)


def test_leximin_and_bad_arguments_are_errors_naming_the_argument():
    with pytest.raises(ValueError, match="Gurobi"):
        panel_distribution(ROLL, [], 2, method="leximin")
    with pytest.raises(ValueError, match="seats"):
        panel_distribution(ROLL, [], 0)
    with pytest.raises(ValueError, match="quotas"):
        panel_distribution(ROLL, [Quota("gender", "f", 3, 2)], 2)
    with pytest.raises(ValueError, match="volunteers"):
        panel_distribution([Volunteer("x"), Volunteer("x")], [], 1)


def test_the_previous_holder_is_not_eligible_by_default():
    roll = [Volunteer("a"), Volunteer("b"), Volunteer("c")]
    assert [v.id for v in eligible(roll, {"b"}, {}, None)] == ["a", "c"]
    assert [v.id for v in eligible(roll, {"b"}, {}, None, allow_consecutive=True)] == ["a", "b", "c"]


def test_a_term_limit_caps_the_terms_held():
    roll = [Volunteer("a"), Volunteer("b"), Volunteer("c")]
    terms = {"a": 2, "b": 1}
    assert [v.id for v in eligible(roll, set(), terms, term_limit=2)] == ["b", "c"]
    assert [v.id for v in eligible(roll, set(), terms, term_limit=None)] == ["a", "b", "c"]


def test_check_eligible_refuses_with_a_reason():
    roll = [Volunteer("a"), Volunteer("b")]
    check_eligible("b", roll, {"a"}, {}, None)
    for member, code in (("z", "not_a_volunteer"), ("a", "term_limit")):
        with pytest.raises(Refusal) as refused:
            check_eligible(member, roll, {"a"}, {}, None)
        assert refused.value.code == code
    with pytest.raises(Refusal, match="the most allowed"):
        check_eligible("b", roll, set(), {"b": 3}, 3)


def test_the_json_is_plain(council):
    data = json.loads(council.to_json())
    assert set(data) == {"method", "panels", "probabilities"}


def test_a_commitment_to_features_opens_only_with_its_salt_and_the_same_features():
    salt = bytes(range(32))
    commitment = features_commitment(salt, {"gender": "female", "age": "30-39"})
    assert opens_commitment(commitment, salt, {"age": "30-39", "gender": "female"})  # any key order
    assert not opens_commitment(commitment, salt, {"age": "30-39", "gender": "male"})
    assert not opens_commitment(commitment, bytes(32), {"age": "30-39", "gender": "female"})
    with pytest.raises(ValueError, match="salt: 8 bytes"):
        features_commitment(bytes(8), {})
