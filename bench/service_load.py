"""Benchmark: the REST API under load on loopback (issue 5), on SQLite; or with several server
processes on PostgreSQL (issue 18).

    python bench/service_load.py [--clients 50] [--seconds 60] [--throughput-clients 10]
                                 [--throughput-seconds 20] [--products 100] [--quick]
                                 [--workers N --postgres URL] [--save figures.json]

The real server is started as a user starts it (``commonplan serve --database sqlite:///...``,
one BLAS thread) in a temporary folder; with ``--workers N``, ``commonplan serve --workers N``
on a fresh schema of the PostgreSQL database at ``--postgres`` (dropped afterwards), the
server's CPU summed over its processes. Target then (issue 18): at least 1,000 requests/s at p99
at most 50 ms with 2 processes.  Through the API a member registers, logs in (a bearer
token), uploads a bundle made by ``commonplan generate`` and zipped, and runs a ``values`` job to
its end.  Then a load generator drives the read endpoints in turn: GET /economies/{id},
/jobs/{id}, /jobs/{id}/result, and GET /economies and GET /jobs when the server's OpenAPI schema
has them.  Two phases: (a) throughput, a few clients as fast as the server answers; (b) many
concurrent clients (50) for a minute.  Each client keeps one HTTP/1.1 keep-alive connection and
sends its next request when the answer has come (closed loop).

The generator is a small asyncio protocol writing prepared requests and parsing only the status
line and Content-Length: an HTTP library would spend the CPU the server needs on this 2-core
machine.  What each side costs is printed (CPU seconds per request, from /proc and
``time.process_time``).  A request fails when the answer is not 2xx, the connection breaks or no
answer comes within ``--timeout`` seconds; the script exits 1 when any request failed.
Targets: (a) at least 500 requests/s with p99 at most 50 ms; (b) no request lost or failed.
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import io
import json
import os
import platform
import socket
import subprocess
import sys
import tempfile
import time
import uuid
import zipfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
COMMONPLAN = Path(sys.executable).parent / "commonplan"
HOST = "127.0.0.1"
TICKS = os.sysconf("SC_CLK_TCK")
TARGET_RATE, TARGET_P99_MS = 500.0, 50.0
TARGET_RATE_PROCESSES = 1000.0  # with 2 server processes on PostgreSQL (issue 18)


# --- the server --------------------------------------------------------------------------------

def free_port() -> int:
    """A TCP port nobody listens on now (the kernel's choice)."""
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def start_server(folder: Path, port: int, database: str, workers: int) -> subprocess.Popen[bytes]:
    """``commonplan serve`` on ``database`` with ``workers`` processes, its log in ``folder/server.log``."""
    environment = {**os.environ, "OPENBLAS_NUM_THREADS": "1"}
    log = (folder / "server.log").open("wb")
    return subprocess.Popen([str(COMMONPLAN), "serve", "--database", database, "--workers", str(workers),
                             "--port", str(port)], env=environment, stdout=log,
                            stderr=subprocess.STDOUT, cwd=folder)


@contextmanager
def fresh_schema(postgres: str) -> Iterator[str]:
    """A new schema of the PostgreSQL database at ``postgres`` (dropped after): its URL."""
    from sqlalchemy import create_engine, text

    schema, admin = f"bench_{uuid.uuid4().hex}", create_engine(postgres)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield f"{postgres}?options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def stop_server(server: subprocess.Popen[bytes]) -> None:
    """Stop the server (killed when it does not stop within 10 s)."""
    server.terminate()
    try:
        server.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


def wait_until_answering(port: int, server: subprocess.Popen[bytes], limit: float = 60.0) -> float:
    """Seconds until GET /openapi.json answers 200; fails when the server dies or is too slow."""
    started = time.perf_counter()
    while time.perf_counter() - started < limit:
        if server.poll() is not None:
            raise SystemExit(f"the server stopped with code {server.returncode}")
        try:
            status, _ = call(port, "GET", "/openapi.json")
            if status == 200:
                return time.perf_counter() - started
        except OSError:
            pass
        time.sleep(0.1)
    raise SystemExit(f"the server did not answer within {limit:.0f} s")


def cpu_seconds(pid: int) -> float:
    """User and system CPU time of process ``pid``, its threads and its live descendants so far
    (the server processes of ``serve --workers``)."""
    parents: dict[int, int] = {}
    times: dict[int, float] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # ended meanwhile
        process = int(stat.parent.name)
        parents[process] = int(fields[1])
        times[process] = (int(fields[11]) + int(fields[12])) / TICKS
    tree, grew = {pid}, True
    while grew:
        below = {process for process, parent in parents.items() if parent in tree} - tree
        tree |= below
        grew = bool(below)
    return sum(times.get(process, 0.0) for process in tree)


# --- setting up data through the API ----------------------------------------------------------

def call(port: int, method: str, path: str, body: bytes | None = None,
         headers: dict[str, str] | None = None) -> tuple[int, Any]:
    """One request on a new connection: the status and the decoded JSON answer (or None)."""
    connection = http.client.HTTPConnection(HOST, port, timeout=120)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        answer = connection.getresponse()
        content = answer.read()
        try:
            return answer.status, json.loads(content) if content else None
        except ValueError:
            return answer.status, None
    finally:
        connection.close()


def expect(status: int, answer: Any, wanted: int, what: str) -> Any:
    """The answer, when its status is the one wanted; otherwise stop the benchmark, saying why."""
    if status != wanted:
        raise SystemExit(f"{what}: expected {wanted}, got {status}: {answer}")
    return answer


def zipped_bundle(folder: Path, products: int) -> bytes:
    """A synthetic economy from ``commonplan generate``, its files zipped at the top level."""
    bundle = folder / "economy"
    subprocess.run([str(COMMONPLAN), "generate", "--products", str(products), "--out", str(bundle)],
                   check=True, capture_output=True, env={**os.environ, "OPENBLAS_NUM_THREADS": "1"})
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(bundle.iterdir()):
            archive.write(path, path.name)
    return buffer.getvalue()


def multipart(fields: dict[str, str], files: dict[str, tuple[str, bytes]]) -> tuple[bytes, str]:
    """A multipart/form-data body and its content type."""
    boundary = uuid.uuid4().hex
    parts: list[bytes] = []
    for name, value in fields.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
                     f"{value}\r\n".encode())
    for name, (filename, content) in files.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
                     f'filename="{filename}"\r\nContent-Type: application/zip\r\n\r\n'.encode()
                     + content + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


