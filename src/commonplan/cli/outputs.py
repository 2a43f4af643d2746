"""Where the command line writes: nothing a user had is overwritten silently or half-written.

An output file that exists already, or an output folder that holds anything, is refused unless
``--force`` is given; a folder where a file is asked for (or the reverse) is refused even then,
and so is a folder holding files that are not a bundle's (``--force`` would delete them).
Writing goes to a temporary file or folder beside the target, renamed into place when whole:
a failure, a full disk or Ctrl-C leaves the old content as it was.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

from commonplan.errors import InputError


class OutputRefused(InputError):
    """An output path the command will not write: ``lines`` say which and why (exit code 2)."""

    def __init__(self, lines: list[str]) -> None:
        self.lines = lines
        super().__init__("\n".join(lines))


def check_file(path: Path, option: str, *, force: bool) -> None:
    """Refuse to write the file ``path`` where a folder is, where no folder holds it, or (without
    ``force``) over an existing file."""
    if path.is_dir():
        raise OutputRefused([f"{option} {path}: is a folder; give the name of a file to write"])
    _check_parent(path, option)
    if path.exists() and not force:
        raise OutputRefused([f"{option} {path}: the file exists already; nothing was written "
                             "(add --force to replace it)"])


def check_folder(path: Path, option: str, *, force: bool) -> None:
    """Refuse to write the bundle folder ``path`` over a file, over a folder holding anything
    but a bundle's files, or (without ``force``) over a folder that is not empty."""
    if path.exists() and not path.is_dir():
        raise OutputRefused([f"{option} {path}: is a file, not a folder; nothing was written"])
    if not path.is_dir():
        return
    children = sorted(child.name for child in path.iterdir())
    if not children:
        return
    foreign = [name for name in children if not _bundle_file(path / name)]
    if foreign:
        shown = ", ".join(foreign[:3]) + (", ..." if len(foreign) > 3 else "")
        raise OutputRefused([f"{option} {path}: the folder holds files that are not a bundle's "
                             f"({shown}); nothing was written: choose a new folder"])
    if not force:
        raise OutputRefused([f"{option} {path}: the folder holds a bundle already; nothing was "
                             "written (add --force to replace it)"])


def _bundle_file(path: Path) -> bool:
    """A bundle's own table or metadata, by the bundle's rule (any other CSV is the user's)."""
    from commonplan.economy.bundle import is_bundle_file  # here: the command line starts without pyarrow

    return path.is_file() and is_bundle_file(path.name)


def _check_parent(path: Path, option: str) -> None:
    parent = path.absolute().parent
    if not parent.is_dir():
        raise OutputRefused([f"{option} {path}: no folder {parent} to write it in"])


def write_file(path: Path, option: str, write: Callable[[Path], None]) -> None:
    """Call ``write(temporary)`` on a new file beside ``path``, then rename it to ``path``."""
    write_files({path: (option, write)})


def write_files(writers: dict[Path, tuple[str, Callable[[Path], None]]]) -> None:
    """Write several files (path: (option, writer)) through temporary files beside them: all of
    them, or (on an error) none."""
    temporary: dict[Path, Path] = {}
    try:
        for path, (option, write) in writers.items():
            try:
                temporary[path] = _temporary_file(path)
                write(temporary[path])
            except OSError as error:
                raise OutputRefused([f"{option} {path}: cannot write: {error.strerror or error}"]
                                    ) from None
    except BaseException:
        for partial in temporary.values():
            partial.unlink(missing_ok=True)
        raise
    for path, partial in temporary.items():
        os.replace(partial, path)


def _temporary_file(path: Path) -> Path:
    descriptor, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".partial",
                                        dir=path.absolute().parent)
    os.close(descriptor)
    return Path(name)


def write_folder(path: Path, option: str, write: Callable[[Path], object]) -> None:
    """Call ``write(temporary)`` on a new folder beside ``path``, then put it in ``path``'s place
    (an old folder there is moved aside first and deleted only once the new one is in place)."""
    parent = path.absolute().parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        partial = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".partial", dir=parent))
    except OSError as error:
        raise OutputRefused([f"{option} {path}: cannot write: {error.strerror or error}"]) from None
    try:
        write(partial)
        _swap_in(partial, path)
    except BaseException as error:
        shutil.rmtree(partial, ignore_errors=True)
        if isinstance(error, OSError):
            raise OutputRefused([f"{option} {path}: cannot write: {error.strerror or error}"]) from None
        raise


def _swap_in(partial: Path, path: Path) -> None:
    """Rename ``partial`` to ``path``; an old folder at ``path`` is deleted only afterwards."""
    if not path.exists():
        partial.rename(path)
        return
    old = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".old", dir=partial.parent))
    old.rmdir()
    path.rename(old)
    try:
        partial.rename(path)
    except OSError:
        old.rename(path)  # put the old folder back as it was
        raise
    shutil.rmtree(old, ignore_errors=True)
