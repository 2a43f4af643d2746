"""A thin layer over HiGHS (highspy): a linear programme passed whole from sparse matrices.

Every LP of the planner is "minimise cost . x subject to row_lower <= A x <= row_upper,
col_lower <= x <= col_upper"; stages of a lexicographic solve change bounds and costs of the
same model and re-solve warm from the last basis.
"""

from __future__ import annotations

import os
import sys

import highspy
import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from commonplan.errors import PlanningError

INFINITY = highspy.kHighsInf
FEASIBILITY = 1e-9  # HiGHS's default 1e-7 is the whole of SPEC's tolerance: keep a margin
SLIP = 10  # a solution called optimal may stray this many times FEASIBILITY, no more


class LPError(PlanningError):
    """HiGHS did not reach an optimum (a model that is always feasible and bounded should)."""


def highs_model(matrix: sp.spmatrix | sp.sparray, cost: np.ndarray, col_lower: np.ndarray,
                col_upper: np.ndarray, row_lower: np.ndarray, row_upper: np.ndarray) -> highspy.Highs:
    """A silent HiGHS instance holding the LP, its matrix passed column-wise in one call."""
    columns = sp.csc_array(matrix)
    columns.sort_indices()
    lp = highspy.HighsLp()
    lp.num_row_, lp.num_col_ = columns.shape
    lp.col_cost_ = np.asarray(cost, float)
    lp.col_lower_, lp.col_upper_ = _finite(col_lower), _finite(col_upper)
    lp.row_lower_, lp.row_upper_ = _finite(row_lower), _finite(row_upper)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = columns.indptr.astype(np.int32)
    lp.a_matrix_.index_ = columns.indices.astype(np.int32)
    lp.a_matrix_.value_ = columns.data.astype(float)
    highs = _new_highs()
    highs.setOptionValue("output_flag", False)
    for option in ("primal_feasibility_tolerance", "dual_feasibility_tolerance"):
        highs.setOptionValue(option, FEASIBILITY)
    highs.passModel(lp)
    return highs


def _new_highs() -> highspy.Highs:
    """A HiGHS instance, without the banner it prints on stdout before any option can silence
    it (so that ``--json`` output stays one document)."""
    sys.stdout.flush()
    saved = os.dup(1)
    silent = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(silent, 1)
        return highspy.Highs()
    finally:
        os.dup2(saved, 1)
        os.close(saved)
        os.close(silent)


def _finite(bounds: np.ndarray) -> npt.NDArray[np.float64]:
    return np.clip(np.asarray(bounds, np.float64), -INFINITY, INFINITY)


def model_status(highs: highspy.Highs) -> str:
    """HiGHS's own word for how its last solve ended (``Optimal``, ``Infeasible``, ...)."""
    return str(highs.modelStatusToString(highs.getModelStatus()))


def added(status: highspy.HighsStatus) -> None:
    """Raise LPError when HiGHS refused a row or column (an entry past its largest accepted
    value, 1e15, is refused with only a status): a row missing silently breaks its duals."""
    if status == highspy.HighsStatus.kError:
        raise LPError("HiGHS refused a row or column of the model (an entry out of its range)")


def _solved(highs: highspy.Highs) -> bool:
    """Optimal, and feasible to the tolerance asked: warm from a basis, HiGHS has called a
    solution optimal with a row 6e-8 outside its bounds (its unscaled residual), which a
    plan then inherits as a limit exceeded."""
    return bool(highs.getModelStatus() == highspy.HighsModelStatus.kOptimal
                and highs.getInfo().max_primal_infeasibility <= SLIP * FEASIBILITY)


def optimise(highs: highspy.Highs) -> highspy.HighsSolution:
    """Run HiGHS; the solution, or LPError naming the status when it is not optimal."""
    highs.run()
    status = highs.getModelStatus()
    if not _solved(highs):  # once more from scratch, without the basis
        highs.clearSolver()
        highs.run()
        status = highs.getModelStatus()
    if not _solved(highs):
        raise LPError(f"HiGHS stopped with status {highs.modelStatusToString(status)!r}")
    return highs.getSolution()
