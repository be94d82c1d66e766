"""The MClimate face's two hot reads per second against a live server, each next to the same
server's bare ``/healthz`` rate, measured in one run with one load generator:

- ``GET /mclimate/v1/controllers?page=N`` for a user with 300 controllers (a page of 30 from
  the middle of the collection, with each item's latest sensor record);
- ``POST /mclimate/v1/provider/fetch`` for one of them (the controller's state moved forward
  to now through its room model, then rendered).

The script starts ``homecloud serve`` in a child process (``--workers 2`` by default, SQLite
in a temporary data directory, 127.0.0.1 only, the face's rate limits raised so that the bench
is not throttled, the simulation off so that it does not compete for the CPU), creates the
user and controllers, signs in through the face's real login endpoint with the built-in
client pair (as Home Assistant does), and measures each path for a fixed time, the paths
taking turns each round.

The load comes from ``wrk`` when it is installed, else from a few Python processes, each with
keep-alive connections of a minimal HTTP/1.1 client. Server and load generator share the
machine, which is often shared further: compare the ratios, not the raw rates. Target (issue
12): each path at least 0.35 of ``/healthz``; the exit status is 1 when one is missed.

    python bench/mclimate_read.py                      # 3 rounds of 5 s per path
    python bench/mclimate_read.py --workers 1 --seconds 10 --python
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
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import httpx

import live
from homecloud.apis.mclimate.provision import add_controller
from homecloud.core.users import create_user
from homecloud.settings import Settings

RATIO_TARGET = 0.35
CONTROLLERS = 300
PAGE = 5
KINDS = ("melissa", "bobbie", "smart_plug", "vicki")
EMAIL = "bench@example.com"


@dataclass(frozen=True)
class Call:
    """One request the load repeats: method, path, headers and body."""

    label: str
    method: str
    path: str
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes = b""

    def raw(self, host: str) -> bytes:
        headers = [("Host", host), *self.headers]
        if self.body:
            headers += [
                ("Content-Type", "application/json"),
                ("Content-Length", str(len(self.body))),
            ]
        head = f"{self.method} {self.path} HTTP/1.1\r\n" + "".join(
            f"{name}: {value}\r\n" for name, value in headers
        )
        return (head + "\r\n").encode() + self.body


async def seed(data_dir: Path) -> str:
    """Schema, a user with 300 controllers of the four types; the first Melissa's serial."""
    async with live.seeding(Settings(data_dir=data_dir).effective_database_url) as session:
        user = await create_user(session, EMAIL, live.PASSWORD, username="bench")
        for index in range(CONTROLLERS):
            kind = KINDS[index % len(KINDS)]
            await add_controller(session, user.id, kind, f"BENCH{index:07d}")
    return "BENCH0000000"


async def sign_in(base: str) -> str:
    async with httpx.AsyncClient(base_url=base) as http:
        answer = await http.post(
            "/mclimate/v1/auth/login",
            data={
                "client_id": "mclimate",
                "client_secret": "mclimate_core",
                "username": EMAIL,
                "password": live.PASSWORD,
            },
        )
    answer.raise_for_status()
    return str(answer.json()["auth"]["access_token"])


# ---------------------------------------------------------------------------------- the load


def wrk_rate(base: str, call: Call, seconds: float, connections: int, script_dir: Path) -> float:
    script = script_dir / f"{call.label.replace(' ', '_').replace('/', '_')}.lua"
    lines = [f'wrk.method = "{call.method}"']
    if call.body:
        lines.append(f"wrk.body = [[{call.body.decode()}]]")
        lines.append('wrk.headers["Content-Type"] = "application/json"')
    lines += [f'wrk.headers["{name}"] = "{value}"' for name, value in call.headers]
    script.write_text("\n".join(lines) + "\n")
    command = ["wrk", "-t", "1", "-c", str(connections), "-d", f"{seconds:g}s", "-s", str(script)]
    output = subprocess.run(
        [*command, base + call.path], capture_output=True, text=True, check=True
    ).stdout
    if "Non-2xx" in output:
        raise SystemExit(f"wrk saw error answers from {call.path}:\n{output}")
    match = re.search(r"Requests/sec:\s+([\d.]+)", output)
    if match is None:
        raise SystemExit(f"cannot read wrk's output:\n{output}")
    return float(match.group(1))


async def _keep_alive_connection(base: str, call: Call, deadline: float) -> int:
    """Repeats ``call`` over one keep-alive connection until ``deadline``: a minimal HTTP/1.1
    client (one prebuilt request, Content-Length bodies), far lighter than a client library,
    so that the load generator leaves the CPU to the server."""
    parts = urlsplit(base)
    request = call.raw(parts.netloc)
    reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
    done = 0
    try:
        while time.monotonic() < deadline:
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            status = head[9:12]
            match = re.search(rb"(?i)content-length:\s*(\d+)", head)
            if status != b"200" or match is None:
                raise SystemExit(f"{call.path} answered {head[:200]!r}")
            await reader.readexactly(int(match.group(1)))
            done += 1
    finally:
        writer.close()
    return done


