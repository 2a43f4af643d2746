"""Administrative posts filled by lottery among volunteers, with fair stratification.

Two steps, so that anyone can replay the draw:

1. :func:`panel_distribution` asks sortition-algorithms (Flanigan, Gölz, Gupta, Hennig and
   Procaccia, "Fair algorithms for selecting citizens' assemblies", Nature 596, 2021) for a
   distribution over panels that meet the quotas: ``"maximin"`` maximises the least selection
   probability of any volunteer (linear programs by HiGHS), ``"nash"`` maximises the product of
   the selection probabilities (convex programs by cvxpy).  Leximin is refused: it needs the
   commercial Gurobi solver.  The library's own randomness (the column generation starts from a
   random order) may make two computations differ; the distribution is therefore published.
2. :func:`draw_panel` draws one panel of the published distribution with the public lottery:
   ``draw_index(probabilities, seed, "rotation draw")`` (see :mod:`commonplan.democracy.lottery`),
   so the seed and the distribution's JSON decide the panel in any process (:func:`replay`).

With no quotas every volunteer gets the same chance, seats / n, which is the optimum of both
maximin and nash; the library takes 24 s to find such a distribution for 300 volunteers, so it is
written down directly: the n windows of ``seats`` consecutive volunteers (ids sorted, wrapping
round), each of probability 1 / n.
:func:`eligible` keeps who may stand: by default nobody holds the same post twice in a row, and a
term limit caps the terms anyone has held.

A volunteer's features are personal (an age band, a gender): the open books hold only a
commitment to them, :func:`features_commitment`, HMAC-SHA256 under a secret salt of 32 bytes the
server keeps for that volunteering. Nobody can test a guess without the salt (a plain hash of
``{"gender": "female"}`` would be found by hashing the few possible values); the volunteer, given
their salt, can later prove what they stated (:func:`opens_commitment`).
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import os
import sys
from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from commonplan.democracy.lottery import draw_index
from commonplan.democracy.refusals import NO_CANDIDATES, NOT_A_VOLUNTEER, TERM_LIMIT, Refusal
from commonplan.ledger.entries import canonical

METHODS = ("maximin", "nash")
PURPOSE = "rotation draw"
UNSTATED = "(unstated)"  # the value of a quota's feature that a volunteer did not give


@dataclass(frozen=True)
class Volunteer:
    """A member on the roll of a post, with the features the quotas look at."""

    id: str
    features: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Quota:
    """Between ``min`` and ``max`` seats for volunteers whose ``feature`` is ``value``."""

    feature: str
    value: str
    min: int
    max: int


@dataclass(frozen=True)
class PanelDistribution:
    """Panels (sorted volunteer ids, the panels sorted) and the probability of each."""

    method: str
    panels: tuple[tuple[str, ...], ...]
    probabilities: tuple[float, ...]

    def marginals(self) -> dict[str, float]:
        """The probability that each volunteer in some panel is selected."""
        chance: dict[str, float] = {}
        for panel, probability in zip(self.panels, self.probabilities, strict=True):
            for member in panel:
                chance[member] = chance.get(member, 0.0) + probability
        return chance

    def to_json(self) -> str:
        """The distribution as JSON (floats written exactly, so a replay reads the same numbers)."""
        return json.dumps({"method": self.method, "panels": [list(p) for p in self.panels],
                           "probabilities": list(self.probabilities)}, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> PanelDistribution:
        data = json.loads(text)
        return cls(method=data["method"], panels=tuple(tuple(p) for p in data["panels"]),
                   probabilities=tuple(float(x) for x in data["probabilities"]))


def features_commitment(salt: bytes, features: Mapping[str, str]) -> str:
    """HMAC-SHA256(salt, the features as the open books' canonical JSON), in hex: hides the
    features without the salt."""
    if len(salt) < 16:
        raise ValueError(f"salt: {len(salt)} bytes is too short to hide a small value (16 at least)")
    return hmac.new(salt, canonical(dict(features)), hashlib.sha256).hexdigest()


def opens_commitment(commitment: str, salt: bytes, features: Mapping[str, str]) -> bool:
    """Whether ``features`` and ``salt`` open ``commitment`` (a volunteer's proof of what they stated)."""
    return hmac.compare_digest(features_commitment(salt, features), commitment)


def eligible(volunteers: Sequence[Volunteer], previous_holders: Collection[str],
             terms_held: Mapping[str, int], term_limit: int | None,
             allow_consecutive: bool = False) -> list[Volunteer]:
    """The volunteers who may be drawn, in their order: not a holder of the last term (unless
    ``allow_consecutive``) and, with a ``term_limit``, fewer terms held than the limit."""
    return [v for v in volunteers
            if _ineligibility(v.id, previous_holders, terms_held, term_limit, allow_consecutive) is None]


def check_eligible(member: str, volunteers: Sequence[Volunteer], previous_holders: Collection[str],
                   terms_held: Mapping[str, int], term_limit: int | None,
                   allow_consecutive: bool = False) -> None:
    """Refuse a member who is not on the roll (``not_a_volunteer``) or may not serve (``term_limit``)."""
    if member not in {v.id for v in volunteers}:
        raise Refusal(NOT_A_VOLUNTEER, f"{member} has not volunteered for this post")
    why = _ineligibility(member, previous_holders, terms_held, term_limit, allow_consecutive)
    if why is not None:
        raise Refusal(TERM_LIMIT, why)


def _ineligibility(member: str, previous_holders: Collection[str], terms_held: Mapping[str, int],
                   term_limit: int | None, allow_consecutive: bool) -> str | None:
    if not allow_consecutive and member in previous_holders:
        return f"{member} held this post in the last term, and nobody holds it twice in a row"
    held = terms_held.get(member, 0)
    if term_limit is not None and held >= term_limit:
        return f"{member} has held this post {held} times, the most allowed ({term_limit})"
    return None


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """Silence what the library and HiGHS print on the standard output (file descriptor 1).

    The descriptor is shared by the whole process: threads printing meanwhile are silenced too.
    """
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 1)
        yield
    finally:
        sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(saved)


def _checked(volunteers: Sequence[Volunteer], quotas: Sequence[Quota], seats: int, method: str) -> None:
    if method == "leximin":
        raise ValueError("method: leximin needs the commercial Gurobi solver; use 'maximin' or 'nash'")
    if method not in METHODS:
        raise ValueError(f"method: {method!r} is not one of {', '.join(METHODS)}")
    if isinstance(seats, bool) or not isinstance(seats, int) or seats < 1:
        raise ValueError(f"seats: {seats!r} is not a positive integer")
    ids = [v.id for v in volunteers]
    if len(set(ids)) != len(ids):
        raise ValueError("volunteers: the same id appears twice")
    seen = set()
    for q in quotas:
        if not (0 <= q.min <= q.max):
            raise ValueError(f"quotas: {q.feature}={q.value} needs 0 <= min <= max, not {q.min}..{q.max}")
        if (q.feature, q.value) in seen:
            raise ValueError(f"quotas: {q.feature}={q.value} is given twice")
        seen.add((q.feature, q.value))


def panel_distribution(volunteers: Sequence[Volunteer], quotas: Sequence[Quota], seats: int,
                       method: Literal["maximin", "nash"] = "maximin") -> PanelDistribution:
    """A fair distribution over panels of ``seats`` volunteers that meet every quota (module doc).

    Refused (``no_candidates``) when there are fewer volunteers than seats or no panel meets the
    quotas; the reason names the quotas the library would relax.
    """
    # Imported here: the library brings cvxpy and more, which a replay (draw_panel) does not need.
    from sortition_algorithms.committee_generation import (
        find_distribution_maximin,
        find_distribution_nash,
        standardize_distribution,
    )
    from sortition_algorithms.errors import InfeasibleQuotasError, SortitionBaseError
    from sortition_algorithms.features import FeatureCollection, FeatureValueMinMax
    from sortition_algorithms.people import People

    _checked(volunteers, quotas, seats, method)
    if len(volunteers) < seats:
        raise Refusal(NO_CANDIDATES, f"{len(volunteers)} eligible volunteers for {seats} seats")

    if not quotas:
        ids = sorted(v.id for v in volunteers)
        n = len(ids)
        windows = {tuple(sorted(ids[(start + k) % n] for k in range(seats))) for start in range(n)}
        return PanelDistribution(method=method, panels=tuple(sorted(windows)),
                                 probabilities=(1 / len(windows),) * len(windows))

    # The library compares values without case and wants every value listed: give it tokens.
    feature_names = sorted({q.feature for q in quotas})
    ftoken = {name: f"f{k}" for k, name in enumerate(feature_names)}
    vtoken: dict[tuple[str, str], str] = {}
    for q in quotas:
        vtoken.setdefault((q.feature, q.value), f"v{len(vtoken)}")
    for v in volunteers:
        for name in feature_names:
            vtoken.setdefault((name, v.features.get(name, UNSTATED)), f"v{len(vtoken)}")
    flex = max(seats, len(volunteers))
    bounds = {(q.feature, q.value): (q.min, q.max) for q in quotas}
    features: FeatureCollection = {ftoken[name]: {} for name in feature_names}
    for (name, value), token in vtoken.items():
        low, high = bounds.get((name, value), (0, seats))
        features[ftoken[name]][token] = FeatureValueMinMax(min=low, max=high, min_flex=0, max_flex=flex)
    people = People([])
    for row, v in enumerate(volunteers):
        data = {ftoken[n]: vtoken[(n, v.features.get(n, UNSTATED))] for n in feature_names}
        people.add(v.id, data, features, row)

    find = find_distribution_maximin if method == "maximin" else find_distribution_nash
    try:
        with _quiet():
            committees, probabilities, _report = find(features, people, seats, [])
    except InfeasibleQuotasError as error:
        named = {(ftoken[n], t): (n, value) for (n, value), t in vtoken.items()}
        changes = []
        for (ft, vt), (name, value) in named.items():
            old, new = features[ft][vt], error.features[ft][vt]
            if new.min < old.min:
                changes.append(f"{name}={value} at least {old.min} (the volunteers allow {new.min})")
            if new.max > old.max:
                changes.append(f"{name}={value} at most {old.max} (the volunteers need {new.max})")
        raise Refusal(NO_CANDIDATES, f"no panel of {seats} among {len(volunteers)} volunteers meets the "
                                     f"quotas: {'; '.join(changes) or 'as given'}") from error
    except SortitionBaseError as error:
        raise Refusal(NO_CANDIDATES, f"no panel of {seats} among {len(volunteers)} volunteers meets the "
                                     f"quotas: {error}") from error
    committees, probabilities = standardize_distribution(committees, probabilities)
    pairs = sorted((tuple(sorted(c)), float(p)) for c, p in zip(committees, probabilities, strict=True))
    return PanelDistribution(method=method, panels=tuple(c for c, _ in pairs),
                             probabilities=tuple(p for _, p in pairs))


def draw_panel(distribution: PanelDistribution, seed: str) -> tuple[str, ...]:
    """The panel drawn: ``panels[draw_index(probabilities, seed, "rotation draw")]``."""
    return distribution.panels[draw_index(distribution.probabilities, seed, PURPOSE)]


def replay(distribution: PanelDistribution, seed: str, panel: Collection[str]) -> bool:
    """Whether ``panel`` is the one the published distribution and seed draw."""
    return sorted(draw_panel(distribution, seed)) == sorted(panel)
