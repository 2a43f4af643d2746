"""Labour values and gross requirements solved over MPI ranks with PETSc, for economies whose
inputs outgrow one machine (SPEC section 2's definitions, analysis.values' numbers).

Started as ``mpiexec -n N python -m commonplan.analysis.distributed values BUNDLE --out DIR``
(``commonplan values BUNDLE --ranks N`` does it: app.distributed).  Every rank reads the
tables that grow with the products whole and its share of the inputs' rows
(economy.partitions), never the whole inputs.  With one technique per product the values
solve ``M v = l`` with ``M = I - A^T``: row p of M holds the inputs per unit of p, row p of l
its direct labour; gross requirements solve ``M^T z = y``.  Each rank adds its coefficients
into the distributed matrix, and PETSc's assembly sends a coefficient to the rank owning its
row (each rank owns the rows its coefficients begin at: ``_ownership``).  PETSc's KSP solves
it, by default GMRES with block Jacobi and ILU(0) on each rank's diagonal block
(``PETSC_OPTIONS`` may choose others, ``-ksp_type bcgs``), to a relative residual of 1e-12,
checked as ``||b - M x|| / ||b||`` afterwards and polished by iterative refinement to 1e-10,
as economy.leontief does.  Each rank writes the entries of the solution it owns
(``part-RANK.npy``) and a note of its rows, time and memory (``rank-RANK.json``); a rank that
finds a problem writes it there, and every rank stops.

Products with several techniques are refused (app.distributed says so): the single-machine
path chooses among them by policy iteration, which is not distributed yet.

petsc4py is imported when a solve runs, never by importing this module.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from commonplan.economy.bundle import read_needs
from commonplan.economy.partitions import Block, Skeleton, read_block, read_skeleton, share
from commonplan.economy.problems import BundleError

TOLERANCE = 1e-10  # the relative residual every solve reaches (as economy.leontief)
KRYLOV_TOLERANCE = 1e-12  # what KSP is asked for, so that one solve mostly suffices
REFINEMENTS = 3
MAX_ITERATIONS = 10_000


@dataclass(frozen=True)
class Solved:
    """What rank 0 reports of a solve."""

    residual: float
    iterations: int
    reason: int


def several_techniques(skeleton: Skeleton) -> str | None:
    """Why the distributed solve refuses this economy, or None: products with alternatives."""
    economy = skeleton.economy
    counts = np.bincount(economy.techniques.outputs, minlength=len(economy.products))
    several = np.flatnonzero(counts > 1)
    if not len(several):
        return None
    first = economy.products.ids[int(several[0])].as_py()
    more = f" (and {len(several) - 1:,} more products have several)" if len(several) > 1 else ""
    return (f"product {first!r} has {int(counts[several[0]])} techniques{more}: a solve over "
            "several processes takes one technique per product; compute it on one machine "
            "(without --ranks), which chooses among them")


def main(argv: Sequence[str] | None = None) -> int:
    """The program every rank runs; its exit code is 0 when it wrote its part."""
    parser = argparse.ArgumentParser(prog="python -m commonplan.analysis.distributed")
    parser.add_argument("quantity", choices=("values", "requirements"))
    parser.add_argument("bundle", type=Path)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--needs", type=Path)
    arguments = parser.parse_args(argv)
    clock = {"main": time.time()}  # when this rank began (its imports of commonplan done)
    import petsc4py

    petsc4py.init(sys.argv[:1])
    from petsc4py import PETSc

    comm = PETSc.COMM_WORLD
    rank, size = comm.getRank(), comm.getSize()
    clock["initialised"] = time.time()  # PETSc and MPI started
    note: dict[str, Any] = {"rank": rank, "ranks": size, "seconds": {}, "clock": clock}
    started = time.perf_counter()
    block, skeleton, refusal = None, None, None
    try:
        skeleton = read_skeleton(arguments.bundle)
        refusal = several_techniques(skeleton)
        if refusal is None:
            block = read_block(skeleton, rank, size)
    except BundleError as error:
        note["problems"] = [problem.as_json() for problem in error.problems]
    if refusal is not None:
        note["refused"] = refusal
    note["seconds"]["read"] = time.perf_counter() - started
    if _anyone(PETSc, comm, block is None):
        _write_note(arguments.out, note)
        return 0
    assert block is not None and skeleton is not None
    system = _system(PETSc, comm, arguments, skeleton, block, note)
    del block  # its coefficients are in the matrix now: 20 bytes each freed before the solve
    solved = None if system is None else _solve(PETSc, comm, arguments, *system, note)
    if solved is not None and rank == 0:
        note |= {"residual": solved.residual, "iterations": solved.iterations,
                 "reason": solved.reason}
    usage = resource.getrusage(resource.RUSAGE_SELF)
    note["max_rss_bytes"] = usage.ru_maxrss * 1024
    note["cpu_seconds"] = usage.ru_utime + usage.ru_stime
    clock["done"] = time.time()
    _write_note(arguments.out, note)
    return 0


def _system(PETSc: Any, comm: Any, arguments: argparse.Namespace, skeleton: Skeleton,
            block: Block, note: dict[str, Any]) -> tuple[Any, Any] | None:
    """The matrix and right-hand side of the values (or requirements), or None when a rank
    found a problem in the needs."""
    economy = skeleton.economy
    n = len(economy.products)
    rank = comm.getRank()
    clock = time.perf_counter()
    starts = _ownership(PETSc, comm, n, block)
    own = range(int(starts[rank]), int(starts[rank + 1]))
    note["rows"] = [own.start, own.stop]
    transpose = arguments.quantity == "requirements"
    matrix = _matrix(PETSc, comm, starts, block, transpose)
    rhs = matrix.createVecRight()
    if transpose:
        try:
            demand = (economy.needs if arguments.needs is None
                      else read_needs(arguments.needs, economy)).total(n)
        except BundleError as error:
            note["problems"] = [problem.as_json() for problem in error.problems]
            demand = None
        if _anyone(PETSc, comm, demand is None):
            return None
        assert demand is not None
        rhs.setArray(demand[own.start:own.stop])
    else:
        labour = economy.products.is_labour()[block.products]
        made, hours = block.made[labour], block.coefficients[labour]
        rhs.set(0.0)
        rhs.setValues(made.astype(PETSc.IntType), hours, addv=PETSc.InsertMode.ADD_VALUES)
        rhs.assemblyBegin()
        rhs.assemblyEnd()
    note["seconds"]["assemble"] = time.perf_counter() - clock
    return matrix, rhs


def _solve(PETSc: Any, comm: Any, arguments: argparse.Namespace, matrix: Any, rhs: Any,
           note: dict[str, Any]) -> Solved:
    """Solve, and write this rank's part of the solution."""
    clock = time.perf_counter()
    solution, solved = _krylov(PETSc, comm, matrix, rhs)
    note["seconds"]["solve"] = time.perf_counter() - clock
    note["ksp"] = solved.reason
    np.save(arguments.out / f"part-{comm.getRank():05d}.npy", solution.getArray())
    return solved


