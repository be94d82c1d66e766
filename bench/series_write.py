"""How fast the core series writer stores points, next to a raw driver executemany.

Writes N points in batches through the core series writer (one unit of work per batch, as a
request would): by default ``write_points_sync`` in ``Database.run_in_transaction``, the path
bulk ingestion uses (on SQLite one worker-thread hop per transaction); with
``--unit-of-work async``, ``write_points`` in an ``AsyncSession``. Then the same rows with a bare ``executemany`` of the
driver (stdlib sqlite3; asyncpg for PostgreSQL) into the same table of the same database,
emptied in between, and prints points/s for both and their ratio. Target: on SQLite with
batches of 1,000 the core writer keeps at least 60% of the raw rate.

Both writers get the same (series, ts, value) triples and make their own input from them
(Points for the core writer, 4-tuples for the driver); the rates count the time spent writing,
and a second line adds the time spent making that input.

Points are made one batch at a time, so memory must stay flat however large N is; the
resident set size is printed at a few moments of each run to show it: anonymous memory (the
process's own, which a leak would grow), the part of it that is SQLite's heap (its page cache,
which fills up to the bound PRAGMA cache_size sets as the file grows), and file-backed pages
(code and mapped files).

    python bench/series_write.py                          # SQLite, 1,000,000 points
    python bench/series_write.py -n 200000 --no-sqlite \\
        --postgres-url postgresql://postgres@127.0.0.1:5432/test
"""

from __future__ import annotations

import argparse
import asyncio
import ctypes
import ctypes.util
import platform
import resource
import shutil
import sqlite3
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import asyncpg

from homecloud.core import migrations
from homecloud.core.database import SQLITE_PRAGMAS, Database
from homecloud.core.devices import DeviceRegistry
from homecloud.core.series import Point, ensure_series, write_points, write_points_sync
from homecloud.core.users import create_user

TARGET_RATIO = 0.60
START_TS_MS = 1_767_225_600_000  # 2026-01-01T00:00Z
STEP_MS = 1_000  # each series gets a point every second

# The raw baseline stores the very same rows with the plainest statement a driver takes.
RAW_INSERT_SQLITE = "INSERT INTO series_points (series_id, ts, num, doc) VALUES (?, ?, ?, ?)"
RAW_INSERT_POSTGRES = "INSERT INTO series_points (series_id, ts, num, doc) VALUES ($1, $2, $3, $4)"

Triple = tuple[int, int, float]
RawRow = tuple[int, int, float, None]
Batch = TypeVar("Batch")


def _sqlite_memory_used() -> Callable[[], int] | None:
    """SQLite's own heap (its page caches, mostly), read from the library the sqlite3
    module loaded, so that it can be told apart from the process's other memory."""
    name = ctypes.util.find_library("sqlite3")
    if name is None:
        return None
    try:
        function = ctypes.CDLL(name).sqlite3_memory_used
    except (OSError, AttributeError):
        return None
    function.restype = ctypes.c_int64
    function.argtypes = []
    return lambda: int(function())


SQLITE_MEMORY_USED = _sqlite_memory_used()


@dataclass(frozen=True)
class Memory:
    """Resident memory in MiB: anonymous (the process's own, which a leak would grow),
    of which SQLite's heap, and file-backed pages (code and mapped files)."""

    anonymous: float
    sqlite: float
    file_backed: float

    @classmethod
    def now(cls) -> Memory:
        sqlite = SQLITE_MEMORY_USED() / 2**20 if SQLITE_MEMORY_USED else 0.0
        try:
            with open("/proc/self/status") as status:
                fields = dict(line.split(":", 1) for line in status)
            return cls(
                anonymous=int(fields["RssAnon"].split()[0]) / 1024,
                sqlite=sqlite,
                file_backed=int(fields["RssFile"].split()[0]) / 1024,
            )
        except (OSError, KeyError):  # no /proc: the peak RSS is all there is
            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            peak_mib = peak / 2**20 if sys.platform == "darwin" else peak / 2**10
            return cls(anonymous=peak_mib, sqlite=sqlite, file_backed=0.0)

    @property
    def besides_sqlite(self) -> float:
        return self.anonymous - self.sqlite


