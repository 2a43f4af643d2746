"""Labour values and gross requirements solved over MPI ranks with PETSc, for economies whose
inputs outgrow one machine (SPEC section 2's definitions, analysis.values' numbers).

Started as ``mpiexec -n N python -m commonplan.analysis.distributed values BUNDLE --out DIR``
(``commonplan values BUNDLE --ranks N`` does it: app.distributed).  Every rank reads the
tables that grow with the products whole and its share of the inputs' rows
(economy.partitions), never the whole inputs.  For a choice c of one technique per product
the values solve ``M v = l_c`` with ``M = I - A_c^T``: row p of M holds the inputs per unit of
p, row p of l_c its direct labour; gross requirements solve ``M^T z = y``.  Each rank adds its
coefficients into the distributed matrix, and PETSc's assembly sends a coefficient to the rank
owning its row (each rank owns the rows its coefficients begin at: ``_ownership``).  PETSc's
KSP solves it, by default GMRES with a Jacobi preconditioner (``PETSC_OPTIONS`` may choose
others, ``-ksp_type bcgs``, ``-pc_type bjacobi``): with a spectral radius of A_c below 1, M is
near the identity, and block Jacobi with ILU(0) took 3 times as long at 10^6 products (its
factorisation costs more than the iterations it saves; docs/benchmarks.md).  The solution is
checked as ``||b - M x|| / ||b||`` afterwards and polished by iterative refinement to 1e-10,
as economy.leontief does.

With alternative techniques, policy iteration runs around the distributed solve as
analysis.values.least_cost runs it around one machine's (the same rules, tolerances and tie
breaks, so the same choice): from the first technique of each product, solve; gather the
values on every rank (8 bytes a product), price every technique's inputs at them (each rank
its coefficients, the partial costs summed over the ranks), switch every product to a
strictly cheaper technique, repeat.  The first choice must be productive: a solution below
zero is reported as an unproductive economy (``validate`` proves productiveness on one
machine, searching for a productive choice).

Each rank writes the entries of the solution it owns (``part-RANK.npy``) and a note of its
rows, time and memory (``rank-RANK.json``); rank 0 also the technique chosen for every product
(``choice.npy``).  A rank that finds a problem writes it in its note, and every rank stops.

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

from commonplan.analysis.values import IMPROVEMENT, MAX_ROUNDS, ROUGH
from commonplan.economy.bundle import read_needs
from commonplan.economy.choice import ATTAINS, TechniqueSystem, technique_system
from commonplan.economy.partitions import Block, read_block, read_skeleton, share
from commonplan.economy.problems import BundleError

TOLERANCE = 1e-10  # the relative residual every final solve reaches (as economy.leontief)
KRYLOV_MARGIN = 1e-2  # KSP is asked for this much less, so that one solve mostly suffices
REFINEMENTS = 3
MAX_ITERATIONS = 10_000
# A productive choice's values and gross outputs are >= 0: below zero by more than rounding, the
# choice uses up more than it makes
BELOW_ZERO = 1e-8


@dataclass(frozen=True)
class Solved:
    """What a solve reports: its relative residual, KSP's iterations and its reason to stop."""

    residual: float
    iterations: int
    reason: int


