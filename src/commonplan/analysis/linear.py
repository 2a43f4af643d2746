"""Solving Leontief systems (I - C) x = b with sparse methods, to a stated relative residual.

Small systems are factorised (SuperLU); large ones are solved by BiCGSTAB on the operator
x -> x - C x without forming I - C, warm-started where a guess is known, and polished by
iterative refinement until the relative residual ||b - (I - C) x|| / ||b|| is at most ``tol``.
No dense inverse is ever formed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla

DIRECT_LIMIT = 2_000  # products up to which a sparse LU factorisation is used (fill-in grows fast)
TOLERANCE = 1e-10


class SolveError(ArithmeticError):
    """The system could not be solved to the required residual (a non-productive choice)."""


@dataclass(frozen=True)
class Solution:
    x: np.ndarray
    residual: float  # relative residual ||b - (I - C) x|| / ||b||


def leontief_solve(matrix: sp.csr_array, rhs: np.ndarray, *, transpose: bool = False,
                   guess: np.ndarray | None = None, tol: float = TOLERANCE) -> Solution:
    """Solve (I - C) x = b, or (I - C^T) x = b with ``transpose``; raise SolveError on failure."""
    operator = matrix.T if transpose else matrix
    norm = float(np.linalg.norm(rhs))
    if norm == 0:
        return Solution(np.zeros_like(rhs), 0.0)
    n = rhs.shape[0]
    x = _direct(operator, rhs) if n <= DIRECT_LIMIT else _iterative(operator, rhs, guess, tol)
    for _ in range(3):
        residual_vector = rhs - (x - operator @ x)
        residual = float(np.linalg.norm(residual_vector)) / norm
        if residual <= tol:
            return Solution(x, residual)
        correction = _direct(operator, residual_vector) if n <= DIRECT_LIMIT else \
            _iterative(operator, residual_vector, None, tol * norm / max(residual * norm, 1e-300))
        x = x + correction
    raise SolveError(f"the Leontief system did not converge (relative residual {residual:.2e})")


def _direct(operator: sp.sparray, rhs: np.ndarray) -> np.ndarray:
    identity = sp.identity(operator.shape[0], format="csc")
    try:
        return spla.splu((identity - operator).tocsc()).solve(rhs)
    except RuntimeError as error:  # exactly singular
        raise SolveError(f"the Leontief system is singular: {error}") from None


def _iterative(operator: sp.sparray, rhs: np.ndarray, guess: np.ndarray | None,
               tol: float) -> np.ndarray:
    n = rhs.shape[0]
    system = spla.LinearOperator((n, n), matvec=lambda v: v - operator @ v, dtype=float)
    x, info = spla.bicgstab(system, rhs, x0=guess, rtol=min(tol, 1e-3) / 2, maxiter=2000)
    if info < 0 or not np.all(np.isfinite(x)):
        raise SolveError("the iterative solver broke down")
    return x
