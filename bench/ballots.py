"""Benchmark: casting ballots through the REST API on SQLite, the whole electorate (issue: at
least 300 ballots/s sustained, none lost).

    python bench/ballots.py [--members 2000] [--clients 20] [--kind shares|election] [--rounds 1]
                            [--quick] [--save figures.json]

The real server is started as a user starts it (``commonplan serve`` on a fresh SQLite file in
a temporary folder, as bench/service_load.py does, whose helpers this reuses). Setup is not
measured and goes through the store, not the API, so that it takes seconds: the members get one
argon2 hash made once (registering through the API hashes every password, a tenth of a second
each), a bearer token each (store.accounts.issue_token), and all join one workplace council
(app.acts found_council and join_council, signed in the open books with the server's secret,
which both sides get from COMMONPLAN_LEDGER_SECRET). Then, through the API, the founder opens a
ballot (shares by default, or an approval election for a post), and ``--clients`` closed-loop
clients, each on one keep-alive connection, cast one vote for every member, as fast as the
server answers; the contents vary from voter to voter.

Printed: ballots cast, failures (any answer but 201, a broken connection, no answer within
``--timeout``), wall time, ballots/s, p50/p99 latency, the CPU the server and the generator
spent per vote. Then a second vote is tried (it must be refused), the ballot is closed and none
must be lost: the ballot's ``voted`` count, the "ballot closed" entry's ``voted`` and the number
of contents in its ``ballots`` all equal the votes answered 201, and GET /ledger/verify is ok.
With ``--rounds R`` the same server runs R ballots in turn (several measurements of one run); the
verdict takes the median round. Exit 1 when a vote was lost or failed, or the target was missed.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from service_load import (  # a sibling script, not a package
    HOST,
    Connection,
    call,
    connect,
    cpu_seconds,
    expect,
    free_port,
    machine,
    percentile,
    start_server,
    stop_server,
    wait_until_answering,
)

TARGET_RATE = 300.0
TICKS = os.sysconf("SC_CLK_TCK")
PASSWORD = "a long bench password"


# --- setup through the store (not measured) ----------------------------------------------------

@dataclass
class Electorate:
    """The members' bearer tokens (the founder first), the council and, for elections, its post."""

    tokens: list[str]
    council_id: int
    office_id: int | None
    candidates: list[str]
    seconds: float


def set_up_electorate(database: Path, members: int, secret: bytes, with_office: bool) -> Electorate:
    """``members`` members with a bearer token each, all in one workplace council, written
    straight into a fresh database (migrated here; the server finds it so)."""
    from argon2 import PasswordHasher
    from sqlalchemy.orm import Session

    from commonplan.app.acts.councils import create_office, found_council, join_council
    from commonplan.store.accounts import issue_token
    from commonplan.store.books import OpenBooks
    from commonplan.store.database import open_database
    from commonplan.store.models import Member

    started = time.perf_counter()
    engine = open_database(f"sqlite:///{database}")
    books = OpenBooks(secret)
    password_hash = PasswordHasher().hash(PASSWORD)  # once: every voter may log in with it
    with Session(engine, expire_on_commit=False) as session, session.begin():
        people = [Member(email=f"voter{number}@bench.example.org", password_hash=password_hash)
                  for number in range(members)]
        session.add_all(people)
        session.flush()
        tokens = [issue_token(session, person) for person in people]
        council = found_council(session, books, people[0], name="Bench workplace", level="workplace",
                                reference_rate=30.0, public_name="founder")
        for person in people[1:]:
            join_council(session, books, person, council.id)
        office_id = None
        if with_office:
            office_id = create_office(session, books, people[0], council.id, title="Bench post",
                                      kind="post").id
        candidates = [books.pseudonym(person.id) for person in people[:5]]
    engine.dispose()
    return Electorate(tokens, council.id, office_id, candidates, time.perf_counter() - started)


