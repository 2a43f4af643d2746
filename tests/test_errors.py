"""One error tree: every error commonplan raises on purpose derives from CommonplanError, and
the tree drawn in commonplan.errors' docstring names each of them; only the edges' own control
flow (Ctrl-C, a job cancelled, a sign-in required) stays outside it."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import pytest

import commonplan
from commonplan import errors
from commonplan.analysis.values import NotProductiveError
from commonplan.democracy.refusals import Refusal
from commonplan.economy.problems import BundleError

CONTROL_FLOW = {"Interrupted", "ServerStopping", "JobCancelled", "PageError", "SignInRequired", "ApiError",
                "AccountRefused"}


def errors_of_the_package() -> dict[str, type[BaseException]]:
    found = {}
    for module in pkgutil.walk_packages(commonplan.__path__, "commonplan."):
        if ".migrations" in module.name:
            continue
        for name, value in vars(importlib.import_module(module.name)).items():
            if (inspect.isclass(value) and issubclass(value, BaseException)
                    and value.__module__ == module.name):
                found[f"{module.name}.{name}"] = value
    return found


def test_every_error_of_the_package_is_in_the_tree_or_an_edges_control_flow():
    outside = {path for path, kind in errors_of_the_package().items()
               if not issubclass(kind, errors.CommonplanError) and kind.__name__ not in CONTROL_FLOW}
    assert outside == set()


def test_the_tree_in_the_docstring_names_every_error_in_it():
    for path, kind in errors_of_the_package().items():
        if issubclass(kind, errors.CommonplanError) and kind.__module__ != "commonplan.errors":
            assert path.removeprefix("commonplan.") in errors.__doc__, path


@pytest.mark.parametrize(("error", "kinds"), [
    (BundleError, (errors.InputError, ValueError)),
    (NotProductiveError, (errors.PlanningError, ArithmeticError)),
    (Refusal, (errors.CommonplanError,)),
])
def test_each_error_is_caught_as_its_kind_and_as_the_builtin_it_always_was(error, kinds):
    assert all(issubclass(error, kind) for kind in kinds)