def _ownership(PETSc: Any, comm: Any, n: int, block: Block) -> np.ndarray:
    """Where each rank's rows begin (and, last, n): at the first product its coefficients are
    for, when the ranks' blocks are runs in order (inputs sorted by technique and techniques by
    product, as write_bundle and generate write them), so that nearly every coefficient is added
    on the rank that owns its row and the work follows the coefficients; otherwise as ``share``
    splits the products."""
    size = comm.getSize()
    made = block.made
    ordered = len(made) > 0 and bool(np.all(made[1:] >= made[:-1]))
    firsts = _gathered(PETSc, comm, float(made[0]) if ordered else -1.0)
    starts = np.append(firsts.astype(np.int64), n)
    starts[0] = 0
    if (firsts < 0).any() or np.any(np.diff(starts) < 0):
        return np.array([share(n, rank, size).start for rank in range(size)] + [n])
    return starts


def _matrix(PETSc: Any, comm: Any, starts: np.ndarray, block: Block, transpose: bool) -> Any:
    """M = I - A^T (or its transpose), rank r owning rows ``starts[r]`` to ``starts[r + 1]``,
    built from each rank's coefficients wherever their rows live: PETSc sends the others' at
    assembly.

    Each row's count of coefficients, in and outside its rank's diagonal block, is summed over
    the ranks first, so that PETSc allocates every row once."""
    rank, n = comm.getRank(), int(starts[-1])
    own = range(int(starts[rank]), int(starts[rank + 1]))
    made, used = block.made, block.products
    rows, columns = (used, made) if transpose else (made, used)
    owner = np.searchsorted(starts, rows, side="right") - 1
    inside = (columns >= starts[owner]) & (columns < starts[owner + 1])
    counts = [_summed(PETSc, comm, n, own, np.bincount(rows[where], minlength=n))
              for where in (inside, ~inside)]
    matrix = PETSc.Mat().createAIJ(((len(own), n), (len(own), n)),
                                   nnz=(counts[0].astype(PETSc.IntType) + 1,
                                        counts[1].astype(PETSc.IntType)), comm=comm)
    matrix.setOption(PETSc.Mat.Option.NEW_NONZERO_ALLOCATION_ERR, False)
    index = PETSc.IntType
    diagonal = np.arange(own.start, own.stop, dtype=index)
    add = PETSc.InsertMode.ADD_VALUES
    matrix.setValuesIJV(np.arange(len(own) + 1, dtype=index), diagonal, np.ones(len(own)), add,
                        diagonal)
    order = None if np.all(rows[1:] >= rows[:-1]) else np.argsort(rows, kind="stable")
    if order is not None:
        rows, columns = rows[order], columns[order]
    values = -(block.coefficients if order is None else block.coefficients[order])
    if len(rows):
        first = np.flatnonzero(np.diff(rows, prepend=-1))  # where each row's run begins (sorted)
        matrix.setValuesIJV(np.append(first, len(rows)).astype(index),
                            columns.astype(index, copy=False), values, add,
                            rows[first].astype(index))
    del rows, columns, values, order
    matrix.assemble()
    return matrix