@dataclass
class Setup:
    """What the load phases read: the token, the economy and the finished job."""

    token: str
    economy_id: int
    job_id: int
    result_bytes: int
    job_seconds: float
    read_paths: list[str]


def set_up(port: int, bundle: bytes) -> Setup:
    """Register, log in, upload the economy, run a values job to its end, all through the API."""
    credentials = json.dumps({"email": "bench@example.org", "password": "a long bench password"}).encode()
    as_json = {"content-type": "application/json"}
    expect(*call(port, "POST", "/members", credentials, as_json), 201, "register_member")
    token = expect(*call(port, "POST", "/tokens", credentials, as_json), 201, "log_in")["token"]
    bearer = {"authorization": f"Bearer {token}"}
    body, content_type = multipart({"name": "bench"}, {"bundle": ("bench.zip", bundle)})
    economy = expect(*call(port, "POST", "/economies", body, {**bearer, "content-type": content_type}),
                     201, "upload_economy")
    started = time.perf_counter()
    job = expect(*call(port, "POST", f"/economies/{economy['id']}/jobs",
                       json.dumps({"kind": "values"}).encode(), {**bearer, **as_json}), 202, "start_job")
    while job["state"] in ("queued", "running"):
        if time.perf_counter() - started > 300:
            raise SystemExit(f"the values job did not finish in 300 s: {job}")
        time.sleep(0.05)
        job = expect(*call(port, "GET", f"/jobs/{job['id']}", headers=bearer), 200, "get_job")
    if job["state"] != "done":
        raise SystemExit(f"the values job failed: {job}")
    job_seconds = time.perf_counter() - started
    result = json.dumps(expect(*call(port, "GET", f"/jobs/{job['id']}/result", headers=bearer),
                               200, "get_job_result"))
    paths = [f"/economies/{economy['id']}", f"/jobs/{job['id']}", f"/jobs/{job['id']}/result"]
    schema = expect(*call(port, "GET", "/openapi.json"), 200, "openapi")
    paths += [listing for listing in ("/economies", "/jobs") if "get" in schema["paths"].get(listing, {})]
    return Setup(token, economy["id"], job["id"], len(result), job_seconds, paths)


# --- the load generator ------------------------------------------------------------------------

