"""The request load the read benchmarks share: one request repeated over keep-alive
connections for a fixed time, from ``wrk`` when it is installed (it costs the machine least)
or else from a few Python processes running a minimal HTTP/1.1 client, and the rounds in
which a bench's paths take turns with the same server's bare ``/healthz``.

Server and load generator share the machine, which is often shared further: the benches
compare each path's rate with ``/healthz`` measured in the same rounds, not raw rates.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import multiprocessing
import re
import shutil
import statistics
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

HEALTH_LABEL = "/healthz"


@dataclass(frozen=True)
class Call:
    """One request the load repeats: method, path, headers and body."""

    label: str
    method: str
    path: str
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes = b""

    @classmethod
    def get(cls, path: str, headers: dict[str, str] | None = None, label: str = "") -> Call:
        return cls(label or f"GET {path}", "GET", path, tuple((headers or {}).items()))

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

    def wrk_script(self) -> str:
        lines = [f'wrk.method = "{self.method}"']
        if self.body:
            lines.append(f"wrk.body = [[{self.body.decode()}]]")
            lines.append('wrk.headers["Content-Type"] = "application/json"')
        lines += [f'wrk.headers["{name}"] = "{value}"' for name, value in self.headers]
        return "\n".join(lines) + "\n"


HEALTH = Call.get("/healthz", label=HEALTH_LABEL)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options every read bench takes."""
    parser.add_argument("--workers", type=int, default=2, help="server worker processes")
    parser.add_argument("--seconds", type=float, default=5.0, help="length of one round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=32, help="keep-alive connections")
    parser.add_argument(
        "--python", action="store_true", help="use the Python load generator even if wrk exists"
    )


def wrk_rate(base: str, call: Call, seconds: float, connections: int, script: Path) -> float:
    script.write_text(call.wrk_script())
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
    """Keep-alive connections spread over a few processes, so that one Python process is not
    the bottleneck."""
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
    """The load generator of one bench run against the server at ``base``."""

    def __init__(self, base: str, args: argparse.Namespace, use_wrk: bool, scripts: Path) -> None:
        self.base, self.args, self.use_wrk, self.scripts = base, args, use_wrk, scripts

    @property
    def name(self) -> str:
        return "wrk" if self.use_wrk else "Python (raw keep-alive HTTP/1.1, 2 processes)"

    def rate(self, call: Call, seconds: float | None = None) -> float:
        length = seconds or self.args.seconds
        if self.use_wrk:
            script = self.scripts / f"{re.sub(r'[^A-Za-z0-9]+', '_', call.label)}.lua"
            return wrk_rate(self.base, call, length, self.args.connections, script)
        return python_rate(self.base, call, length, self.args.connections)


@contextlib.contextmanager
def load_on(base: str, args: argparse.Namespace, *, wrk: bool = True) -> Iterator[Load]:
    """The load for ``base``: wrk when it is installed, ``wrk`` allows it and ``--python`` is
    not given; else the Python load."""
    use_wrk = wrk and not getattr(args, "python", False) and shutil.which("wrk") is not None
    with tempfile.TemporaryDirectory(prefix="homecloud-bench-wrk-") as scripts:
        yield Load(base, args, use_wrk, Path(scripts))


def measure(load: Load, calls: list[Call], rounds: int) -> dict[str, float]:
    """Median rate of ``/healthz`` and of each call, all taking turns each round, so that a
    neighbour's load on a shared machine weighs on every path alike."""
    seen: dict[str, list[float]] = {call.label: [] for call in [HEALTH, *calls]}
    for number in range(1, rounds + 1):
        line = []
        for call in [HEALTH, *calls]:
            seen[call.label].append(load.rate(call))
            line.append(f"{call.label} {seen[call.label][-1]:8.1f}/s")
        print(f"  round {number}: " + ", ".join(line), flush=True)
    return {label: statistics.median(rates) for label, rates in seen.items()}


def warm_up(load: Load, calls: list[Call]) -> None:
    """Every worker's connections, caches and code paths, before anything is measured."""
    for call in calls:
        load.rate(call, seconds=2.0)