def _python_worker(
    base: str, call: Call, seconds: float, connections: int, results: multiprocessing.Queue[int]
) -> None:
    async def run() -> int:
        deadline = time.monotonic() + seconds
        counts = await asyncio.gather(
            *(_keep_alive_connection(base, call, deadline) for _ in range(connections))
        )
        return sum(counts)

    results.put(asyncio.run(run()))


def python_rate(
    base: str, call: Call, seconds: float, connections: int, processes: int = 2
) -> float:
    results: multiprocessing.Queue[int] = multiprocessing.Queue()
    share = max(1, connections // processes)
    workers = [
        multiprocessing.Process(target=_python_worker, args=(base, call, seconds, share, results))
        for _ in range(processes)
    ]
    started = time.perf_counter()
    for worker in workers:
        worker.start()
    total = sum(results.get() for _ in workers)
    for worker in workers:
        worker.join()
    return total / (time.perf_counter() - started)


class Load:
    def __init__(self, base: str, args: argparse.Namespace, use_wrk: bool, scripts: Path) -> None:
        self.base, self.args, self.use_wrk, self.scripts = base, args, use_wrk, scripts

    def rate(self, call: Call, seconds: float | None = None) -> float:
        length = seconds or self.args.seconds
        if self.use_wrk:
            return wrk_rate(self.base, call, length, self.args.connections, self.scripts)
        return python_rate(self.base, call, length, self.args.connections)


def measure(load: Load, calls: list[Call], rounds: int) -> dict[str, float]:
    """Median rate of ``/healthz`` and of each call, all taking turns each round, so that a
    neighbour's load on a shared machine weighs on every path alike."""
    health = Call("/healthz", "GET", "/healthz")
    seen: dict[str, list[float]] = {call.label: [] for call in [health, *calls]}
    for number in range(1, rounds + 1):
        line = []
        for call in [health, *calls]:
            seen[call.label].append(load.rate(call))
            line.append(f"{call.label} {seen[call.label][-1]:8.1f}/s")
        print(f"  round {number}: " + ", ".join(line), flush=True)
    return {label: statistics.median(rates) for label, rates in seen.items()}


async def prepare(args: argparse.Namespace) -> tuple[subprocess.Popen[bytes], str, str, str, Path]:
    data_dir = Path(tempfile.mkdtemp(prefix="homecloud-bench-"))
    port = live.free_port()
    base = live.base_url(port)
    serial = await seed(data_dir)
    unlimited = "1000000000/1s"
    process = live.start_server(
        live.homecloud_serve(port, args.workers),
        live.server_environment(
            data_dir,
            HOMECLOUD_MCLIMATE__CLIENT_RATE_LIMIT=unlimited,
            HOMECLOUD_MCLIMATE__TOKEN_RATE_LIMIT=unlimited,
            HOMECLOUD_MCLIMATE__SIMULATION="false",
        ),
    )
    await live.wait_until_up(base, process, within=60)
    return process, base, await sign_in(base), serial, data_dir


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
    process, base, token, serial, data_dir = asyncio.run(prepare(args))
    auth = (("Authorization", f"Bearer {token}"),)
    page = Call(
        f"GET /v1/controllers?page={PAGE}", "GET", f"/mclimate/v1/controllers?page={PAGE}", auth
    )
    fetch = Call(
        "POST /v1/provider/fetch",
        "POST",
        "/mclimate/v1/provider/fetch",
        auth,
        f'{{"serial_number": "{serial}"}}'.encode(),
    )
    try:
        with tempfile.TemporaryDirectory() as scripts:
            load = Load(base, args, use_wrk, Path(scripts))
            for call in (page, fetch):  # warm-up: every worker's connections and code paths
                load.rate(call, seconds=2.0)
            generator = "wrk" if use_wrk else "Python (raw keep-alive HTTP/1.1, 2 processes)"
            print(
                f"server: {args.workers} worker(s), SQLite, {CONTROLLERS} controllers; load: "
                f"{generator}, {args.connections} connections, {args.rounds} x "
                f"{args.seconds:g} s per path",
                flush=True,
            )
            rates = measure(load, [page, fetch], args.rounds)
    finally:
        live.stop_server(process, grace=20)
        shutil.rmtree(data_dir, ignore_errors=True)
    health = rates["/healthz"]
    print(f"/healthz: {health:10.1f} requests/s (median)")
    missed = False
    for call in (page, fetch):
        ratio = rates[call.label] / health
        missed |= ratio < RATIO_TARGET
        print(
            f"{call.label}: {rates[call.label]:10.1f} requests/s (median), "
            f"ratio {ratio:.3f} (target >= {RATIO_TARGET})"
        )
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