def main(argv: Sequence[str] | None = None) -> int:
    """The program every rank runs; its exit code is 0 when it wrote its note."""
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
    note: dict[str, Any] = {"rank": rank, "ranks": size, "clock": clock,
                            "seconds": {"read": 0.0, "assemble": 0.0, "solve": 0.0}}
    started = time.perf_counter()
    block, demand = None, None
    try:
        skeleton = read_skeleton(arguments.bundle)
        block = read_block(skeleton, rank, size)
        if arguments.quantity == "requirements":
            needs = skeleton.economy.needs if arguments.needs is None else read_needs(
                arguments.needs, skeleton.economy)
            demand = needs.total(len(skeleton.economy.products))
    except BundleError as error:
        note["problems"] = [problem.as_json() for problem in error.problems]
        block = None
    note["seconds"]["read"] = time.perf_counter() - started
    if not _anyone(PETSc, comm, block is None):
        assert block is not None
        held = [block]  # the solver frees the coefficients once no longer needed
        del block
        economy = skeleton.economy
        _compute(PETSc, comm, arguments.out, technique_system(economy), economy.products.is_labour(),
                 held, demand, note)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    note["max_rss_bytes"] = usage.ru_maxrss * 1024
    note["cpu_seconds"] = usage.ru_utime + usage.ru_stime
    clock["done"] = time.time()
    (arguments.out / f"rank-{rank:05d}.json").write_text(json.dumps(note), encoding="utf-8")
    return 0


def _compute(PETSc: Any, comm: Any, out: Path, system: TechniqueSystem, is_labour: np.ndarray,
             held: list[Block], demand: np.ndarray | None, note: dict[str, Any]) -> None:
    """The values (or, with ``demand``, the gross requirements) into ``out``, or a note of why not.

    ``system`` arranges the techniques by product (its economy has no inputs: only their
    grouping is used); ``is_labour`` marks the labour products."""
    n = system.activity.shape[1]
    rank = comm.getRank()
    starts = _ownership(PETSc, comm, n, held[0])
    own = slice(int(starts[rank]), int(starts[rank + 1]))
    note["rows"] = [own.start, own.stop]
    hours = np.where(is_labour[held[0].products], held[0].coefficients, 0.0)
    labour = _technique_sums(PETSc, comm, system, held[0], hours)  # direct hours per output
    del hours
    held.append(_by_row(held.pop()))  # sorted once, not again for every round's matrix
    if demand is None or not system.single:
        found = _least_cost(PETSc, comm, system, held, labour, starts, note)
        if found is None:
            return
        values, choice, solved, rounds = found
        note["rounds"] = rounds
    else:
        choice = system.cheapest(np.zeros(system.none + 1))[1]  # the one technique of each
    if demand is not None:
        matrix = _timed_matrix(PETSc, comm, starts, held[0], _chosen(system, held[0], choice), True,
                               note)
        held.clear()
        rhs = matrix.createVecRight()
        rhs.setArray(demand[own])
        solution, solved = _timed_solve(PETSc, comm, matrix, rhs, TOLERANCE, None, note)
        values = _everywhere(PETSc, solution)
        if _below_zero(values, note):
            return
    if rank == 0:
        np.save(out / "choice.npy", choice)
        note |= {"residual": solved.residual, "iterations": solved.iterations,
                 "reason": solved.reason}
    np.save(out / f"part-{rank:05d}.npy", values[own])


def _least_cost(PETSc: Any, comm: Any, system: TechniqueSystem, held: list[Block],
                labour: np.ndarray, starts: np.ndarray, note: dict[str, Any]
                ) -> tuple[np.ndarray, np.ndarray, Solved, int] | None:
    """analysis.values.least_cost over the ranks, from the first technique of each product: the
    values (on every rank), the attaining technique of every product, the last solve and the
    rounds; None when a choice is not productive."""
    _least, choice = system.cheapest(np.zeros(system.none + 1))  # ties: the first, in file order
    rank, guess, rounds, iterations = comm.getRank(), None, 0, 0
    own = slice(int(starts[rank]), int(starts[rank + 1]))
    precision = TOLERANCE if system.single else max(TOLERANCE, ROUGH)
    while True:
        rounds += 1
        block = held[0]
        matrix = _timed_matrix(PETSc, comm, starts, block, _chosen(system, block, choice), False, note)
        if system.single:
            held.clear()  # nothing else needs the coefficients: free them before the solve
        del block
        rhs = matrix.createVecRight()
        rhs.setArray(labour[choice[own]])
        solution, solved = _timed_solve(PETSc, comm, matrix, rhs, precision, guess, note)
        matrix.destroy()  # before the next round's is built
        iterations += solved.iterations
        values = _everywhere(PETSc, solution)
        if _below_zero(values, note):
            return None
        if system.single or rounds == MAX_ROUNDS:
            break
        least, cheaper = system.cheapest(labour + _technique_sums(
            PETSc, comm, system, held[0], held[0].coefficients * values[held[0].products]))
        switch = (least < values - IMPROVEMENT * np.abs(values)) & (cheaper != choice)
        if switch.any():
            choice, precision = np.where(switch, cheaper, choice), max(TOLERANCE, ROUGH)
        elif precision == TOLERANCE:
            break
        else:
            precision = TOLERANCE
        guess = solution
    values = np.maximum(values, 0.0)  # rounding below zero: products taking no labour
    if not system.single:
        costs = labour + _technique_sums(PETSc, comm, system, held[0],
                                         held[0].coefficients * values[held[0].products])
        choice = system.cheapest(costs, first_within=ATTAINS)[1]
    return values, choice, Solved(solved.residual, iterations, solved.reason), rounds


