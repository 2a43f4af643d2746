"""The ``commonplan`` command (SPEC section 3): every command module registered on one typer
application, and every failure mapped to its exit code in one place.

Exit codes: 0 success, 2 bad input or usage (one line per problem on stderr), 1 an internal
error, 130 interrupted.  ``--json`` prints exactly one JSON document on stdout.
"""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Callable
from typing import Any

import typer

from commonplan import __version__
from commonplan.cli import common
from commonplan.cli.common import (
    Interrupted,
    err,
    print_document,
    printed,
)
from commonplan.democracy.refusals import Refusal
from commonplan.economy.problems import BundleError
from commonplan.errors import InputError, LedgerIntegrityError

# The command modules, which register their commands on import, in the order they are listed.
COMMAND_MODULES = ("economy", "plans", "sweeps", "needs", "budget", "rounds", "server", "demo",
                   "ledger", "reports", "simulate", "alerts")
# Commands of the first module, run without importing the others (the database, the server,
# the forecasts): a second or more of start-up saved on `values`, `requirements`, `validate`.
# tests/test_cli.py checks that these are exactly the commands the module registers.
FIRST_MODULE_COMMANDS = frozenset({"validate", "values", "requirements", "generate", "import-bea"})


def registered(args: list[str] | None = None) -> typer.Typer:
    """The application with its commands registered: only the first module's when ``args``
    run one of them (the listing order stays the same), every module's otherwise."""
    wanted = COMMAND_MODULES[:1] if args and args[0] in FIRST_MODULE_COMMANDS else COMMAND_MODULES
    for name in wanted:
        importlib.import_module(f"commonplan.cli.{name}")
    return common.app


def __getattr__(name: str) -> Any:
    """``app``: the application with every command (for tests and callers that import it)."""
    if name == "app":
        return registered()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def one_blas_thread() -> None:
    """One BLAS thread unless the user says otherwise (before numpy and scipy load their
    BLAS): the work is sparse products and vector sums, which more threads do not speed up,
    and on a busy machine spinning BLAS threads made plans six times slower."""
    for variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(variable, "1")


def reuse_freed_pages() -> None:
    """In a short command process, let large arrays reuse the pages of arrays freed before
    (glibc's malloc): by default a block above 32 MiB is mapped afresh and unmapped when freed,
    so each of the many temporaries of a million-product computation faults in new zeroed
    pages. At 10^6 products `values` took about 1 s less system time (a third fewer page
    faults) and 100 MiB more at its peak. Not for servers, which would keep their peak."""
    import ctypes

    try:
        mallopt = ctypes.CDLL("libc.so.6").mallopt
    except (OSError, AttributeError):  # not glibc: leave malloc as it is
        return
    mallopt(-4, 0)  # M_MMAP_MAX: no block by mmap, so freed blocks stay in the heap for reuse
    mallopt(-1, 64 << 30)  # M_TRIM_THRESHOLD: do not give the top of the heap back
    mallopt(-2, 256 << 20)  # M_TOP_PAD: grow the heap in large steps


def main(argv: list[str] | None = None) -> None:
    """Console entry point: maps bad input to exit 2 and internal errors to exit 1; with
    ``--json``, a failure prints ``{"ok": false, "exit_code", "errors": [{"file", "row",
    "column", "message"}]}`` on stdout unless the command printed its document already."""
    one_blas_thread()
    args = sys.argv[1:] if argv is None else [str(arg) for arg in argv]
    if argv is None and args and args[0] in FIRST_MODULE_COMMANDS:
        reuse_freed_pages()
    printed["document"] = False
    code, errors = _run(args)
    for problem in errors:
        if problem.get("show", True):
            err.print(str(problem["line"]), markup=False, soft_wrap=True)
    if code not in (0, None) and "--json" in args and not printed["document"]:
        print_document(failure_document(code, errors))
    sys.exit(code or 0)


def failure_document(code: int, errors: list[dict[str, Any]]) -> dict[str, Any]:
    """The JSON of a run that failed: every problem, with its file, row and column where known."""
    return {"ok": False, "exit_code": code,
            "errors": [{key: problem.get(key) for key in ("file", "row", "column", "message")}
                       for problem in errors],
            "provenance": {"bundle_sha256": None, "commonplan_version": __version__}, "warnings": []}


def _line(line: str, *, show: bool = True) -> dict[str, Any]:
    return {"line": line, "message": line, "file": None, "row": None, "column": None, "show": show}


def _run(args: list[str]) -> tuple[int, list[dict[str, Any]]]:
    """Run the command: its exit code and its problems (each printed as ``line`` on stderr)."""
    run: Callable[..., Any] = registered(args)
    try:
        code = run(args=args, standalone_mode=False)
        return (code if isinstance(code, int) else 0), []
    except BundleError as error:
        return 2, [{"line": str(problem), "show": True, **problem.as_json()} for problem in error.problems]
    except InputError as error:  # input a person can fix (commonplan.errors): exit code 2
        return 2, [_line(line) for line in getattr(error, "lines", None) or str(error).splitlines()]
    except Refusal as error:  # a choice the rules refuse (a ballot result naming no product): 2
        where = f"{error.field}: " if error.field else ""
        return 2, [_line(f"{where}{error.reason}")]
    except LedgerIntegrityError as error:  # a failed audit of the open books: exit code 2 (SPEC)
        return 2, [_line(problem) for problem in error.problems]
    except typer.TyperException as error:  # a usage error: shown as typer shows it
        _name_the_value(error, args)
        _show_usage_error(error)
        return error.exit_code, [_line(error.format_message(), show=False)]
    except typer.Abort:
        return 130, [_line("interrupted")]
    except Interrupted as error:
        return 130, [_line(f"interrupted while {str(error)[0].lower()}{str(error)[1:]}")]
    except KeyboardInterrupt:
        return 130, [_line("interrupted")]
    except Exception as error:  # an internal error: one line, traceback only when debugging
        if os.environ.get("COMMONPLAN_DEBUG"):
            raise
        return 1, [_line(f"internal error: {type(error).__name__}: {error}"),
                   _line("(set COMMONPLAN_DEBUG=1 to see where)")]


def _name_the_value(error: typer.TyperException, args: list[str]) -> None:
    """Add the value given to an option that it refused (typer names only the option)."""
    options = getattr(getattr(error, "param", None), "opts", None) or []
    for position, arg in enumerate(args):
        name, equals, value = arg.partition("=")
        if name in options and (equals or position + 1 < len(args)):
            given = value if equals else args[position + 1]
            error.message = f"{given!r}: {error.message}"
            return


def _show_usage_error(error: typer.TyperException) -> None:
    from typer import rich_utils

    rich_utils.rich_format_error(error)  # type: ignore[arg-type]


__all__ = ["main", "registered"]  # and ``app``, through __getattr__

