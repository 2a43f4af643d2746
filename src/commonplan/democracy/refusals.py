"""Refusals: why an act is not allowed, as a value with a stable code and a reason in plain words.

A :class:`Refusal` is returned or raised by the democratic rules (a ballot after the close, a
second signature, pay above the rule) and by the application's rules of access, accounts and
jobs (a role that may not, a job not done yet).  It may be raised so that the transaction writing the
act rolls back; the API maps each code to one HTTP status in one table.  The code is stable
snake_case (clients may match on it); the reason names what is wrong, for people:
``Refusal("not_a_member", "member:ab12 is not a member of council 3")``.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from commonplan.errors import CommonplanError


class RefusalCode(StrEnum):
    """Every reason an act may be refused, defined once (the API maps each to a status)."""

    NOT_FOUND = "not_found"                        # nothing of that kind and number
    NOT_A_MEMBER = "not_a_member"                  # the person is not a member of the council (or body)
    NOT_ELIGIBLE = "not_eligible"                  # a member, but not allowed this act (stand, vote here)
    BALLOT_CLOSED = "ballot_closed"                # the ballot (or petition) is closed, or being counted
    BALLOT_OPEN = "ballot_open"                    # the ballot is still open: no result yet
    ALREADY_VOTED = "already_voted"                # one vote per member per ballot
    ALREADY_SIGNED = "already_signed"              # one signature per member per petition
    INVALID_BALLOT = "invalid_ballot"              # the content of a ballot (or proposal) breaks its form
    PAY_ABOVE_RULE = "pay_above_rule"              # pay above the reference rate, or above the voted rate
    INVALID_PAY = "invalid_pay"                    # a pay rate that is negative or not a finite number
    PAY_BY_BALLOT = "pay_by_ballot"                # pay is the council's decision: a pay ballot
    NOT_A_DELEGATE = "not_a_delegate"              # the person recalled (or paid) holds no such mandate
    NO_CANDIDATES = "no_candidates"                # an election without candidates
    TERM_LIMIT = "term_limit"                      # the member has served the most terms allowed
    NOT_A_VOLUNTEER = "not_a_volunteer"            # a rotated duty given to someone not on its roll
    NOT_FOUND_IN_COUNCIL = "not_found_in_council"  # the thing named does not belong to this council
    ALREADY_MEMBER = "already_member"              # joining a council one already belongs to
    INVALID_COUNCIL = "invalid_council"            # a council of an unknown level, or with bad rules
    NOT_READY = "not_ready"                        # a round's step is not done: it cannot move on
    ALREADY_DISPUTED = "already_disputed"          # one open dispute per target per workplace council
    PRODUCER_TAKEN = "producer_taken"              # another workplace council is that producer
    # the rules of access, accounts and jobs (store.access, app.accounts, app.jobs)
    FORBIDDEN = "forbidden"                        # the member's role may not do this
    UNAUTHORISED = "unauthorised"                  # nobody is signed in, or the credentials are wrong
    TOO_MANY_LOGINS = "too_many_logins"            # failed logins of one email, too many lately
    ACCOUNT_REFUSED = "refused"                    # a registration or role the accounts' rules refuse
    INVALID_REQUEST = "invalid_request"            # a value of the request that breaks its rule
    TOO_LARGE = "too_large"                        # an upload past its size
    INVALID_BUNDLE = "invalid_bundle"              # an uploaded bundle breaking the bundle's rules
    ENDED = "ended"                                # the job has ended: nothing to cancel
    NOT_DONE = "not_done"                          # the job has no result yet


NOT_FOUND = RefusalCode.NOT_FOUND
NOT_A_MEMBER = RefusalCode.NOT_A_MEMBER
NOT_ELIGIBLE = RefusalCode.NOT_ELIGIBLE
BALLOT_CLOSED = RefusalCode.BALLOT_CLOSED
BALLOT_OPEN = RefusalCode.BALLOT_OPEN
ALREADY_VOTED = RefusalCode.ALREADY_VOTED
ALREADY_SIGNED = RefusalCode.ALREADY_SIGNED
INVALID_BALLOT = RefusalCode.INVALID_BALLOT
PAY_ABOVE_RULE = RefusalCode.PAY_ABOVE_RULE
INVALID_PAY = RefusalCode.INVALID_PAY
PAY_BY_BALLOT = RefusalCode.PAY_BY_BALLOT
NOT_A_DELEGATE = RefusalCode.NOT_A_DELEGATE
NO_CANDIDATES = RefusalCode.NO_CANDIDATES
TERM_LIMIT = RefusalCode.TERM_LIMIT
NOT_A_VOLUNTEER = RefusalCode.NOT_A_VOLUNTEER
NOT_FOUND_IN_COUNCIL = RefusalCode.NOT_FOUND_IN_COUNCIL
ALREADY_MEMBER = RefusalCode.ALREADY_MEMBER
INVALID_COUNCIL = RefusalCode.INVALID_COUNCIL
NOT_READY = RefusalCode.NOT_READY
ALREADY_DISPUTED = RefusalCode.ALREADY_DISPUTED
PRODUCER_TAKEN = RefusalCode.PRODUCER_TAKEN
FORBIDDEN = RefusalCode.FORBIDDEN
UNAUTHORISED = RefusalCode.UNAUTHORISED
TOO_MANY_LOGINS = RefusalCode.TOO_MANY_LOGINS
ACCOUNT_REFUSED = RefusalCode.ACCOUNT_REFUSED
INVALID_REQUEST = RefusalCode.INVALID_REQUEST
TOO_LARGE = RefusalCode.TOO_LARGE
INVALID_BUNDLE = RefusalCode.INVALID_BUNDLE
ENDED = RefusalCode.ENDED
NOT_DONE = RefusalCode.NOT_DONE
CODES: frozenset[str] = frozenset(code.value for code in RefusalCode)


class Refusal(CommonplanError):
    """An act the rules refuse: ``code`` (stable, one of :data:`CODES`) and ``reason`` (plain words).

    Two refusals with the same code and reason are equal, so tests and callers can compare values.
    """

    def __init__(self, code: str, reason: str, *, field: str | None = None,
                 errors: list[dict[str, Any]] | None = None) -> None:
        super().__init__(code, reason)
        self.code = RefusalCode(code).value  # a code outside the vocabulary is a bug: ValueError
        self.reason = reason
        self.field = field  # the one field of a request at fault, where there is one
        self.errors = errors  # every problem of an uploaded bundle, by file, row and column

    def __str__(self) -> str:
        return self.reason

    def __repr__(self) -> str:
        return f"Refusal({self.code!r}, {self.reason!r})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Refusal):
            return NotImplemented
        return (self.code, self.reason) == (other.code, other.reason)

    def __hash__(self) -> int:
        return hash((self.code, self.reason))