def batches(n: int, batch_size: int, series_ids: list[int]) -> Iterator[list[Triple]]:
    """N points round-robin over the series, each series moving forward in time."""
    count = len(series_ids)
    for first in range(0, n, batch_size):
        batch: list[Triple] = []
        for index in range(first, min(first + batch_size, n)):
            step, which = divmod(index, count)
            batch.append(
                (series_ids[which], START_TS_MS + step * STEP_MS, 20.0 + (index % 1000) / 100)
            )
        yield batch


@dataclass
class Run:
    """One writer's pass: seconds spent writing, seconds spent making the writer's input
    from the triples, and memory samples as (points written so far, memory)."""

    name: str
    points: int = 0
    seconds: float = 0.0
    making_seconds: float = 0.0
    memory: list[tuple[int, Memory]] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return self.points / self.seconds if self.seconds else 0.0

    @property
    def rate_with_making(self) -> float:
        total = self.seconds + self.making_seconds
        return self.points / total if total else 0.0


async def timed_run(
    name: str,
    args: argparse.Namespace,
    series_ids: list[int],
    make: Callable[[list[Triple]], Batch],
    write: Callable[[Batch], Awaitable[None]],
) -> Run:
    run = Run(name)
    total_batches = -(-args.points // args.batch_size)
    sample_at = {round(total_batches * k / args.samples) for k in range(args.samples + 1)}
    run.memory.append((0, Memory.now()))
    for number, triples in enumerate(batches(args.points, args.batch_size, series_ids), 1):
        started = time.perf_counter()
        batch = make(triples)
        made = time.perf_counter()
        await write(batch)
        run.seconds += time.perf_counter() - made
        run.making_seconds += made - started
        run.points += len(triples)
        if number in sample_at:
            run.memory.append((run.points, Memory.now()))
    return run


async def prepare(database: Database, series_count: int) -> list[int]:
    """A user, a meter and its series, as the points' foreign keys need."""
    await migrations.upgrade(database)
    async with database.session(write=True) as session:
        user = await create_user(session, "bench@example.com", "bench-password")
        device = await DeviceRegistry(session, user.id).add("smartme", "meter", "BENCH-1")
        return [
            (await ensure_series(session, device.id, f"power-{k}", unit="W")).id
            for k in range(series_count)
        ]


def make_points(triples: list[Triple]) -> list[Point]:
    return [Point(series_id, ts, value) for series_id, ts, value in triples]


def make_rows(triples: list[Triple]) -> list[RawRow]:
    return [(series_id, ts, value, None) for series_id, ts, value in triples]


def core_writer(database: Database, unit_of_work: str) -> Callable[[list[Point]], Awaitable[None]]:
    """One unit of work per batch, as a request that uploads points would do."""

    async def write_async(points: list[Point]) -> None:
        async with database.session(write=True) as session:
            await write_points(session, points)

    async def write_in_thread(points: list[Point]) -> None:
        await database.run_in_transaction(lambda session: write_points_sync(session, points))

    return write_in_thread if unit_of_work == "thread" else write_async


# --- SQLite ---


def sqlite_reset(path: Path) -> None:
    """Empties the points table and gives the file back, so both writers start alike."""
    connection = sqlite3.connect(path, isolation_level=None)
    try:
        connection.execute("DELETE FROM series_points")
        connection.execute("VACUUM")
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        connection.close()


def sqlite_count(path: Path) -> int:
    connection = sqlite3.connect(path)
    try:
        return int(connection.execute("SELECT count(*) FROM series_points").fetchone()[0])
    finally:
        connection.close()


Passes = tuple[list[Run], list[Run]]


async def bench_sqlite(args: argparse.Namespace) -> Passes:
    own_dir = args.data_dir is None
    data_dir = Path(tempfile.mkdtemp(prefix="homecloud-bench-")) if own_dir else args.data_dir
    path = data_dir / "bench.db"
    if path.exists():
        raise SystemExit(f"{path} exists already; name an empty --data-dir")
    print(f"\nSQLite {sqlite3.sqlite_version} at {path}; core unit of work: {args.unit_of_work}")
    database = Database(f"sqlite+aiosqlite:///{path}")
    connection = sqlite3.connect(path, isolation_level=None)
    try:
        series_ids = await prepare(database, args.series)
        for pragma in SQLITE_PRAGMAS:
            connection.execute(pragma)

        async def raw_write(rows: list[RawRow]) -> None:
            connection.execute("BEGIN IMMEDIATE")
            connection.executemany(RAW_INSERT_SQLITE, rows)
            connection.execute("COMMIT")

        cores: list[Run] = []
        raws: list[Run] = []
        for _ in range(args.rounds):
            sqlite_reset(path)
            cores.append(
                await timed_run(
                    "core", args, series_ids, make_points, core_writer(database, args.unit_of_work)
                )
            )
            # Closes the pooled connections, so that their page cache is not counted in
            # the raw pass's memory; the next core pass opens new ones.
            await database.dispose()
            check_count(sqlite_count(path), args.points, "core")
            sqlite_reset(path)
            raws.append(await timed_run("raw", args, series_ids, make_rows, raw_write))
            check_count(sqlite_count(path), args.points, "raw")
        return cores, raws
    finally:
        connection.close()
        await database.dispose()
        if own_dir:
            shutil.rmtree(data_dir, ignore_errors=True)


def check_count(stored: int, expected: int, writer: str) -> None:
    if stored != expected:
        raise SystemExit(f"{writer} stored {stored} points, not {expected}")


# --- PostgreSQL ---


async def bench_postgres(args: argparse.Namespace) -> Passes:
    url: str = args.postgres_url
    dsn = "postgresql://" + url.split("://", 1)[1]
    async_url = "postgresql+asyncpg://" + url.split("://", 1)[1]
    schema = f"homecloud_bench_{uuid.uuid4().hex[:10]}"
    settings = {"search_path": schema}
    admin = await asyncpg.connect(dsn)
    version = await admin.fetchval("SHOW server_version")
    print(f"\nPostgreSQL {version}, schema {schema} (dropped afterwards)")
    await admin.execute(f'CREATE SCHEMA "{schema}"')
    database = Database(async_url, connect_args={"server_settings": settings})
    connection = await asyncpg.connect(dsn, server_settings=settings)
    try:
        series_ids = await prepare(database, args.series)

        async def raw_write(rows: list[RawRow]) -> None:
            async with connection.transaction():
                await connection.executemany(RAW_INSERT_POSTGRES, rows)

        async def count() -> int:
            return int(await connection.fetchval("SELECT count(*) FROM series_points"))

        cores: list[Run] = []
        raws: list[Run] = []
        for _ in range(args.rounds):
            await connection.execute("TRUNCATE series_points")
            cores.append(
                await timed_run(
                    "core", args, series_ids, make_points, core_writer(database, args.unit_of_work)
                )
            )
            check_count(await count(), args.points, "core")
            await connection.execute("TRUNCATE series_points")
            raws.append(await timed_run("raw", args, series_ids, make_rows, raw_write))
            check_count(await count(), args.points, "raw")
        return cores, raws
    finally:
        await connection.close()
        await database.dispose()
        await admin.execute(f'DROP SCHEMA "{schema}" CASCADE')
        await admin.close()


# --- report ---


def report(passes: Passes, *, target: float | None, sqlite_heap: bool) -> None:
    cores, raws = passes
    if len(cores) > 1:
        print("  rounds, points/s core / raw = ratio:")
        for number, (one_core, one_raw) in enumerate(zip(cores, raws, strict=True), 1):
            print(
                f"    {number}: {one_core.rate:>9,.0f} / {one_raw.rate:>9,.0f}"
                f" = {one_core.rate / one_raw.rate:.2f}"
            )
        print("  best round of each writer:")
    # The fastest pass of each is the one the machine disturbed least.
    core = max(cores, key=lambda run: run.rate)
    raw = max(raws, key=lambda run: run.rate)
    for run in (core, raw):
        print(
            f"  {run.name:<5} {run.points:>11,} points in {run.seconds:7.2f} s"
            f"  {run.rate:>11,.0f} points/s"
            f"   (with making its input: {run.rate_with_making:>9,.0f} points/s)"
        )
    ratio = core.rate / raw.rate if raw.rate else 0.0
    ratio_with_making = (
        core.rate_with_making / raw.rate_with_making if raw.rate_with_making else 0.0
    )
    verdict = ""
    if target is not None:
        verdict = f"  (target >= {target:.0%}: {'met' if ratio >= target else 'NOT met'})"
    print(f"  ratio core/raw = {ratio:.2f}{verdict}")
    print(f"  ratio core/raw with making the input = {ratio_with_making:.2f}")
    heading = "anonymous (of which SQLite's heap)" if sqlite_heap else "anonymous"
    print(f"  resident memory in MiB after n points (first round): {heading} + file-backed")
    for run in (cores[0], raws[0]):
        print(f"    {run.name}")
        for points, memory in run.memory:
            heap = f" ({memory.sqlite:5.1f})" if sqlite_heap else ""
            print(f"      {points:>11,}: {memory.anonymous:6.1f}{heap} + {memory.file_backed:5.1f}")
        first, last = run.memory[0][1], run.memory[-1][1]
        growth = f"      growth: anonymous {last.anonymous - first.anonymous:+.1f}"
        if sqlite_heap:
            growth += f", besides SQLite's heap {last.besides_sqlite - first.besides_sqlite:+.1f}"
        print(growth)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Points/s of the core series writer against a raw executemany.",
    )
    parser.add_argument(
        "-n", "--points", type=int, default=1_000_000, help="points to write (1,000,000)"
    )
    parser.add_argument("--batch-size", type=int, default=1000, help="points per batch (1000)")
    parser.add_argument("--series", type=int, default=10, help="series the points go to (10)")
    parser.add_argument(
        "--samples", type=int, default=4, help="RSS samples per run after the first (4)"
    )
    parser.add_argument(
        "--data-dir",
        type=Path,
        help="directory for the SQLite file, kept afterwards (default: a temporary one)",
    )
    parser.add_argument(
        "--postgres-url",
        help="also measure on this PostgreSQL, e.g. postgresql://postgres@127.0.0.1:5432/test;"
        " a schema is made for the run and dropped after it",
    )
    parser.add_argument("--no-sqlite", action="store_true", help="skip the SQLite measurement")
    parser.add_argument(
        "--unit-of-work",
        choices=("thread", "async"),
        default="thread",
        help="core writer's unit of work: write_points_sync in Database.run_in_transaction "
        "(thread, the bulk-ingestion path) or write_points in an AsyncSession (async)",
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=1,
        help="passes of each writer, alternating, each into an emptied table; the best pass"
        " of each is compared, so that load from elsewhere on the machine counts less (1)",
    )
    args = parser.parse_args(argv)
    if min(args.points, args.batch_size, args.series, args.samples, args.rounds) < 1:
        parser.error("--points, --batch-size, --series, --samples and --rounds must be positive")
    if args.no_sqlite and not args.postgres_url:
        parser.error("--no-sqlite leaves nothing to measure without --postgres-url")
    return args


async def main(args: argparse.Namespace) -> None:
    print(
        f"series_write: {args.points:,} points in batches of {args.batch_size:,}"
        f" over {args.series} series; Python {platform.python_version()}"
    )
    if not args.no_sqlite:
        report(
            await bench_sqlite(args),
            target=TARGET_RATIO,
            sqlite_heap=SQLITE_MEMORY_USED is not None,
        )
        cache = next((p.split("=")[1] for p in SQLITE_PRAGMAS if "cache_size" in p), None)
        if cache is not None and cache.startswith("-"):
            print(
                f"  SQLite's page cache grows with the file up to {int(cache[1:]) / 1024:.1f}"
                f" MiB per connection (PRAGMA cache_size={cache}), then stays there."
            )
    if args.postgres_url:
        report(await bench_postgres(args), target=None, sqlite_heap=False)


if __name__ == "__main__":
    asyncio.run(main(parse_args()))
