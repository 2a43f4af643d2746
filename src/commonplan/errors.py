"""The one error tree of commonplan: every error the package raises on purpose derives from
:class:`CommonplanError`, so a caller can catch all of them, one kind of them, or one error.

    CommonplanError
    ├── InputError (ValueError)            input a person can fix; names the file, row, field
    │   ├── economy.problems.BundleError       a bundle breaking the rules (every problem listed)
    │   │   └── execution.reports.ReportError      a workplace's report breaking the rules
    │   ├── execution.periods.PeriodError      a period of reports that cannot be read
    │   ├── economy.bea.BeaTableError          a BEA table that is not what import-bea reads
    │   ├── cli.outputs.OutputRefused          an output that would overwrite what a user had
    │   ├── cli.common.BadInput                a command's option or file a person can fix
    │   ├── service.limits.Unbounded           a request value past a documented bound
    │   ├── app.roll.RollError                 a roll of members with bad rows (every one named)
    │   ├── app.sweeps.SchedulerUnreachable    a Dask scheduler address that does not answer
    │   └── app.distributed.MpiUnavailable     --ranks where MPI or petsc4py is not installed
    ├── PlanningError (ArithmeticError)    a computation that cannot be carried out as asked
    │   ├── analysis.values.NotProductiveError an economy with no productive choice
    │   ├── economy.leontief.SolveError        a Leontief solve that did not converge
    │   ├── planning.highs.LPError             the LP solver failed (not: infeasible, a status)
    │   └── app.distributed.RanksFailed        MPI ranks ended without their results
    ├── democracy.refusals.Refusal         an act the rules refuse (a value with a code):
    │                                      democracy's, and the application's rules of access,
    │                                      accounts and jobs
    └── LedgerIntegrityError               the open books fail their check: an entry, signature
                                           or head is not what was published, or a record
                                           departs from an auditor's copy

A plan that cannot meet every need is a status of the plan, never an error. An audit of the
open books returns a verdict (ledger.Verdict naming the first bad entry); an interface that
must stop on a failed one raises LedgerIntegrityError with its reasons. The command line maps
input errors and failed audits to exit code 2 (SPEC: ``verify``) and everything else to 1, in
one place (``cli.main``); the API maps refusals to statuses in one table (``service.errors``). The edges'
own control flow (Ctrl-C, a job cancelled, a sign-in required) stays in the edge that raises it.

This module imports nothing, so that every layer, the core included, may use it.
"""

from __future__ import annotations


class CommonplanError(Exception):
    """Any error commonplan raises on purpose."""


class InputError(CommonplanError, ValueError):
    """Input a person can fix: a bundle, a table, a record, an output path, a request value."""


class PlanningError(CommonplanError, ArithmeticError):
    """A computation on a valid economy that cannot be carried out as asked."""


class LedgerIntegrityError(CommonplanError):
    """The open books fail their check: each of ``problems`` names what was tampered with."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))
