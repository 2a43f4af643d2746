"""Benchmark: a city-sized electorate imported from a roll in one go (issue 18: 10^5 members,
with one-time invitations, not one password hash per member at import).

    python bench/roll.py [--members 100000] [--postgres URL]

Writes a roll of ``--members`` addresses, imports it with ``commonplan roll`` as the operator
would (a fresh SQLite file, or a fresh schema of the PostgreSQL database at ``--postgres``,
dropped after), and prints the wall time and peak memory of the command beside what hashing one
argon2 password per member would have cost (20 hashes timed, scaled): the floor the invitations
avoid. Exit 1 when the invitations file does not hold one distinct invitation per member."""

from __future__ import annotations

import argparse
import csv
import os
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from argon2 import PasswordHasher

COMMONPLAN = Path(sys.executable).parent / "commonplan"


def psql(postgres: str, command: str) -> None:
    subprocess.run(["psql", postgres.replace("+psycopg", ""), "-qc", command], check=True,
                   env={**os.environ, "PGOPTIONS": "-c client_min_messages=warning"})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--postgres", help="a PostgreSQL URL: import into a fresh schema of it")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="commonplan-roll-") as name:
        folder = Path(name)
        roll = folder / "city.csv"
        roll.write_text("email\n" + "".join(f"member{n}@city.example\n" for n in range(options.members)))
        schema = f"bench_{uuid.uuid4().hex}"
        database = f"sqlite:///{folder / 'city.db'}"
        if options.postgres:
            database = f"{options.postgres}?options=-csearch_path%3D{schema}"
            psql(options.postgres, f'CREATE SCHEMA "{schema}"')
        try:
            started = time.perf_counter()
            subprocess.run([str(COMMONPLAN), "roll", str(roll), "--out", str(folder / "invitations.csv"),
                            "--database", database], check=True, env=os.environ.copy())
            wall = time.perf_counter() - started
            peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
            invitations = {row["invitation"] for row in csv.DictReader((folder / "invitations.csv").open())}
        finally:
            if options.postgres:
                psql(options.postgres, f'DROP SCHEMA "{schema}" CASCADE')
    hasher, timed = PasswordHasher(), 20
    began = time.perf_counter()
    for n in range(timed):
        hasher.hash(f"password number {n}")
    hashing = (time.perf_counter() - began) / timed * options.members
    print(f"{options.members:,} members imported into {'PostgreSQL' if options.postgres else 'SQLite'} "
          f"in {wall:.1f} s (whole command), peak {peak:,.0f} MiB; one argon2 hash per member would take "
          f"{hashing:,.0f} s on one core: {hashing / wall:,.0f} times longer")
    print(f"load average {os.getloadavg()[0]:.2f}, {os.cpu_count()} CPUs")
    sys.exit(0 if len(invitations) == options.members else 1)


if __name__ == "__main__":
    main()
