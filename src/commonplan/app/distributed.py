"""Labour values and gross requirements over MPI ranks (``--ranks N``), the same documents as the
single-machine computations (app.computations), for economies whose inputs outgrow one machine.

The caller (the command line, a job worker) never becomes an MPI program: it starts
``mpiexec -n N PYTHON -m commonplan.analysis.distributed`` as a subprocess, which reads the
bundle's inputs in parts and solves with PETSc (analysis.distributed), waits for it, and reads
each rank's part of the solution from a temporary folder.  Here only the tables that grow with
the products are read (the economy without its inputs: economy.partitions), to check the bundle
before any rank starts and to write the document.

``COMMONPLAN_MPIEXEC`` sets the launcher (default ``mpiexec``; ``mpiexec --hostfile hosts``,
``srun``...), ``COMMONPLAN_MPI_PYTHON`` the Python the ranks run (default this one).  Open
MPI's refusals to run as root or more ranks than cores are lifted unless set otherwise.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic

from commonplan.app import documents
from commonplan.app.computations import Computed, Result
from commonplan.errors import InputError, PlanningError

if TYPE_CHECKING:
    import numpy as np

    from commonplan.analysis.requirements import Requirements
    from commonplan.analysis.values import LabourValues
    from commonplan.economy.model import Economy

MAX_RANKS = 4096
MPIEXEC = "COMMONPLAN_MPIEXEC"
PYTHON = "COMMONPLAN_MPI_PYTHON"
WORKER = "commonplan.analysis.distributed"
# Open MPI refuses root and more ranks than cores unless told; MPICH ignores these
OPEN_MPI_DEFAULTS = {"OMPI_ALLOW_RUN_AS_ROOT": "1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM": "1",
                     "OMPI_MCA_rmaps_base_oversubscribe": "1",
                     "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
INSTALL = ("install the MPI extra: `make install` does (Debian's mpich/Open MPI and PETSc, then "
           "petsc4py built against that PETSc; docs/deploy.md)")
STDERR_SHOWN = 2000  # characters of the ranks' error output a failure quotes


class MpiUnavailable(InputError):
    """``--ranks`` asked for where MPI or petsc4py is not installed."""


class RanksFailed(PlanningError):
    """The MPI ranks ended without their results (a rank crashed, or KSP did not converge)."""


@dataclass(frozen=True)
class Distributed(Generic[Result]):
    """A computation done over ranks: its result and document, the economy without its inputs
    (ids and names), the bundle's hash and warnings, each rank's note (rows, seconds, memory)
    and the time of the whole run."""

    computed: Computed[Result]
    economy: Economy
    sha256: str
    warnings: list[str]
    ranks: list[dict[str, Any]]
    seconds: float


def unavailable() -> str | None:
    """Why a solve over ranks cannot run here, or None when it can."""
    launcher = _launcher()
    if not launcher or shutil.which(launcher[0]) is None:
        shown = launcher[0] if launcher else "(empty)"
        return f"the MPI launcher {shown!r} was not found ({MPIEXEC}): {INSTALL}"
    if os.environ.get(PYTHON) is None and importlib.util.find_spec("petsc4py") is None:
        return f"petsc4py is not installed in {sys.executable}: {INSTALL}"
    return None


def values(bundle: Path, ranks: int) -> Distributed[LabourValues]:
    """Labour values of the bundle folder at ``bundle``, solved over ``ranks`` MPI processes."""
    import numpy as np

    from commonplan.analysis.values import LabourValues

    skeleton, run = _run("values", bundle, ranks)
    economy = skeleton.economy
    produced = economy.produced
    found = LabourValues(produced, np.maximum(run.solution, 0.0)[produced], run.choice[produced],
                         run.residual, run.rounds)
    computed = Computed(found, documents.values_document(economy, found))
    return Distributed(computed, economy, run.sha256, skeleton.warnings, run.notes, run.seconds)


def requirements(bundle: Path, ranks: int, needs: Path | None = None) -> Distributed[Requirements]:
    """Gross requirements of the needs table ``needs`` (default: the bundle's), over ranks."""
    import numpy as np

    from commonplan.analysis.requirements import Requirements, requirement_warnings

    skeleton, run = _run("requirements", bundle, ranks, needs)
    economy = skeleton.economy
    output = np.maximum(run.solution, 0.0)
    produced = economy.produced
    chosen = run.choice[produced]
    activity = np.zeros(len(economy.techniques))
    activity[chosen] = output[produced] / economy.techniques.yields[chosen]
    use = output[economy.primary]
    found = Requirements(activity, output[economy.produced], use,
                         float(output[economy.products.is_labour()].sum()), run.residual,
                         requirement_warnings(economy, activity, use))
    computed = Computed(found, documents.requirements_document(economy, found), list(found.warnings))
    return Distributed(computed, economy, run.sha256, skeleton.warnings, run.notes, run.seconds)


@dataclass(frozen=True)
class _Run:
    solution: np.ndarray
    choice: np.ndarray  # the technique of every product (len(techniques) where none)
    rounds: int
    residual: float
    notes: list[dict[str, Any]]
    sha256: str
    seconds: float


def _launcher() -> list[str]:
    return shlex.split(os.environ.get(MPIEXEC, "mpiexec"))


def _run(quantity: str, bundle: Path, ranks: int, needs: Path | None = None) -> tuple[Any, _Run]:
    """Check the bundle here, then solve over ``ranks`` processes and gather their parts."""
    import numpy as np

    from commonplan.analysis.distributed import TOLERANCE
    from commonplan.economy.bundle import content_hash, read_needs
    from commonplan.economy.partitions import read_skeleton
    from commonplan.economy.problems import BundleError, Problem

    if not 1 <= ranks <= MAX_RANKS:
        raise InputError(f"--ranks must be between 1 and {MAX_RANKS:,}, not {ranks:,}")
    why = unavailable()
    if why is not None:
        raise MpiUnavailable(why)
    skeleton = read_skeleton(bundle)
    if needs is not None:
        read_needs(needs, skeleton.economy)  # its problems before any rank starts
    python = os.environ.get(PYTHON) or sys.executable
    started = time.perf_counter()
    with (ThreadPoolExecutor(1) as hasher,  # the bundle's hash while the ranks solve
          tempfile.TemporaryDirectory(prefix="commonplan-mpi-") as folder):
        sha256 = hasher.submit(content_hash, bundle)
        command = [*_launcher(), "-n", str(ranks), python, "-m", WORKER, quantity,
                   str(Path(bundle).resolve()), "--out", folder]
        if needs is not None:
            command += ["--needs", str(Path(needs).resolve())]
        environment = {**OPEN_MPI_DEFAULTS, **os.environ}
        done = subprocess.run(command, env=environment, capture_output=True, text=True, check=False)
        notes = [json.loads(path.read_text(encoding="utf-8"))
                 for path in sorted(Path(folder).glob("rank-*.json"))]
        if done.returncode != 0 or len(notes) != ranks:
            raise RanksFailed(f"the {ranks} MPI ranks ended with exit code {done.returncode} "
                              f"({len(notes)} of them reported): "
                              f"{(done.stderr or done.stdout)[-STDERR_SHOWN:].strip()}")
        problems = [Problem(**problem) for note in notes for problem in note.get("problems", [])]
        if problems:
            raise BundleError(list(dict.fromkeys(problems)))
        if any(note.get("unproductive") for note in notes):
            raise RanksFailed("a choice of techniques uses up more than it makes (a solution below "
                              "zero): the economy is not productive, or the first technique of "
                              "each product is not a productive choice; `commonplan validate` "
                              "names such products, and `values` without --ranks searches for "
                              "a productive choice")
        solution = np.concatenate([np.load(Path(folder) / f"part-{note['rank']:05d}.npy")
                                   for note in notes])
        choice = np.load(Path(folder) / "choice.npy")
    seconds = time.perf_counter() - started
    head = notes[0]
    if head.get("reason", 0) < 0 or head["residual"] > TOLERANCE:
        raise RanksFailed(f"the distributed solve did not converge: relative residual "
                          f"{head['residual']:.2e} after {head['iterations']} iterations (KSP "
                          f"reason {head['reason']}); is the economy productive?")
    if len(solution) != len(skeleton.economy.products):
        raise RanksFailed(f"the ranks returned {len(solution):,} entries for "
                          f"{len(skeleton.economy.products):,} products")
    return skeleton, _Run(solution, choice, int(head.get("rounds", 1)), float(head["residual"]),
                          notes, sha256.result(), seconds)
