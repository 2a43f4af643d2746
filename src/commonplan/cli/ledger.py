"""The commands of the open books: ``verify`` (check the whole record, every signature and
every head, naming the first entry tampered with), ``ledger-copy`` (an auditor's own copy, from
the database or a running server, which a later ``verify --against`` compares the record with,
so a rewritten history is caught) and ``cosign`` (an auditor's cosignature of a head checked
against that copy)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import orjson
import typer

from commonplan.cli.common import (
    BadInput,
    DatabaseUrl,
    Force,
    JsonFlag,
    app,
    opened,
    out,
    print_document,
    progress_bar,
)
from commonplan.cli.outputs import check_file, write_file
from commonplan.errors import LedgerIntegrityError

Copy = Annotated[Path | None, typer.Option(
    "--against", help="An auditor's earlier copy (from ledger-copy): the record must extend it unchanged.")]
Record = Annotated[Path | None, typer.Option(
    "--record", help="Check a copy (from ledger-copy) instead of a database.")]
LogKey = Annotated[str | None, typer.Option(
    "--log-key", help="The log's public key (hex) as you hold it; default: the one entry 0 names.")]
Heads = Annotated[list[Path] | None, typer.Option(
    "--head", help="A signed tree head you kept (JSON, as GET /ledger/head gives); may repeat.")]


@app.command()
def verify(database: DatabaseUrl = "sqlite:///commonplan.db", record: Record = None, against: Copy = None,
           log_key: LogKey = None, head: Heads = None, json: JsonFlag = False) -> None:
    """Check the open books: numbering, keys, every signature, every published head and every
    head you kept; names the first entry tampered with (exit 2)."""
    from commonplan.ledger import TreeHead
    from commonplan.store.books import verify_entries

    entries, heads = _read_copy(record) if record else _read_database(database)
    held = [*heads, *(TreeHead.from_json(_json_of(path)) for path in head or [])]
    copy_heads: list[Any] = []
    if against is not None:
        copy, copy_heads = _read_copy(against)
        held += copy_heads
    with progress_bar("Checking the open books") as report:
        verdict = verify_entries(entries, held, log_key, progress=lambda share: report(share, ""))
    problems = [] if verdict.ok else [verdict.reason]
    if against is not None:
        problems += _divergence(entries, copy, against)
    _report(verdict, problems, json)


def _divergence(entries: list[Any], copy: list[Any], against: Path) -> list[str]:
    """Where the record departs from an auditor's earlier copy, if it does."""
    from commonplan.ledger import find_divergence

    diverged = find_divergence(entries, [entry.leaf_hash() for entry in copy])
    if diverged is None or diverged == len(copy):
        return []
    if diverged < len(entries):
        return [f"entry {diverged} differs from your copy {against}: the record was rewritten"]
    return [f"the record has only {len(entries)} of the {len(copy)} entries of your copy {against}"]


def _report(verdict: Any, problems: list[str], json: bool) -> None:
    if json:
        document = {"ok": not problems, "size": verdict.size, "root": verdict.root,
                    "first_bad": verdict.first_bad, "problems": problems,
                    "errors": [{"file": None, "row": None, "column": None, "message": problem}
                               for problem in problems],
                    "signatures_checked": verdict.signatures_checked,
                    "heads_checked": verdict.heads_checked}
        print_document(document)
    elif not problems:
        checked = f"{verdict.signatures_checked} signatures and {verdict.heads_checked} signed heads"
        out.print(f"ok: {verdict.size} entries, root {verdict.root}; {checked} check out", soft_wrap=True)
    if problems:
        raise LedgerIntegrityError(problems)


@app.command("ledger-copy")
def ledger_copy(out_file: Annotated[Path, typer.Option(
                    "--out", help="The copy to write, JSON Lines (a new file, or --force).")],
                database: DatabaseUrl = "sqlite:///commonplan.db",
                server: Annotated[str | None, typer.Option(
                    "--from", help="Copy from a running server (its address, e.g. http://host:8000) "
                                   "through GET /ledger/entries and /ledger/head, not a database.")] = None,
                force: Force = False) -> None:
    """Write an auditor's copy of the open books: every entry and published head, one JSON per line."""
    check_file(out_file, "--out", force=force)
    entries, heads = _read_server(server) if server else _read_database(database)

    def write(path: Path) -> None:
        with path.open("wb") as file:
            for entry in entries:
                file.write(orjson.dumps({"entry": entry.to_json()}) + b"\n")
            for signed in heads:
                file.write(orjson.dumps({"head": signed.to_json()}) + b"\n")

    write_file(out_file, "--out", write)
    out.print(f"{len(entries)} entries and {len(heads)} heads copied to {out_file}")