def _by_row(block: Block) -> Block:
    """The block's coefficients sorted by the product they make (as they mostly are already:
    a technique's alternatives come after every product's first technique)."""
    made = block.made
    if np.all(made[1:] >= made[:-1]):
        return block
    order = np.argsort(made, kind="stable")
    return Block(block.techniques[order], made[order], block.products[order],
                 block.coefficients[order])


def _below_zero(values: np.ndarray, note: dict[str, Any]) -> bool:
    if len(values) and values.min() < -BELOW_ZERO * np.abs(values).max():
        note["unproductive"] = True
        return True
    return False


def _chosen(system: TechniqueSystem, block: Block, choice: np.ndarray) -> np.ndarray | None:
    """Which of the block's coefficients belong to the chosen techniques (None: all of them)."""
    if system.single:
        return None
    chosen = np.zeros(system.none + 1, bool)
    chosen[choice] = True
    chosen[system.none] = False
    picked: np.ndarray = chosen[block.techniques]
    return picked


def _technique_sums(PETSc: Any, comm: Any, system: TechniqueSystem, block: Block,
                    amounts: np.ndarray) -> np.ndarray:
    """Per technique (and 0 for the stand-in ``none``), ``amounts`` of its coefficients summed
    over every rank, on every rank."""
    partial = np.bincount(block.techniques, weights=amounts, minlength=system.none)
    vector = PETSc.Vec().createMPI(system.none, comm=comm)
    vector.set(0.0)
    where = np.flatnonzero(partial)
    vector.setValues(where.astype(PETSc.IntType), partial[where], addv=PETSc.InsertMode.ADD_VALUES)
    vector.assemblyBegin()
    vector.assemblyEnd()
    summed = _everywhere(PETSc, vector)
    vector.destroy()
    return np.append(summed, 0.0)


def _timed_matrix(PETSc: Any, comm: Any, starts: np.ndarray, block: Block, keep: np.ndarray | None,
                  transpose: bool, note: dict[str, Any]) -> Any:
    clock = time.perf_counter()
    matrix = _matrix(PETSc, comm, starts, block, keep, transpose)
    note["seconds"]["assemble"] += time.perf_counter() - clock
    return matrix


def _timed_solve(PETSc: Any, comm: Any, matrix: Any, rhs: Any, tolerance: float, guess: Any,
                 note: dict[str, Any]) -> tuple[Any, Solved]:
    clock = time.perf_counter()
    solution, solved = _krylov(PETSc, comm, matrix, rhs, tolerance, guess)
    note["seconds"]["solve"] += time.perf_counter() - clock
    note["ksp"] = solved.reason
    return solution, solved


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


