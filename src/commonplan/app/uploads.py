"""An uploaded bundle: size-limited, checked as ``validate`` checks it, then stored."""

from __future__ import annotations

import pathlib
import tempfile
from typing import Any

from sqlalchemy.orm import Session

from commonplan.app.guard import check_upload
from commonplan.democracy.refusals import Refusal
from commonplan.store.models import Member, StoredEconomy

MAX_UPLOAD = 64 * 2**20  # bytes of a zipped bundle


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
