"""Where a bundle's files come from: a folder, or a zip holding them at its root or in one folder."""

from __future__ import annotations

import hashlib
import io
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import BinaryIO

import pyarrow as pa

from commonplan.economy.problems import BundleError, Problem

TABLE_SUFFIXES = (".csv", ".parquet")
# A zip is read into memory: its members may hold at most this much in all, each at most
# MAX_ZIP_RATIO times its compressed size (CSV deflates 3-20 times; a zip bomb, thousands).
# A larger bundle is read from a folder (docs/bundle.md).
MAX_ZIP_BYTES = 4 << 30
MAX_ZIP_RATIO = 200
ZIP_RATIO_FROM = 1 << 20  # members smaller than this are never taken for a bomb


@dataclass(frozen=True)
class BundleFile:
    """One file of a bundle: its name inside the bundle and a way to read its bytes."""

    name: str
    path: Path | None = None  # a file on disk
    content: bytes | None = None  # or bytes taken out of a zip

    def arrow_source(self) -> pa.NativeFile:
        if self.content is not None:
            return pa.BufferReader(self.content)
        return pa.memory_map(str(self.path), "r")

    def read_bytes(self) -> bytes:
        return self.content if self.content is not None else self._on_disk().read_bytes()

    def open(self) -> BinaryIO:
        """The bytes as a stream (read a part at a time: a file on disk is never read whole)."""
        return io.BytesIO(self.content) if self.content is not None else open(self._on_disk(), "rb")

    def _on_disk(self) -> Path:
        assert self.path is not None, "a bundle file has either a path or its content"
        return self.path

    def sha256(self) -> str:
        digest = hashlib.sha256()
        with self.open() as stream:
            while chunk := stream.read(1 << 22):
                digest.update(chunk)
        return digest.hexdigest()


def open_bundle(path: Path) -> dict[str, BundleFile]:
    """The files of the bundle at ``path`` by name (a folder or a .zip)."""
    label = str(path)
    if not path.exists():
        raise BundleError([Problem(label, "no such file or folder")])
    if path.is_dir():
        return {child.name: BundleFile(child.name, path=child) for child in sorted(path.iterdir())
                if child.is_file()}
    if not zipfile.is_zipfile(path):
        why = "cannot read the zip file: it is damaged" if path.suffix.lower() == ".zip" else \
            "is neither a folder nor a zip file"
        raise BundleError([Problem(label, why)])
    return _zip_members(path)


def _zip_members(path: Path) -> dict[str, BundleFile]:
    try:
        with zipfile.ZipFile(path) as archive:
            infos = [info for info in archive.infolist() if not info.is_dir()
                     and not info.filename.startswith("__MACOSX/")]
            _check_zip(path, infos)
            folder = _bundle_folder(path, [info.filename for info in infos])
            members = {}
            for info in infos:
                parts = PurePosixPath(info.filename)
                if str(parts.parent) == folder:
                    # its declared size: zipfile reads no more, and a forged size fails the CRC
                    members[parts.name] = BundleFile(parts.name, content=archive.read(info))
            return members
    except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError, RuntimeError) as error:
        raise BundleError([Problem(str(path), f"cannot read the zip file: {error}")]) from None


def _check_zip(path: Path, infos: list[zipfile.ZipInfo]) -> None:
    """Refuse a zip whose member names climb out of it or repeat, or that would unpack to more
    than MAX_ZIP_BYTES or more than MAX_ZIP_RATIO times its compressed size (a zip bomb)."""
    problems = []
    seen: set[str] = set()
    for info in infos:
        name = info.filename
        if name.startswith(("/", "\\")) or ".." in PurePosixPath(name.replace("\\", "/")).parts:
            problems.append(Problem(str(path), f"member {name!r} has an absolute path or '..' in its "
                                               "path: a bundle's zip holds only its own files"))
        elif name in seen:
            problems.append(Problem(str(path), f"member {name!r} appears twice"))
        seen.add(name)
        if info.file_size > ZIP_RATIO_FROM and info.file_size > MAX_ZIP_RATIO * max(info.compress_size, 1):
            problems.append(Problem(str(path), f"member {name!r} would unpack {info.compress_size:,} bytes "
                                               f"to {info.file_size:,}: refused as a zip bomb"))
    total = sum(info.file_size for info in infos)
    if total > MAX_ZIP_BYTES:
        problems.append(Problem(str(path), f"unpacks to {total:,} bytes, more than {MAX_ZIP_BYTES:,}: "
                                           "unpack it and give the folder"))
    if problems:
        raise BundleError(problems)


def _bundle_folder(path: Path, names: list[str]) -> str:
    """The folder inside the zip that holds the tables: its root, or its only top-level folder."""
    def has_tables(folder: str) -> bool:
        return any(str(PurePosixPath(n).parent) == folder and n.endswith(TABLE_SUFFIXES)
                   for n in names)
    if has_tables("."):
        return "."
    tops = {PurePosixPath(n).parts[0] for n in names if len(PurePosixPath(n).parts) == 2}
    candidates = [top for top in sorted(tops) if has_tables(top)]
    if len(candidates) == 1:
        return candidates[0]
    why = (f"tables in several top-level folders ({', '.join(candidates)}): keep one"
           if candidates else "no CSV or Parquet tables at its root or in one top-level folder")
    raise BundleError([Problem(str(path), f"holds no bundle: {why}")])


def bundle_sha256(files: list[BundleFile]) -> str:
    """The bundle's content hash: SHA-256 of ``sha256sum``-style lines of its files, sorted by name.

    A folder and a zip holding the same tables have the same hash.
    """
    lines = "".join(f"{file.sha256()}  {file.name}\n" for file in sorted(files, key=lambda f: f.name))
    return hashlib.sha256(lines.encode()).hexdigest()