class Connection(asyncio.Protocol):
    """One keep-alive HTTP/1.1 connection: send a prepared request, await its status.

    Only the status line and Content-Length are parsed: the generator must cost the server's
    machine as little CPU as it can."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.buffer = bytearray()
        self.waiting: asyncio.Future[int] | None = None
        self.lost: Exception | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        end = self.buffer.find(b"\r\n\r\n")
        if end < 0 or self.waiting is None:
            return
        head = bytes(self.buffer[:end]).lower()
        start = head.find(b"\r\ncontent-length:")
        if start < 0:
            self._finish(error=ConnectionError("an answer without Content-Length"))
            return
        stop = head.find(b"\r\n", start + 2)
        length = int(head[start + 17: stop if stop >= 0 else len(head)])
        if len(self.buffer) < end + 4 + length:
            return
        status = int(head[9:12])
        del self.buffer[:end + 4 + length]
        self._finish(status=status)

    def connection_lost(self, exc: Exception | None) -> None:
        self.lost = exc or ConnectionError("the server closed the connection")
        self._finish(error=self.lost)

    def _finish(self, status: int = 0, error: Exception | None = None) -> None:
        waiting, self.waiting = self.waiting, None
        if waiting is not None and not waiting.done():
            if error is None:
                waiting.set_result(status)
            else:
                waiting.set_exception(error)

    async def ask(self, request: bytes) -> int:
        """Send ``request`` and return the answer's status code."""
        if self.lost is not None or self.transport is None:
            raise ConnectionError("the connection is closed")
        self.waiting = asyncio.get_running_loop().create_future()
        self.transport.write(request)
        return await self.waiting


async def connect(port: int) -> Connection:
    """A new keep-alive connection to the server on ``port``."""
    _, connection = await asyncio.get_running_loop().create_connection(Connection, HOST, port)
    return connection


@dataclass
class Phase:
    """The figures of one load phase."""

    name: str
    clients: int
    seconds: float
    requests: int = 0
    failed: int = 0
    rate: float = 0.0
    p50_ms: float = 0.0
    p95_ms: float = 0.0
    p99_ms: float = 0.0
    max_ms: float = 0.0
    server_cpu_ms_per_request: float = 0.0
    generator_cpu_ms_per_request: float = 0.0
    server_cpu_share: float = 0.0
    generator_cpu_share: float = 0.0
    by_path: dict[str, dict[str, float]] = field(default_factory=dict)
    failures: dict[str, int] = field(default_factory=dict)


def percentile(ordered: list[float], share: float) -> float:
    """The nearest-rank percentile of sorted values (0 when there are none)."""
    if not ordered:
        return 0.0
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


async def drive(port: int, setup: Setup, clients: int, seconds: float, timeout: float,
                server_pid: int, name: str) -> Phase:
    """``clients`` closed-loop clients on the read endpoints for ``seconds``; their figures."""
    requests = [(path, f"GET {path} HTTP/1.1\r\nHost: {HOST}:{port}\r\nAuthorization: Bearer "
                       f"{setup.token}\r\nAccept: application/json\r\n\r\n".encode())
                for path in setup.read_paths]
    latencies: dict[str, list[float]] = {path: [] for path in setup.read_paths}
    failures: dict[str, int] = {}

    connections = await asyncio.gather(*(connect(port) for _ in range(clients)))
    server_before, generator_before = cpu_seconds(server_pid), time.process_time()
    started = time.perf_counter()
    deadline = started + seconds

    async def client(number: int, connection: Connection) -> None:
        turn = number
        while time.perf_counter() < deadline:
            path, request = requests[turn % len(requests)]
            turn += 1
            sent = time.perf_counter()
            try:
                status = await asyncio.wait_for(connection.ask(request), timeout)
            except (OSError, TimeoutError) as error:
                reason = f"{path}: {type(error).__name__}"
                failures[reason] = failures.get(reason, 0) + 1
                if connection.transport is not None:
                    connection.transport.abort()
                try:
                    connection = await connect(port)
                except OSError:
                    await asyncio.sleep(0.1)
                continue
            latencies[path].append(time.perf_counter() - sent)
            if not 200 <= status < 300:
                reason = f"{path}: HTTP {status}"
                failures[reason] = failures.get(reason, 0) + 1
        if connection.transport is not None:
            connection.transport.close()

    await asyncio.gather(*(client(number, connection) for number, connection in enumerate(connections)))
    elapsed = time.perf_counter() - started
    server_cpu = cpu_seconds(server_pid) - server_before
    generator_cpu = time.process_time() - generator_before
    every = sorted(value for values in latencies.values() for value in values)
    failed = sum(failures.values())
    answered = len(every)
    total = answered + sum(count for reason, count in failures.items() if "HTTP" not in reason)
    phase = Phase(name, clients, round(elapsed, 2), total, failed, round(total / elapsed, 1),
                  *(round(1000 * percentile(every, share), 2) for share in (0.50, 0.95, 0.99, 1.0)))
    phase.server_cpu_ms_per_request = round(1000 * server_cpu / max(total, 1), 3)
    phase.generator_cpu_ms_per_request = round(1000 * generator_cpu / max(total, 1), 3)
    phase.server_cpu_share = round(server_cpu / elapsed, 2)
    phase.generator_cpu_share = round(generator_cpu / elapsed, 2)
    for path, values in latencies.items():
        ordered = sorted(values)
        phase.by_path[path] = {"requests": len(ordered), "p50_ms": round(1000 * percentile(ordered, 0.5), 2),
                               "p99_ms": round(1000 * percentile(ordered, 0.99), 2)}
    phase.failures = failures
    return phase


