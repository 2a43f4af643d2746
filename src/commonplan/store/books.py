"""The open books kept in the database: every act appended as a signed ledger entry in the
act's own transaction, so the act and its entry are written together or not at all.

Who holds which key: the server keeps one master secret (a file beside the database, or
``COMMONPLAN_LEDGER_SECRET``) and derives from it the log's key and a key for every member and
council that acts; no private key is stored in the database. An entry signed with a key the
server holds for a member or council says so (``on_behalf``). Members appear only under a
pseudonym (an HMAC of their number under the secret), never by name or email.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import threading
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, bindparam, event, insert, select, update
from sqlalchemy.orm import Session, SessionTransaction

from commonplan.ledger import (
    Entry,
    MerkleTree,
    TreeHead,
    Verdict,
    derive_signer,
    sign_entry,
    sign_head,
    verify_record,
)
from commonplan.store.models import LedgerEntry, LedgerHead, LedgerKey, LedgerTip, now, table_of

LOG = "log"
SECRET_BYTES = 32
QUEUE_SECONDS = 30.0  # an act waits this long for the process's other acts, then asks the database
_HELD = "commonplan.books.held"  # in Session.info: (transaction, size, head, books queued at or None)
# The tip's statements, made once, on the table (not the ORM entity, whose bulk update and
# autoflush cost each act more than the statements themselves; no tip row is ever loaded as an
# object, so none goes stale)
_TIP_ROW = table_of(LedgerTip)
_TAKE = update(_TIP_ROW).where(_TIP_ROW.c.id == 1).values(size=_TIP_ROW.c.size)
_TIP = select(_TIP_ROW.c.size, _TIP_ROW.c.head).where(_TIP_ROW.c.id == 1)
_KEYS = table_of(LedgerKey)
_ADD_ENTRY = insert(table_of(LedgerEntry))
_ADD_KEY = insert(_KEYS)
_KEY_OF = select(_KEYS.c.holder).where(_KEYS.c.holder == bindparam("holder"))
_PUBLISH = update(_TIP_ROW).where(_TIP_ROW.c.id == 1).values(size=bindparam("new_size"),
                                                             head=bindparam("new_head"))


def load_secret(path: Path) -> bytes:
    """The master secret from ``COMMONPLAN_LEDGER_SECRET`` (hex) or the file at ``path``."""
    if value := os.environ.get("COMMONPLAN_LEDGER_SECRET"):
        return bytes.fromhex(value)
    return secret_file(path)


def secret_file(path: Path) -> bytes:
    """32 secret bytes kept as hex in the file at ``path``, made (readable by its owner only)
    when there is none yet. Several server processes starting at once agree on one: each writes
    its own in full beside it and links it into place, which only the first does."""
    if not path.exists():
        written = path.with_name(f".{path.name}.{os.getpid()}.{os.urandom(4).hex()}")
        descriptor = os.open(written, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as file:
            file.write(os.urandom(SECRET_BYTES).hex() + "\n")
        try:
            os.link(written, path)
        except FileExistsError:
            pass  # another process made it first: its secret is the one
        finally:
            written.unlink()
    return bytes.fromhex(path.read_text().strip())


def timestamp(moment: datetime) -> str:
    return moment.isoformat(timespec="microseconds").replace("+00:00", "Z")


class OpenBooks:
    """The server's side of the open books: signing, numbering and the tree of committed
    entries (cached in memory, rebuilt whenever the database's tip disagrees with it)."""

    def __init__(self, secret: bytes, clock: Callable[[], datetime] = now,
                 random_bytes: Callable[[int], bytes] = os.urandom) -> None:
        self._secret = secret
        self.clock = clock
        self.random_bytes = random_bytes  # the lotteries' seeds (injected: replayable tests)
        self.log = derive_signer(secret, LOG)
        self.tree = MerkleTree()
        self._tree_lock = threading.Lock()
        self._writers = threading.Lock()  # acts of this process queue here, not at the database
        self._writer: int | None = None  # the thread holding it

    def pseudonym(self, member_id: int) -> str:
        """The member's public name in the books: stable, unlinkable to the account without the secret."""
        digest = hmac.new(self._secret, f"member:{member_id}".encode(), hashlib.sha256).hexdigest()
        return f"member:{digest[:16]}"

    def salt(self, purpose: str) -> bytes:
        """A secret of 32 bytes for ``purpose`` (HMAC-SHA256 of "salt:" and the purpose under the
        master secret): kept by the server without being stored, as a volunteer's commitment
        to their features needs (app.acts.draw_posts)."""
        return hmac.new(self._secret, f"salt:{purpose}".encode(), hashlib.sha256).digest()

    def lock(self, session: Session) -> tuple[int, dict[str, Any]]:
        """Take the books' lock for this transaction (every act does so first, so concurrent
        acts are numbered in turn and see each other's writes); the size and the head.

        The lock is the database's (a write to the tip row, held until the transaction ends);
        the acts of this process first queue on a lock of the process, held as long, so that
        they are served in turn rather than polling SQLite's busy handler (which sleeps up to
        100 ms between tries, and fails after its timeout). Taken again in the same transaction,
        it costs nothing: the size and head are those this transaction last wrote."""
        held = session.info.get(_HELD)
        if held is not None and held[0] is session.get_transaction():
            return held[1], held[2]
        # a thread already holding it (an act recording apart in a session of its own) does not
        # wait for itself: it meets the database's lock alone, as it would without the queue
        queued = self._writer != threading.get_ident() and self._writers.acquire(timeout=QUEUE_SECONDS)
        if queued:
            self._writer = threading.get_ident()
        try:
            session.execute(_TAKE)
            size, head = session.execute(_TIP).one()
        except BaseException:
            if queued:
                self._let_go()
            raise
        session.info[_HELD] = (session.get_transaction(), size, head, self if queued else None)
        return size, head

    def _let_go(self) -> None:
        """The next act of this process may go."""
        self._writer = None
        self._writers.release()

    def record(self, session: Session, kind: str, actor: str, act: dict[str, Any]) -> Entry:
        """Append the entry of ``actor``'s act (signed with the key held for the actor) inside
        the caller's transaction, after the actor's key when it is new."""
        size, tip = self.lock(session)
        with self._tree_lock:
            self._catch_up(session, size, tip)
            if size == 0:
                self._append(session, "key", LOG, {"holder": LOG, "key": self.log.public_key.hex()})
            if actor != LOG and session.execute(_KEY_OF, {"holder": actor}).first() is None:
                key = derive_signer(self._secret, actor).public_key.hex()
                self._append(session, "key", LOG, {"holder": actor, "key": key})
            entry = self._append(session, kind, actor, act)
            self._publish_tip(session, self.tree.size)
            return entry

    def _append(self, session: Session, kind: str, actor: str, act: dict[str, Any]) -> Entry:
        signer = self.log if actor == LOG else derive_signer(self._secret, actor)
        index = self.tree.size
        entry = sign_entry(index, kind, actor, act, timestamp(self.clock()), signer, actor, actor != LOG)
        leaf_hash = entry.leaf_hash()
        session.execute(_ADD_ENTRY, {"idx": index, "kind": kind, "leaf": entry.leaf_bytes().decode(),
                                     "leaf_hash": leaf_hash})
        if kind == "key":
            session.execute(_ADD_KEY, {"holder": act["holder"], "key": act["key"]})
        self.tree.append(leaf_hash)
        return entry

    def _publish_tip(self, session: Session, size: int) -> None:
        head = sign_head(size, self.tree.root(size), timestamp(self.clock()), self.log)
        published = head.to_json()
        session.flush()
        session.execute(_PUBLISH, {"new_size": size, "new_head": published})
        transaction, _, _, queued = session.info[_HELD]
        session.info[_HELD] = (transaction, size, published, queued)

    def _catch_up(self, session: Session, size: int, tip: dict[str, Any], exact: bool = True) -> None:
        """Make the cached tree hold exactly the ``size`` committed entries (another process
        may have appended, or a rolled-back act left uncommitted leaves in the cache)."""
        if self.tree.size < size:  # another process appended: read only what is new
            self.tree.extend(session.scalars(select(LedgerEntry.leaf_hash).where(
                LedgerEntry.idx >= self.tree.size, LedgerEntry.idx < size).order_by(LedgerEntry.idx)))
        held = self.tree.size >= size
        prefix_committed = held and (size == 0 or tip.get("root") == self.tree.root(size).hex())
        if prefix_committed and (self.tree.size == size or not exact):
            return
        self.tree = MerkleTree(session.scalars(select(LedgerEntry.leaf_hash).where(LedgerEntry.idx < size)
                                               .order_by(LedgerEntry.idx)))

    def head(self, session: Session) -> TreeHead | None:
        """The current signed tree head, published (kept in ``ledger_heads``) on first showing,
        so auditors can co-sign it and anyone holding it can later check consistency."""
        tip = session.scalar(select(LedgerTip.head).where(LedgerTip.id == 1))
        if not tip:
            return None
        head = TreeHead.from_json(tip)
        if session.get(LedgerHead, head.size) is None:
            session.add(LedgerHead(size=head.size, head=head.to_json()))
        return head

    def tree_of(self, session: Session) -> tuple[MerkleTree, int]:
        """The tree of the committed entries (for proofs) and their number: the cached tree may
        hold an act's entries beyond it, not yet committed."""
        size, tip = session.execute(_TIP).one()
        with self._tree_lock:
            self._catch_up(session, size, tip, exact=False)
            return self.tree, size


@event.listens_for(Session, "after_transaction_end")
def _release(session: Session, transaction: SessionTransaction) -> None:
    """When the transaction that took the books' lock ends (committed or rolled back), the next
    act of the process may go."""
    held = session.info.get(_HELD)
    if held is not None and held[0] is transaction:
        del session.info[_HELD]
        if held[3] is not None:
            held[3]._let_go()


def entries(session: Session, start: int = 0, stop: int | None = None) -> Iterator[Entry]:
    """The entries from index ``start`` to ``stop`` (excluded), as stored (for checking)."""
    query = select(LedgerEntry.leaf).where(LedgerEntry.idx >= start).order_by(LedgerEntry.idx)
    if stop is not None:
        query = query.where(LedgerEntry.idx < stop)
    for leaf in session.scalars(query.execution_options(yield_per=10_000)):
        yield Entry.from_json(json.loads(leaf))


def heads(session: Session) -> list[TreeHead]:
    query = select(LedgerHead.head).order_by(LedgerHead.size)
    return [TreeHead.from_json(head) for head in session.scalars(query)]


def record_apart(engine: Engine, books: OpenBooks, kind: str, actor: str, act: dict[str, Any]) -> None:
    """Record an entry in a transaction of its own (a refusal, whose act was not applied)."""
    with Session(engine) as session, session.begin():
        books.record(session, kind, actor, act)


def stored_record(session: Session) -> tuple[list[Entry], Verdict | None]:
    """The entries as stored, or the verdict on the first that cannot be read or whose stored
    leaf hash is not its own (the server builds its proofs from those hashes)."""
    stored = session.execute(select(LedgerEntry.idx, LedgerEntry.leaf, LedgerEntry.leaf_hash)
                             .order_by(LedgerEntry.idx).execution_options(yield_per=10_000))
    read: list[Entry] = []
    for idx, leaf, leaf_hash in stored:
        try:
            entry = Entry.from_json(json.loads(leaf))
        except ValueError as error:
            return read, _broken(idx, f"entry {idx} cannot be read: {error}")
        if entry.leaf_hash() != leaf_hash:
            return read, _broken(idx, f"entry {idx}: its stored leaf hash is not the hash of its content")
        read.append(entry)
    return read, None


def verify_books(session: Session, log_key: str | None = None, held_heads: Sequence[TreeHead] = (),
                 workers: int | None = None, progress: Callable[[float], None] | None = None) -> Verdict:
    """Check the whole record as stored (stored_record, then ledger.verify_record: numbering,
    keys, every signature, every published head and every head ``held_heads`` an auditor kept).
    The log's key is the one given (an auditor's own copy) or else the one entry 0 names."""
    read, broken = stored_record(session)
    if broken is not None:
        return broken
    return verify_entries(read, [*heads(session), *held_heads], log_key, workers, progress)


def verify_entries(read: Sequence[Entry], signed_heads: Sequence[TreeHead], log_key: str | None = None,
                   workers: int | None = None, progress: Callable[[float], None] | None = None) -> Verdict:
    """ledger.verify_record with the log's key taken from entry 0 when none is given."""
    if log_key is None:
        log_key = read[0].act.get("key", "") if read else ""
    return verify_record(read, signed_heads, log_key, workers=workers, progress=progress)


def _broken(index: int, reason: str) -> Verdict:
    return Verdict(ok=False, size=index, root="", first_bad=index, reason=reason, signatures_checked=0,
                   heads_checked=0)
