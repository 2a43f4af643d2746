"""An uploaded bundle: size-limited, checked as ``validate`` checks it, then stored."""

from __future__ import annotations

import functools
import io
import pathlib
import tempfile
import zipfile
from typing import Any

from sqlalchemy.orm import Session

from commonplan.app.guard import check_upload
from commonplan.democracy.refusals import Refusal
from commonplan.store.models import Member, StoredEconomy

MAX_UPLOAD = 64 * 2**20  # bytes of a zipped bundle
BUILTIN_NAME = "United States 2017 (built-in, with its labour force)"


def store_bundle(db: Session, me: Member, name: str, content: bytes) -> StoredEconomy:
    """The stored economy, with the warnings its bundle was accepted with; 403, 413 or 422
    (listing every problem by file, row and column) when it may not be stored."""
    check_upload(me)
    if len(content) > MAX_UPLOAD:
        raise Refusal("too_large", f"a bundle may have at most {MAX_UPLOAD} bytes", field="bundle")
    sha256, warnings = _checked(content)
    stored = StoredEconomy(owner_id=me.id, name=name, bundle_sha256=sha256, bundle=content,
                           warnings=warnings)
    db.add(stored)
    db.flush()
    return stored


def _checked(content: bytes) -> tuple[str, list[str]]:
    """Check a zip as ``validate`` does: its sha256 and warnings, or 422 listing every problem."""
    from commonplan.planning.capital import check_bundle_and_capital

    with tempfile.TemporaryDirectory() as folder:
        path = pathlib.Path(folder) / "bundle.zip"
        path.write_bytes(content)
        problems, warnings, sha256 = check_bundle_and_capital(path)
    if problems:
        listed: list[dict[str, Any]] = [
            {**problem.as_json(), "file": pathlib.Path(problem.file).name if problem.file else None}
            for problem in problems]
        raise Refusal("invalid_bundle", f"the bundle breaks {len(problems)} rule(s)",
                       field="bundle", errors=listed)
    assert sha256 is not None
    return sha256, warnings


def store_builtin(db: Session, me: Member) -> StoredEconomy:
    """The built-in US 2017 economy, made ready to plan (planning.us2017: its labour force, its
    capacities, essentials first), stored as if uploaded: a council may plan the real economy
    without a file."""
    return store_bundle(db, me, BUILTIN_NAME, builtin_bundle_zip())


@functools.cache
def builtin_bundle_zip() -> bytes:
    """The planned built-in economy as the bytes of a bundle zip (made once per process: about
    1 MB, the same every time)."""
    from commonplan.economy.builtin import builtin_bundle_path, builtin_reference
    from commonplan.economy.bundle import read_bundle, write_bundle
    from commonplan.planning.us2017 import planning_economy

    planned = planning_economy(read_bundle(builtin_bundle_path()).economy, builtin_reference())
    buffer = io.BytesIO()
    with tempfile.TemporaryDirectory() as folder:
        tables = write_bundle(planned, pathlib.Path(folder) / "bundle")
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for path in sorted(tables.iterdir()):
                archive.write(path, path.name)
    return buffer.getvalue()