def content_of(kind: str, voter: int, candidates: list[str]) -> Any:
    """What voter number ``voter`` votes: shares near 0.6/0.25/0.15, or an approval of 1-3 candidates."""
    if kind == "election":
        return [candidates[(voter + step) % len(candidates)] for step in range(1 + voter % 3)]
    consumption = round(0.6 + 0.01 * (voter % 11 - 5), 2)
    investment = round(0.25 + 0.01 * (voter % 7 - 3), 2)
    return {"consumption": consumption, "investment": investment,
            "public services": round(1 - consumption - investment, 2)}


def open_ballot(port: int, electorate: Electorate, kind: str, round_number: int) -> int:
    """A new ballot of the council, opened by its founder through the API; its number."""
    if kind == "election":
        body = {"kind": "election", "question": f"Who holds the post? (round {round_number})",
                "options": {"candidates": electorate.candidates}, "office": electorate.office_id}
    else:
        body = {"kind": "shares", "question": f"How shall work be shared? (round {round_number})"}
    ballot = expect(*call(port, "POST", f"/councils/{electorate.council_id}/ballots",
                          json.dumps(body).encode(), founder(electorate, json=True)), 201, "open_ballot")
    return int(ballot["id"])


def founder(electorate: Electorate, json: bool = False) -> dict[str, str]:
    headers = {"authorization": f"Bearer {electorate.tokens[0]}"}
    return {**headers, "content-type": "application/json"} if json else headers