# --- the report --------------------------------------------------------------------------------

def during_plan(port: int, setup: Setup, folder: Path, options: argparse.Namespace,
                server_pid: int) -> Phase:
    """Phase (c): reads while an exact plan of a large generated economy runs."""
    bearer = {"authorization": f"Bearer {setup.token}"}
    body, content_type = multipart({"name": "large"}, {"bundle": ("large.zip", zipped_bundle(
        folder / "large", options.during_plan))})
    economy = expect(*call(port, "POST", "/economies", body, {**bearer, "content-type": content_type}),
                     201, "upload_economy")
    plan = json.dumps({"kind": "plan"}).encode()
    job = expect(*call(port, "POST", f"/economies/{economy['id']}/jobs", plan,
                       {**bearer, "content-type": "application/json"}), 202, "start_job")
    while job["state"] == "queued":
        time.sleep(0.1)
        job = expect(*call(port, "GET", f"/jobs/{job['id']}", headers=bearer), 200, "get_job")
    phase = asyncio.run(drive(port, setup, 10, 15.0, options.timeout, server_pid,
                              f"(c) during a plan of {options.during_plan:,} products"))
    still = expect(*call(port, "GET", f"/jobs/{job['id']}", headers=bearer), 200, "get_job")
    print(f"the plan was {still['state']} at the end of phase (c): {still['message']}")
    return phase


def machine() -> dict[str, Any]:
    """What the figures were measured on."""
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                                text=True, check=True).stdout.strip()
        if subprocess.run(["git", "diff", "--quiet", "HEAD", "--", "src"], cwd=ROOT).returncode:
            commit += " with uncommitted changes in src/"
    except (OSError, subprocess.CalledProcessError):
        commit = "unknown"
    from importlib.metadata import version

    libraries = {name: version(name) for name in ("fastapi", "starlette", "uvicorn", "sqlalchemy",
                                                  "pydantic")}
    for optional in ("uvloop", "httptools"):
        try:
            libraries[optional] = version(optional)
        except Exception:
            libraries[optional] = "not installed"
    return {"commit": commit, "cpus": os.cpu_count(), "python": platform.python_version(),
            "load_average": [round(value, 2) for value in os.getloadavg()], "libraries": libraries}


def show(phase: Phase) -> None:
    """Print one phase's figures, per endpoint too, and every kind of failure."""
    print(f"\n{phase.name}: {phase.clients} clients, {phase.seconds:.1f} s")
    print(f"  requests {phase.requests:,}   failed {phase.failed:,}   {phase.rate:,.1f} requests/s")
    print(f"  latency p50 {phase.p50_ms:.2f} ms   p95 {phase.p95_ms:.2f} ms   p99 {phase.p99_ms:.2f} ms"
          f"   max {phase.max_ms:.2f} ms")
    print(f"  CPU per request: server {phase.server_cpu_ms_per_request:.3f} ms "
          f"({phase.server_cpu_share:.0%} of a core), generator {phase.generator_cpu_ms_per_request:.3f} ms "
          f"({phase.generator_cpu_share:.0%} of a core)")
    for path, figures in phase.by_path.items():
        print(f"    {path:<24} {figures['requests']:>8,} requests   p50 {figures['p50_ms']:6.2f} ms"
              f"   p99 {figures['p99_ms']:6.2f} ms")
    for reason, count in sorted(phase.failures.items()):
        print(f"    FAILED {count:,} x {reason}")


