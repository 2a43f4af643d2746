"""The kinds of office a council creates, defined once: how each is filled, what a recall does
to it, where its holder sits, and its pay rule. The acts, the API's schema and the pages read
:data:`OFFICE_KINDS`; a new kind of office is one entry here (docs/democracy.md describes them).

- ``delegate``: the council's delegate to the council above, elected (democracy.elections); the
  holder is a member of the council above while the mandate lasts; a recall that carries
  vacates the mandate and the seat is filled again as the council decided (its ``recall_fill``:
  the runner-up of the election or a by-election, democracy.recall).
- ``post``: an administrative post, filled by a fair lottery among volunteers with rotation
  (democracy.rotation); a recall leaves it vacant until its next draw.

Every office opens unpaid; its pay is set only by a pay ballot of the council, and capped by
the council's reference rate for skilled work (democracy.pay).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from types import MappingProxyType

from commonplan.democracy import pay
from commonplan.democracy.refusals import Refusal

Rate = Decimal | float
PayRule = Callable[[Rate, Rate, str], None]  # (rate, reference rate, office): refuses a breach
PaymentRule = Callable[[Rate, Rate, Rate, str], None]  # (rate, voted rate, reference rate, office)


class Filling(StrEnum):
    """How an office gets its holder."""

    ELECTION = "election"  # by a ballot of the council (democracy.elections)
    LOTTERY = "lottery"  # by lot among volunteers, with rotation (democracy.rotation)


class AfterRecall(StrEnum):
    """What a recall that carries leaves of the office."""

    REFILLED = "refilled"  # filled again at once, as the council's recall_fill says
    VACANT = "vacant until its next draw"  # empty until the next lottery


@dataclass(frozen=True)
class OfficeKind:
    """A kind of office: its ``name``, a ``label`` for forms, how it is ``filled``, what a
    recall leaves of it (``after_recall``), whether its holder ``sits_above`` (is a member of
    the council above while the mandate lasts: only a council with one above has it), and its
    pay rule: ``check_pay`` for a rate the council votes, ``check_payment`` for a payment."""

    name: str
    label: str
    filled: Filling
    after_recall: AfterRecall
    sits_above: bool = False
    check_pay: PayRule = pay.check_pay
    check_payment: PaymentRule = pay.check_payment


OFFICE_KINDS: Mapping[str, OfficeKind] = MappingProxyType({kind.name: kind for kind in (
    OfficeKind("delegate", "A delegate to the council above (elected)", Filling.ELECTION,
               AfterRecall.REFILLED, sits_above=True),
    OfficeKind("post", "An administrative post (rotated by lot)", Filling.LOTTERY, AfterRecall.VACANT),
)})


def office_kind(name: str) -> OfficeKind:
    """The kind of office ``name``; Refusal("invalid_council") naming the kinds there are."""
    if name not in OFFICE_KINDS:
        raise Refusal("invalid_council", f"an office is a {' or a '.join(OFFICE_KINDS)}, not {name!r}")
    return OFFICE_KINDS[name]


def kinds_sitting_above() -> tuple[str, ...]:
    """The kinds whose holders sit in the council above (delegates)."""
    return tuple(name for name, kind in OFFICE_KINDS.items() if kind.sits_above)


def kinds_filled_by(filling: Filling) -> tuple[str, ...]:
    """The kinds of office filled by ``filling``."""
    return tuple(name for name, kind in OFFICE_KINDS.items() if kind.filled is filling)
