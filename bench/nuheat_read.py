"""Authenticated ``GET /nuheat/api/v1/Thermostat`` per second against a live server, next to
the same server's bare ``/healthz`` rate, measured in one run with one load generator.

The script starts ``homecloud serve`` in a child process (``--workers 2`` by default, SQLite
in a temporary data directory, 127.0.0.1 only, the Nuheat rate limit raised so that the
bench is not throttled), creates a user with three thermostats, gets a real access token
through the face's sign-in page and token endpoint (authorization code with PKCE), and then
measures each path for a fixed time:

- ``/healthz``: the ceiling of this server and this load generator on this machine;
- ``GET /nuheat/api/v1/Thermostat`` with the bearer token: JWT check and token lookup, the
  rate limiter, and the thermostats read from the database and rendered.

The load comes from ``wrk`` when it is installed (it costs the machine least), else from a
few Python processes, each with keep-alive connections of a minimal HTTP/1.1 client. Server and load generator
share the machine, which is often shared further: compare the ratio, not the raw rates.
Targets (issue 4): at least 2,000 requests/s and a ratio of at least 0.35; the exit status
is 1 when one is missed.

    python bench/nuheat_read.py                      # 3 rounds of 5 s per path
    python bench/nuheat_read.py --workers 1 --seconds 10 --python
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

import live
from homecloud.apis.nuheat.provision import add_group, add_thermostat
from homecloud.core.models import now_ms
from homecloud.core.users import create_user
from homecloud.settings import Settings

RATE_TARGET = 2000.0
RATIO_TARGET = 0.35
THERMOSTATS = "/nuheat/api/v1/Thermostat"


async def seed(data_dir: Path) -> live.CodeClient:
    """Schema, a user with a group of three thermostats, and a client that needs no consent."""
    async with live.seeding(Settings(data_dir=data_dir).effective_database_url) as session:
        user = await create_user(session, "bench@example.com", live.PASSWORD, username="bench")
        group = await add_group(session, user.id, "Home")
        for index, room in enumerate(("Bathroom", "Kitchen", "Basement"), start=1):
            await add_thermostat(
                session,
                user.id,
                str(30_000_000 + index),
                room,
                group_id=group.id,
                tz="America/Chicago",
                started_ms=now_ms(),
            )
        return await live.register_code_client(session, live.NUHEAT, "openid openapi")


# ---------------------------------------------------------------------------------- the load


def wrk_rate(url: str, headers: dict[str, str], seconds: float, connections: int) -> float:
    command = ["wrk", "-t", "1", "-c", str(connections), "-d", f"{seconds:g}s", "--latency"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    output = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    if "Non-2xx" in output:
        raise SystemExit(f"wrk saw error answers from {url}:\n{output}")
    match = re.search(r"Requests/sec:\s+([\d.]+)", output)
    if match is None:
        raise SystemExit(f"cannot read wrk's output:\n{output}")
    return float(match.group(1))


async def _keep_alive_connection(url: str, headers: dict[str, str], deadline: float) -> int:
    """GETs ``url`` over one keep-alive connection until ``deadline``: a minimal HTTP/1.1
    client (one prebuilt request, Content-Length bodies), far lighter than a full client
    library, so that the load generator leaves the CPU to the server."""
    parts = urlsplit(url)
    target = f"{parts.path}?{parts.query}" if parts.query else parts.path
    request = (
        f"GET {target} HTTP/1.1\r\nHost: {parts.netloc}\r\n"
        + "".join(f"{name}: {value}\r\n" for name, value in headers.items())
        + "\r\n"
    ).encode()
    reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
    done = 0
    try:
        while time.monotonic() < deadline:
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            status = head[9:12]
            match = re.search(rb"(?i)content-length:\s*(\d+)", head)
            if status != b"200" or match is None:
                raise SystemExit(f"{url} answered {head[:200]!r}")
            await reader.readexactly(int(match.group(1)))
            done += 1
    finally:
        writer.close()
    return done


def _python_worker(
    url: str,
    headers: dict[str, str],
    seconds: float,
    connections: int,
    results: multiprocessing.Queue[int],
) -> None:
    async def run() -> int:
        deadline = time.monotonic() + seconds
        counts = await asyncio.gather(
            *(_keep_alive_connection(url, headers, deadline) for _ in range(connections))
        )
        return sum(counts)

    results.put(asyncio.run(run()))


def python_rate(
    url: str, headers: dict[str, str], seconds: float, connections: int, processes: int = 2
) -> float:
    """Keep-alive connections spread over a few processes, so that one Python process is not
    the bottleneck."""
    results: multiprocessing.Queue[int] = multiprocessing.Queue()
    share = max(1, connections // processes)
    workers = [
        multiprocessing.Process(target=_python_worker, args=(url, headers, seconds, share, results))
        for _ in range(processes)
    ]
    started = time.perf_counter()
    for worker in workers:
        worker.start()
    total = sum(results.get() for _ in workers)
    for worker in workers:
        worker.join()
    return total / (time.perf_counter() - started)


def rate_of(url: str, headers: dict[str, str], args: argparse.Namespace, use_wrk: bool) -> float:
    if use_wrk:
        return wrk_rate(url, headers, args.seconds, args.connections)
    return python_rate(url, headers, args.seconds, args.connections)


def measure(
    base: str, auth: dict[str, str], args: argparse.Namespace, use_wrk: bool
) -> tuple[float, float]:
    """Medians of both rates, the two paths taking turns each round, so that a neighbour's
    load on a shared machine weighs on both alike."""
    health: list[float] = []
    reads: list[float] = []
    for number in range(1, args.rounds + 1):
        health.append(rate_of(base + "/healthz", {}, args, use_wrk))
        reads.append(rate_of(base + THERMOSTATS, auth, args, use_wrk))
        print(
            f"  round {number}: /healthz {health[-1]:8.1f}/s, GET /api/v1/Thermostat"
            f" {reads[-1]:8.1f}/s (ratio {reads[-1] / health[-1]:.3f})",
            flush=True,
        )
    return statistics.median(health), statistics.median(reads)


async def prepare(args: argparse.Namespace) -> tuple[subprocess.Popen[bytes], str, str, Path]:
    data_dir = Path(tempfile.mkdtemp(prefix="homecloud-bench-"))
    port = live.free_port()
    base = live.base_url(port)
    client = await seed(data_dir)
    process = live.start_server(
        live.homecloud_serve(port, args.workers),
        # The bench's one user and client would hit the seed's 50 calls a second at once.
        live.server_environment(data_dir, HOMECLOUD_NUHEAT__RATE_LIMIT="1000000000/1s"),
    )
    # --workers N starts N processes, each importing the app: more time than one takes.
    await live.wait_until_up(base, process, within=60)
    async with live.browser(base) as browser:
        token = str((await live.authorize(browser, client, "bench"))["access_token"])
    return process, base, token, data_dir


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, default=2, help="server worker processes")
    parser.add_argument("--seconds", type=float, default=5.0, help="length of one round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=32, help="keep-alive connections")
    parser.add_argument(
        "--python", action="store_true", help="use the Python load generator even if wrk exists"
    )
    args = parser.parse_args()
    use_wrk = not args.python and shutil.which("wrk") is not None
    process, base, token, data_dir = asyncio.run(prepare(args))
    try:
        auth = {"Authorization": f"Bearer {token}"}
        # Warm-up: every worker's connections, caches and code paths.
        warm_up = argparse.Namespace(**{**vars(args), "seconds": 2.0})
        rate_of(base + THERMOSTATS, auth, warm_up, use_wrk)
        generator = "wrk" if use_wrk else "Python (raw keep-alive HTTP/1.1, 2 processes)"
        print(
            f"server: {args.workers} worker(s), SQLite; load: {generator}, "
            f"{args.connections} connections, {args.rounds} x {args.seconds:g} s per path",
            flush=True,
        )
        health, reads = measure(base, auth, args, use_wrk)
    finally:
        live.stop_server(process, grace=20)
        shutil.rmtree(data_dir, ignore_errors=True)
    ratio = reads / health
    print(f"/healthz:               {health:8.1f} requests/s (median)")
    print(f"GET /api/v1/Thermostat: {reads:8.1f} requests/s (median; target >= {RATE_TARGET:g})")
    print(f"ratio:                  {ratio:8.3f} (target >= {RATIO_TARGET})")
    return 0 if reads >= RATE_TARGET and ratio >= RATIO_TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