def main() -> None:
    """Set up the server and its data, run the phases, print the figures; exit 1 on a failure."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=50, help="concurrent clients of phase (b)")
    parser.add_argument("--seconds", type=float, default=60.0, help="length of phase (b)")
    parser.add_argument("--throughput-clients", type=int, default=10, help="clients of phase (a)")
    parser.add_argument("--throughput-seconds", type=float, default=20.0, help="length of phase (a)")
    parser.add_argument("--warm-up", type=float, default=3.0, help="seconds of load not counted")
    parser.add_argument("--products", type=int, default=100, help="products of the uploaded economy")
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds before a request is lost")
    parser.add_argument("--quick", action="store_true", help="a short smoke run (5 s + 5 s)")
    parser.add_argument("--save", type=Path, help="write the figures as JSON here")
    parser.add_argument("--workers", type=int, default=1, help="server processes (more than 1: --postgres)")
    parser.add_argument("--postgres", help="a PostgreSQL URL: the server on a fresh schema of it")
    parser.add_argument("--during-plan", type=int, metavar="PRODUCTS",
                        help="then (c): 10 clients for 15 s while an exact plan of a generated "
                             "economy of PRODUCTS products runs (jobs run in a process of their own)")
    options = parser.parse_args()
    if options.quick:
        options.seconds, options.throughput_seconds, options.warm_up = 5.0, 5.0, 1.0

    if options.workers > 1 and not options.postgres:
        parser.error("--workers above 1 needs --postgres URL")
    target_rate = TARGET_RATE_PROCESSES if options.workers > 1 else TARGET_RATE
    context = {**machine(), "workers": options.workers,
               "database": "postgresql" if options.postgres else "sqlite"}
    with ExitStack() as stack:
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="commonplan-load-")))
        database = (stack.enter_context(fresh_schema(options.postgres)) if options.postgres
                    else f"sqlite:///{folder}/bench.db")
        bundle = zipped_bundle(folder, options.products)
        port = free_port()
        server = start_server(folder, port, database, options.workers)
        try:
            start_up = wait_until_answering(port, server)
            setup = set_up(port, bundle)
            print(f"server answering after {start_up:.1f} s on port {port}; economy {setup.economy_id} "
                  f"({options.products} products, zip {len(bundle):,} bytes); values job done in "
                  f"{setup.job_seconds:.2f} s, result {setup.result_bytes:,} bytes")
            print(f"read endpoints: {', '.join(setup.read_paths)}")
            asyncio.run(drive(port, setup, options.throughput_clients, options.warm_up,
                              options.timeout, server.pid, "warm-up"))
            phases = [asyncio.run(drive(port, setup, options.throughput_clients,
                                        options.throughput_seconds, options.timeout, server.pid,
                                        "(a) throughput")),
                      asyncio.run(drive(port, setup, options.clients, options.seconds, options.timeout,
                                        server.pid, "(b) concurrent clients"))]
            if options.during_plan:
                phases.append(during_plan(port, setup, folder, options, server.pid))
            alive = server.poll() is None
        finally:
            stop_server(server)
    context["load_average_after"] = [round(value, 2) for value in os.getloadavg()]
    print(f"\ncommit {context['commit']}, {context['cpus']} CPUs, Python {context['python']}, "
          f"{context['workers']} server process(es) on {context['database']}, "
          f"load average before the run {context['load_average']}, after {context['load_average_after']}")
    print("  " + ", ".join(f"{name} {value}" for name, value in context["libraries"].items()))
    for phase in phases:
        show(phase)
    throughput, concurrent = phases[:2]
    rate_met = throughput.rate >= target_rate and throughput.p99_ms <= TARGET_P99_MS
    lost = sum(phase.failed for phase in phases)
    print(f"\ntarget (a) >= {target_rate:.0f} requests/s with p99 <= {TARGET_P99_MS:.0f} ms: "
          f"{'met' if rate_met else 'MISSED'} ({throughput.rate:,.1f}/s, p99 {throughput.p99_ms:.2f} ms)")
    print(f"target (b) {concurrent.clients} clients for {concurrent.seconds:.0f} s, none lost or failed: "
          f"{'met' if concurrent.failed == 0 else 'MISSED'} ({concurrent.failed} failed)")
    if not alive:
        print("the server died during the run")
    if options.save:
        options.save.write_text(json.dumps({"machine": context, "setup": {
            "products": options.products, "bundle_bytes": len(bundle), "result_bytes": setup.result_bytes,
            "read_paths": setup.read_paths}, "phases": [asdict(phase) for phase in phases]}, indent=2))
    sys.exit(1 if lost or not alive else 0)


if __name__ == "__main__":
    main()
