"""Solving Leontief systems (I - C) x = b with sparse methods, to a stated relative residual.

Small systems are factorised (SuperLU); large ones are solved by BiCGSTAB on the operator
x -> x - C x without forming I - C, warm-started where a guess is known, and polished by
iterative refinement until the relative residual ||b - (I - C) x|| / ||b|| is at most ``tol``
(or the backward error is at the level of rounding).
No dense inverse is ever formed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from commonplan.errors import PlanningError

DIRECT_LIMIT = 500  # products up to which a sparse LU is used: past it, fill-in costs more than BiCGSTAB
TOLERANCE = 1e-10
# A solution whose normwise backward error ||b - (I - C) x|| / (||b|| + ||x||) is this small is
# as exact as double precision allows: near a non-productive choice x can be 10^5 times b, and
# no refinement brings the residual relative to b alone down to ``tol``.
ROUNDING = 1e-14


class SolveError(PlanningError):
    """The system could not be solved to the required residual (a non-productive choice)."""


@dataclass(frozen=True)
class Solution:
    x: np.ndarray
    residual: float  # relative residual ||b - (I - C) x|| / ||b||


class LeontiefMatrix(Protocol):
    """A square sparse matrix C, or an operator that applies one (``C @ x``, ``C.T``)."""

    @property
    def shape(self) -> tuple[int, int]: ...

    def __matmul__(self, x: np.ndarray) -> np.ndarray: ...

    @property
    def T(self) -> LeontiefMatrix: ...

    def tocsr(self) -> sp.csr_array: ...


def leontief_solve(matrix: LeontiefMatrix, rhs: np.ndarray, *, transpose: bool = False,
                   guess: np.ndarray | None = None, tol: float = TOLERANCE) -> Solution:
    """Solve (I - C) x = b, or (I - C^T) x = b with ``transpose``; raise SolveError on failure."""
    operator = matrix.T if transpose else matrix
    norm = float(np.linalg.norm(rhs))
    if norm == 0:
        return Solution(np.zeros_like(rhs), 0.0)
    if rhs.shape[0] <= DIRECT_LIMIT:
        solve = _factorised(operator)
    else:
        def solve(b: np.ndarray, x0: np.ndarray | None = None) -> np.ndarray:
            return _iterative(operator, b, x0, tol * norm / float(np.linalg.norm(b)))
    x = solve(rhs, guess)
    for _ in range(3):
        if not np.all(np.isfinite(x)):
            raise SolveError("the Leontief system has no finite solution (singular)")
        residual_vector = rhs - (x - operator @ x)
        residual_norm = float(np.linalg.norm(residual_vector))
        residual = residual_norm / norm
        if residual <= tol or residual_norm <= ROUNDING * (norm + float(np.linalg.norm(x))):
            return Solution(x, residual)
        x = x + solve(residual_vector)
    raise SolveError(f"the Leontief system did not converge (relative residual {residual:.2e})")


def correction(matrix: LeontiefMatrix, rhs: np.ndarray, rtol: float) -> np.ndarray:
    """An approximate solution of (I - C) x = ``rhs`` to a relative residual of about ``rtol``
    (exact, by factorisation, for small systems): one step of an iterative refinement whose
    residual the caller computes, usually from a product it needs anyway."""
    if rhs.shape[0] <= DIRECT_LIMIT:
        return _factorised(matrix)(rhs)
    return _iterative(matrix, rhs, None, rtol)


def _factorised(operator: LeontiefMatrix) -> Callable[..., np.ndarray]:
    matrix = operator.tocsr()
    identity = sp.identity(matrix.shape[0], format="csc")
    try:
        factors = spla.splu((identity - matrix).tocsc())
    except RuntimeError as error:  # exactly singular
        raise SolveError(f"the Leontief system is singular: {error}") from None
    return lambda b, _guess=None: factors.solve(b)


def _iterative(operator: LeontiefMatrix, rhs: np.ndarray, guess: np.ndarray | None,
               tol: float) -> np.ndarray:
    n = rhs.shape[0]
    system = spla.LinearOperator((n, n), matvec=lambda v: v - operator @ v, dtype=float)
    rtol = min(tol, 1e-3) / 2
    x, info = spla.bicgstab(system, rhs, x0=guess, rtol=rtol, maxiter=2000)
    if info < 0:  # BiCGSTAB breaks down on some right-hand sides; GMRES does not
        x, info = spla.gmres(system, rhs, x0=guess, rtol=rtol, restart=50, maxiter=200)
    if info < 0:
        raise SolveError("the iterative solver broke down")
    solution: npt.NDArray[np.float64] = x
    return solution