@app.command()
def cosign(head: Annotated[Path, typer.Option(
               "--head", help="The signed head to co-sign (JSON, as GET /ledger/head gives).")],
           copy: Annotated[Path, typer.Option("--copy", help="Your copy of the record (ledger-copy).")],
           key: Annotated[Path, typer.Option(
               "--key", help="Your own Ed25519 key: 64 hex digits in a file, made when missing.")]) -> None:
    """An auditor's cosignature of a head, after checking it against the auditor's own copy: prints
    the JSON to POST to /ledger/heads/{size}/cosignatures."""
    from commonplan.ledger import MerkleTree, Signer, TreeHead, verify_head
    from commonplan.store.books import verify_entries

    signed = TreeHead.from_json(_json_of(head))
    if not verify_head(signed):
        raise LedgerIntegrityError([f"{head}: the head's signature is not the log's"])
    entries, _heads = _read_copy(copy)
    verdict = verify_entries(entries, [])
    if not verdict.ok:
        raise LedgerIntegrityError([f"{copy}: {verdict.reason}"])
    if signed.size > len(entries):
        raise BadInput([f"{copy} holds {len(entries)} entries, the head {signed.size}: copy again"])
    if MerkleTree(entry.leaf_hash() for entry in entries).root(signed.size).hex() != signed.root:
        raise LedgerIntegrityError([f"the head of size {signed.size} does not match your copy: the "
                                    "record was rewritten"])
    auditor = Signer.from_seed(_key_of(key))
    sys.stdout.buffer.write(orjson.dumps({"key": auditor.public_key.hex(),
                                          "signature": auditor.sign(signed.signed_bytes()).hex()}) + b"\n")


def _read_database(database: str) -> tuple[list[Any], list[Any]]:
    """The entries and published heads stored in ``database``, read without creating, migrating
    or writing anything: a missing SQLite file or an unreachable database is bad input."""
    from sqlalchemy.exc import DBAPIError

    from commonplan.store.books import heads, stored_record
    from commonplan.store.database import sessions

    engine = opened(database, _existing_database)
    try:
        with sessions(engine)() as session:
            entries, broken = stored_record(session)
            if broken is not None:
                raise BadInput([broken.reason])
            return entries, heads(session)
    except DBAPIError as error:
        raise BadInput([f"--database {database!r}: not a commonplan database, or not reachable "
                        f"({str(error.orig).splitlines()[0]})"]) from None
    finally:
        engine.dispose()


def _existing_database(url: str) -> Any:
    """An engine on a database that exists already: a SQLite file is opened in mode ``rw``,
    which never creates one (SQLite's ``mode=rwc``, the default, would); a server database is
    connected to once, so an unreachable one is named at once."""
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        name = parsed.database or ""
        if name in ("", ":memory:") or not Path(name).is_file():
            raise BadInput([f"--database {url!r}: no such database file"
                            f"{f' {name!r}' if name not in ('', ':memory:') else ''}; "
                            "nothing was created"])
        uri = Path(name).absolute().as_uri().replace("file://", "file:", 1)
        return create_engine(f"sqlite:///{uri}?mode=rw&uri=true")
    engine = create_engine(parsed)
    engine.connect().close()
    return engine


def _key_of(path: Path) -> bytes:
    from commonplan.store.books import secret_file

    try:
        seed = secret_file(path)
    except (OSError, ValueError) as error:
        raise BadInput([f"--key {path}: not a key of 64 hex digits ({error})"]) from None
    if len(seed) != 32:
        raise BadInput([f"--key {path}: a key is 64 hex digits, not {2 * len(seed)}"])
    return seed


def _read_server(address: str) -> tuple[list[Any], list[Any]]:
    """The entries and the current head of a running server, page by page."""
    from commonplan.ledger import Entry, TreeHead

    head = _get(address, "/ledger/head")
    entries: list[Any] = []
    while len(entries) < head.get("size", 0):
        page = _get(address, f"/ledger/entries?start={len(entries)}&limit=100")
        if not page:
            break
        entries += [Entry.from_json(item) for item in page]
    return entries, [TreeHead.from_json(head)] if head.get("size") else []


def _get(address: str, path: str) -> Any:
    from urllib.error import URLError
    from urllib.request import urlopen

    try:
        with urlopen(address.rstrip("/") + path, timeout=60) as answer:
            return orjson.loads(answer.read())
    except (URLError, ValueError, OSError) as error:
        raise BadInput([f"--from {address}: {path}: {error}"]) from None


def _read_copy(path: Path) -> tuple[list[Any], list[Any]]:
    """The entries and heads of a copy written by ledger-copy; bad input names the line."""
    from commonplan.ledger import Entry, TreeHead

    entries, heads = [], []
    try:
        lines = path.read_bytes().splitlines()
    except OSError as error:
        raise BadInput([f"{path}: {error.strerror}"]) from None
    for number, line in enumerate(lines, 1):
        try:
            item = orjson.loads(line)
            if "entry" in item:
                entries.append(Entry.from_json(item["entry"]))
            else:
                heads.append(TreeHead.from_json(item["head"]))
        except (ValueError, KeyError, TypeError) as error:
            raise BadInput([f"{path}:{number}: not an entry or a head of the open books ({error})"]) from None
    return entries, heads


def _json_of(path: Path) -> dict[str, Any]:
    try:
        head: dict[str, Any] = orjson.loads(path.read_bytes())  # TreeHead.from_json checks it
        return head
    except (OSError, ValueError) as error:
        raise BadInput([f"{path}: not a JSON signed tree head ({error})"]) from None