def _matrix(PETSc: Any, comm: Any, starts: np.ndarray, block: Block, keep: np.ndarray | None,
            transpose: bool) -> Any:
    """M = I - A_c^T (or its transpose) from the coefficients ``keep`` picks (all: None), rank r
    owning rows ``starts[r]`` to ``starts[r + 1]``, built from each rank's coefficients wherever
    their rows live: PETSc sends the others' at assembly.

    Each row's count of coefficients, in and outside its rank's diagonal block, is summed over
    the ranks first, so that PETSc allocates every row once."""
    rank, n = comm.getRank(), int(starts[-1])
    own = range(int(starts[rank]), int(starts[rank + 1]))
    made, used, coefficients = block.made, block.products, block.coefficients
    if keep is not None:
        made, used, coefficients = made[keep], used[keep], coefficients[keep]
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
    values = -(coefficients if order is None else coefficients[order])
    if len(rows):
        first = np.flatnonzero(np.diff(rows, prepend=-1))  # where each row's run begins (sorted)
        matrix.setValuesIJV(np.append(first, len(rows)).astype(index),
                            columns.astype(index, copy=False), values, add,
                            rows[first].astype(index))
    del rows, columns, values, order, made, used, coefficients
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


def _krylov(PETSc: Any, comm: Any, matrix: Any, rhs: Any, tolerance: float,
            guess: Any = None) -> tuple[Any, Solved]:
    """KSP's solution of ``matrix x = rhs`` (from ``guess``) to a relative residual of
    ``tolerance``, refined."""
    ksp = PETSc.KSP().create(comm=comm)
    ksp.setOperators(matrix)
    ksp.setType(PETSc.KSP.Type.GMRES)
    ksp.setGMRESRestart(60)
    ksp.getPC().setType(PETSc.PC.Type.JACOBI)  # ILU costs more than it saves: M is near I
    ksp.setTolerances(rtol=tolerance * KRYLOV_MARGIN, atol=0.0, max_it=MAX_ITERATIONS)
    ksp.setFromOptions()
    solution, residual, correction = matrix.createVecRight(), rhs.duplicate(), rhs.duplicate()
    norm = rhs.norm()
    if norm == 0:
        solution.set(0.0)
        return solution, Solved(0.0, 0, 0)
    if guess is not None:
        guess.copy(solution)
        ksp.setInitialGuessNonzero(True)
    ksp.solve(rhs, solution)
    ksp.setInitialGuessNonzero(False)
    iterations, reason = ksp.getIterationNumber(), int(ksp.getConvergedReason())
    for _ in range(REFINEMENTS + 1):
        matrix.mult(solution, residual)
        residual.aypx(-1.0, rhs)  # rhs - M x
        relative = residual.norm() / norm
        if relative <= tolerance or reason < 0:
            break
        ksp.solve(residual, correction)
        solution.axpy(1.0, correction)
        iterations += ksp.getIterationNumber()
    return solution, Solved(float(relative), iterations, reason)


def _anyone(PETSc: Any, comm: Any, stopped: bool) -> bool:
    """Whether any rank says ``stopped`` (every rank calls this, and all get one answer)."""
    return bool(_gathered(PETSc, comm, 1.0 if stopped else 0.0).sum() > 0)


def _everywhere(PETSc: Any, vector: Any) -> np.ndarray:
    """A distributed vector whole, on every rank (every rank calls this)."""
    scatter, everything = PETSc.Scatter.toAll(vector)
    scatter.scatter(vector, everything, PETSc.InsertMode.INSERT_VALUES, PETSc.ScatterMode.FORWARD)
    whole: np.ndarray = everything.getArray().copy()
    scatter.destroy()
    everything.destroy()
    return whole


def _gathered(PETSc: Any, comm: Any, value: float) -> np.ndarray:
    """Every rank's ``value``, in rank order, on every rank (every rank calls this)."""
    vector = PETSc.Vec().createMPI((1, comm.getSize()), comm=comm)
    vector.setArray(np.array([value]))
    gathered = _everywhere(PETSc, vector)
    vector.destroy()
    return gathered


if __name__ == "__main__":
    sys.exit(main())