def _summed(PETSc: Any, comm: Any, n: int, own: range, counts: np.ndarray) -> np.ndarray:
    """Per owned row, ``counts`` summed over every rank (each gives one for every row)."""
    vector = PETSc.Vec().createMPI((len(own), n), comm=comm)
    vector.set(0.0)
    rows = np.flatnonzero(counts)
    vector.setValues(rows.astype(PETSc.IntType), counts[rows].astype(float),
                     addv=PETSc.InsertMode.ADD_VALUES)
    vector.assemblyBegin()
    vector.assemblyEnd()
    summed: np.ndarray = np.rint(vector.getArray()).astype(np.int64)
    vector.destroy()
    return summed


def _krylov(PETSc: Any, comm: Any, matrix: Any, rhs: Any) -> tuple[Any, Solved]:
    """KSP's solution of ``matrix x = rhs`` to a relative residual of TOLERANCE, refined."""
    ksp = PETSc.KSP().create(comm=comm)
    ksp.setOperators(matrix)
    ksp.setType(PETSc.KSP.Type.GMRES)
    ksp.setGMRESRestart(60)
    ksp.getPC().setType(PETSc.PC.Type.BJACOBI)
    ksp.setTolerances(rtol=KRYLOV_TOLERANCE, atol=0.0, max_it=MAX_ITERATIONS)
    ksp.setFromOptions()
    solution, residual, correction = matrix.createVecRight(), rhs.duplicate(), rhs.duplicate()
    norm = rhs.norm()
    if norm == 0:
        solution.set(0.0)
        return solution, Solved(0.0, 0, 0)
    ksp.solve(rhs, solution)
    iterations, reason = ksp.getIterationNumber(), int(ksp.getConvergedReason())
    for _ in range(REFINEMENTS + 1):
        matrix.mult(solution, residual)
        residual.aypx(-1.0, rhs)  # rhs - M x
        relative = residual.norm() / norm
        if relative <= TOLERANCE or reason < 0:
            break
        ksp.solve(residual, correction)
        solution.axpy(1.0, correction)
        iterations += ksp.getIterationNumber()
    return solution, Solved(float(relative), iterations, reason)


def _anyone(PETSc: Any, comm: Any, stopped: bool) -> bool:
    """Whether any rank says ``stopped`` (every rank calls this, and all get one answer)."""
    return bool(_gathered(PETSc, comm, 1.0 if stopped else 0.0).sum() > 0)


def _gathered(PETSc: Any, comm: Any, value: float) -> np.ndarray:
    """Every rank's ``value``, in rank order, on every rank (every rank calls this)."""
    vector = PETSc.Vec().createMPI((1, comm.getSize()), comm=comm)
    vector.setArray(np.array([value]))
    scatter, everything = PETSc.Scatter.toAll(vector)
    scatter.scatter(vector, everything, PETSc.InsertMode.INSERT_VALUES, PETSc.ScatterMode.FORWARD)
    gathered: np.ndarray = everything.getArray().copy()
    for used in (scatter, everything, vector):
        used.destroy()
    return gathered


def _write_note(folder: Path, note: dict[str, Any]) -> None:
    (folder / f"rank-{note['rank']:05d}.json").write_text(json.dumps(note), encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