def main_thread_cpu(pid: int) -> float:
    """CPU seconds of the server's main thread (its event loop) so far."""
    fields = Path(f"/proc/{pid}/task/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


# --- the votes ---------------------------------------------------------------------------------

@dataclass
class Round:
    """The figures of one ballot cast by the whole electorate."""

    ballot: int
    members: int
    clients: int
    cast: int = 0  # answered 201
    failed: int = 0
    seconds: float = 0.0
    rate: float = 0.0
    p50_ms: float = 0.0
    p99_ms: float = 0.0
    max_ms: float = 0.0
    server_cpu_ms_per_vote: float = 0.0
    generator_cpu_ms_per_vote: float = 0.0
    server_cpu_share: float = 0.0
    event_loop_cpu_ms_per_vote: float = 0.0  # the server's main thread: HTTP, routing, validation
    failures: dict[str, int] | None = None
    second_vote_status: int = 0
    voted: int = -1  # the ballot's count, after closing
    entry_voted: int = -1  # the "ballot closed" entry's count
    entry_contents: int = -1  # contents published in that entry
    verified: bool = False
    verify_seconds: float = 0.0

    @property
    def none_lost(self) -> bool:
        return (self.failed == 0 and self.cast == self.members and self.voted == self.cast
                and self.entry_voted == self.cast and self.entry_contents == self.cast and self.verified
                and self.second_vote_status == 409)


async def cast_all(port: int, ballot: int, kind: str, electorate: Electorate, clients: int,
                   timeout: float, server_pid: int) -> Round:
    """Every member votes once in ``ballot``; ``clients`` connections take the next voter in turn."""
    path = f"/ballots/{ballot}/votes"

    def request(voter: int) -> bytes:
        body = json.dumps({"content": content_of(kind, voter, electorate.candidates)}).encode()
        return (f"POST {path} HTTP/1.1\r\nHost: {HOST}:{port}\r\nAuthorization: Bearer "
                f"{electorate.tokens[voter]}\r\nContent-Type: application/json\r\nAccept: application/json"
                f"\r\nContent-Length: {len(body)}\r\n\r\n").encode() + body

    requests = [request(voter) for voter in range(len(electorate.tokens))]  # made before the clock runs
    voters = iter(range(len(requests)))
    latencies: list[float] = []
    failures: dict[str, int] = {}

    connections = await asyncio.gather(*(connect(port) for _ in range(clients)))
    server_before, generator_before = cpu_seconds(server_pid), time.process_time()
    loop_before = main_thread_cpu(server_pid)
    started = time.perf_counter()

    async def client(connection: Connection) -> None:
        for voter in voters:  # shared: each voter is taken by exactly one client
            sent = time.perf_counter()
            try:
                status = await asyncio.wait_for(connection.ask(requests[voter]), timeout)
            except (OSError, TimeoutError) as error:
                failures[type(error).__name__] = failures.get(type(error).__name__, 0) + 1
                if connection.transport is not None:
                    connection.transport.abort()
                connection = await connect(port)
                continue
            latencies.append(time.perf_counter() - sent)
            if status != 201:
                failures[f"HTTP {status}"] = failures.get(f"HTTP {status}", 0) + 1
        if connection.transport is not None:
            connection.transport.close()

    await asyncio.gather(*(client(connection) for connection in connections))
    elapsed = time.perf_counter() - started
    server_cpu = cpu_seconds(server_pid) - server_before
    loop_cpu = main_thread_cpu(server_pid) - loop_before
    generator_cpu = time.process_time() - generator_before
    failed = sum(failures.values())
    ordered = sorted(latencies)
    cast = len(requests) - failed
    return Round(ballot, len(requests), clients, cast, failed, round(elapsed, 3), round(cast / elapsed, 1),
                 round(1000 * percentile(ordered, 0.50), 2), round(1000 * percentile(ordered, 0.99), 2),
                 round(1000 * percentile(ordered, 1.0), 2),
                 round(1000 * server_cpu / len(requests), 3), round(1000 * generator_cpu / len(requests), 3),
                 round(server_cpu / elapsed, 2), round(1000 * loop_cpu / len(requests), 3), failures)


def close_and_check(port: int, kind: str, electorate: Electorate, figures: Round) -> None:
    """A second vote refused; the ballot closed; its counts and the open books checked."""
    figures.second_vote_status, _ = call(port, "POST", f"/ballots/{figures.ballot}/votes", json.dumps(
        {"content": content_of(kind, 0, electorate.candidates)}).encode(), founder(electorate, json=True))
    expect(*call(port, "POST", f"/ballots/{figures.ballot}/close", headers=founder(electorate)), 200,
           "close_ballot")
    figures.voted = expect(*call(port, "GET", f"/ballots/{figures.ballot}", headers=founder(electorate)),
                           200, "get_ballot")["voted"]
    size = expect(*call(port, "GET", "/ledger/head"), 200, "ledger_head")["size"]
    recent = expect(*call(port, "GET", f"/ledger/entries?start={max(0, size - 20)}&limit=20"), 200,
                    "ledger_entries")
    closed = [entry["act"] for entry in recent
              if entry["kind"] == "ballot closed" and entry["act"]["ballot"] == figures.ballot]
    if closed:
        figures.entry_voted, figures.entry_contents = closed[0]["voted"], len(closed[0]["ballots"])
    started = time.perf_counter()
    verdict = expect(*call(port, "GET", "/ledger/verify"), 200, "ledger_verify")
    figures.verify_seconds = round(time.perf_counter() - started, 2)
    figures.verified = verdict["ok"] is True
    if not figures.verified:
        print(f"  /ledger/verify: {verdict}")


def show(figures: Round, number: int) -> None:
    print(f"\nround {number}: ballot {figures.ballot}, {figures.members:,} members, "
          f"{figures.clients} clients")
    print(f"  ballots cast {figures.cast:,}   failures {figures.failed:,}   wall {figures.seconds:.2f} s   "
          f"{figures.rate:,.1f} ballots/s")
    print(f"  latency p50 {figures.p50_ms:.2f} ms   p99 {figures.p99_ms:.2f} ms   "
          f"max {figures.max_ms:.2f} ms")
    print(f"  CPU per vote: server {figures.server_cpu_ms_per_vote:.3f} ms ({figures.server_cpu_share:.0%} "
          f"of a core; {figures.event_loop_cpu_ms_per_vote:.3f} ms of it in the event loop, the rest in "
          f"worker threads), generator {figures.generator_cpu_ms_per_vote:.3f} ms")
    for reason, count in sorted((figures.failures or {}).items()):
        print(f"    FAILED {count:,} x {reason}")
    print(f"  second vote answered {figures.second_vote_status} (409 expected); after closing: voted "
          f"{figures.voted:,}, the 'ballot closed' entry says voted {figures.entry_voted:,} and publishes "
          f"{figures.entry_contents:,} contents; /ledger/verify "
          f"{'ok' if figures.verified else 'NOT ok'} ({figures.verify_seconds:.2f} s)")
    print(f"  none lost: {'yes' if figures.none_lost else 'NO'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=2000, help="the electorate: one vote each")
    parser.add_argument("--clients", type=int, default=20, help="concurrent clients casting votes")
    parser.add_argument("--kind", choices=("shares", "election"), default="shares",
                        help="a shares ballot or an approval election for a post")
    parser.add_argument("--rounds", type=int, default=1, help="ballots cast in turn on the same server")
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds before a vote is lost")
    parser.add_argument("--quick", action="store_true", help="300 members")
    parser.add_argument("--save", type=Path, help="write the figures as JSON here")
    options = parser.parse_args()
    if options.quick:
        options.members = 300
    if options.members < 5 or options.clients < 1 or options.rounds < 1:
        parser.error("at least 5 members, 1 client and 1 round")
    secret_hex = os.environ.setdefault("COMMONPLAN_LEDGER_SECRET", os.urandom(32).hex())

    context = machine()
    rounds: list[Round] = []
    with tempfile.TemporaryDirectory(prefix="commonplan-ballots-") as name:
        folder = Path(name)
        electorate = set_up_electorate(folder / "bench.db", options.members, bytes.fromhex(secret_hex),
                                       options.kind == "election")
        port = free_port()
        server = start_server(folder, port)  # the server inherits COMMONPLAN_LEDGER_SECRET
        try:
            start_up = wait_until_answering(port, server)
            print(f"setup through the store: {options.members:,} members with tokens in council "
                  f"{electorate.council_id}, {electorate.seconds:.1f} s; server answering after "
                  f"{start_up:.1f} s on port {port}")
            for number in range(1, options.rounds + 1):
                ballot = open_ballot(port, electorate, options.kind, number)
                figures = asyncio.run(cast_all(port, ballot, options.kind, electorate, options.clients,
                                               options.timeout, server.pid))
                close_and_check(port, options.kind, electorate, figures)
                rounds.append(figures)
                show(figures, number)
            alive = server.poll() is None
        except BaseException:
            print("the server's log ends:\n" + (folder / "server.log").read_text()[-4000:], file=sys.stderr)
            raise
        finally:
            stop_server(server)
    context["load_average_after"] = [round(value, 2) for value in os.getloadavg()]
    print(f"\ncommit {context['commit']}, {context['cpus']} CPUs, Python {context['python']}, "
          f"load average before the run {context['load_average']}, after {context['load_average_after']}")
    print("  " + ", ".join(f"{name} {value}" for name, value in context["libraries"].items()))
    rates = [figures.rate for figures in rounds]
    median = statistics.median(rates)
    if len(rates) > 1:
        print(f"ballots/s over {len(rates)} rounds: best {max(rates):,.1f}, median {median:,.1f}, "
              f"worst {min(rates):,.1f}")
    lost = not all(figures.none_lost for figures in rounds)
    met = median >= TARGET_RATE and not lost and alive
    print(f"target >= {TARGET_RATE:.0f} ballots/s sustained, none lost: {'PASS' if met else 'FAIL'} "
          f"({median:,.1f} ballots/s{', a vote lost or failed' if lost else ''}"
          f"{', the server died' if not alive else ''})")
    if options.save:
        options.save.write_text(json.dumps({"machine": context, "options": {
            key: str(value) for key, value in vars(options).items()}, "rounds": [
            {**asdict(figures), "none_lost": figures.none_lost} for figures in rounds]}, indent=2))
    sys.exit(0 if met else 1)


if __name__ == "__main__":
    main()
