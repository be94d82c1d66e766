"""Token-endpoint throughput: refresh grants with rotation and client-credentials grants per
second, next to the same server's bare ``/healthz`` rate, measured in one run.

The script starts homecloud itself in a child process, as ``homecloud serve --workers N``
runs it (uvicorn, uvloop, httptools, ``--workers`` processes, SQLite in a temporary data
directory, listening on 127.0.0.1 only), signs a user in once, obtains one refresh token per
chain through the authorization-code flow, and then drives the server over keep-alive
connections for ``--seconds`` per round:

- ``/healthz``: the ceiling of this server and this load generator on this machine;
- ``client_credentials`` on the face's token endpoint (client_secret_basic);
- ``refresh_token`` with rotation: one chain per connection, each refresh using the token the
  previous one returned (so every grant is a write: the old token is marked rotated and a new
  one stored, plus an RS256 access token and, for the OIDC faces, an id_token). A rotated
  token that came back unchanged would be refused as a replay on its next use, so every
  failure shows up as a failed request.

The load comes from ``wrk`` with a Lua script when it is installed (it costs a few percent of
a core), else from a lean asyncio HTTP/1.1 client in this process (``--load python``; about a
tenth of a millisecond of CPU per request, which the machine's two cores then lack). Every
response is checked; a failed request makes the bench fail.

Each measurement is repeated ``--rounds`` times; the median round is reported, with the CPU
time the server processes (all workers, all threads) and the load generator spent per
request. Server and load generator share the machine, so the rates depend on both; the
server's CPU per request (and its inverse, what one core could serve) does not, and is the
figure to compare across runs and machines. Targets (2-core machine, issue 3): at least 500
refresh grants/s and 1,000 client-credentials grants/s; the exit status is 1 when one is
missed.

    python bench/tokens.py                    # CKW realm, 2 workers, 3 rounds of 5 s
    python bench/tokens.py --face nuheat --workers 1 --load python --seconds 10
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import re
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import orjson

import live
from homecloud.core.users import create_user
from homecloud.settings import Settings

REFRESH_TARGET = 500.0
CLIENT_CREDENTIALS_TARGET = 1000.0
CLIENT_CREDENTIALS_BODY = "grant_type=client_credentials&scope=profile"

# The OIDC faces measured, and what a refreshing client of each asks for.
FACES = {
    "ckw": (live.CKW, "openid profile email offline_access"),
    "nuheat": (live.NUHEAT, "openid profile openapi offline_access"),
}


# ------------------------------------------------------------------------------- the server


def serve(port: int, workers: int) -> None:
    """The child process: the app as ``homecloud serve --workers N`` runs it, on 127.0.0.1,
    without the Server header. Workers build the app from the environment, as the CLI's
    workers do."""
    live.run_uvicorn(
        "homecloud.app:create_app_from_environment",
        port,
        factory=True,
        workers=workers,
        server_header=False,
    )


async def seed(data_dir: Path, face: str) -> live.CodeClient:
    """Schema, one user, and one confidential client allowed every grant the bench uses."""
    settings = Settings(data_dir=data_dir)
    async with live.seeding(settings.effective_database_url) as session:
        await create_user(session, "bench@example.com", live.PASSWORD, username="bench")
        return await live.register_code_client(
            session,
            *FACES[face],
            grant_types=["authorization_code", "refresh_token", "client_credentials"],
        )


# ----------------------------------------------------------------------------- refresh tokens


async def first_refresh_tokens(base: str, client: live.CodeClient, count: int) -> list[str]:
    """One refresh token per chain, each from its own authorization code (signed in once)."""
    async with live.browser(base) as browser:
        return [
            str((await live.authorize(browser, client, "bench", f"chain-{index}"))["refresh_token"])
            for index in range(count)
        ]


# ---------------------------------------------------------------------------------- the load


def process_tree_cpu(root: int) -> float:
    """CPU time (user + system, all threads) of process ``root`` and its descendants (the
    uvicorn supervisor and its workers), from /proc; NaN where there is no /proc."""
    ticks = os.sysconf("SC_CLK_TCK")
    usage: dict[int, tuple[int, float]] = {}  # pid -> (parent, seconds)
    try:
        entries = [entry for entry in os.listdir("/proc") if entry.isdigit()]
    except OSError:
        return float("nan")
    for entry in entries:
        try:
            with open(f"/proc/{entry}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            continue  # exited meanwhile
        usage[int(entry)] = (int(fields[1]), (int(fields[11]) + int(fields[12])) / ticks)
    tree, total, grown = {root}, 0.0, True
    while grown:
        grown = False
        for pid, (parent, _) in usage.items():
            if parent in tree and pid not in tree:
                tree.add(pid)
                grown = True
    for pid in tree:
        total += usage.get(pid, (0, 0.0))[1]
    return total


def own_cpu() -> float:
    """CPU time of this process and of its finished children (the wrk runs)."""
    total = 0.0
    for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN):
        usage = resource.getrusage(who)
        total += usage.ru_utime + usage.ru_stime
    return total


@dataclass
class Round:
    requests: int
    seconds: float
    server_cpu: float
    client_cpu: float

    @property
    def rate(self) -> float:
        return self.requests / self.seconds

    @property
    def server_ms(self) -> float:
        return self.server_cpu / self.requests * 1000

    @property
    def client_ms(self) -> float:
        return self.client_cpu / self.requests * 1000


@dataclass
class Job:
    """One kind of request: ``get`` (/healthz), ``post`` (the same form each time) or
    ``refresh`` (each chain posts the refresh token its previous response returned)."""

    mode: str
    path: str
    authorization: str = ""
    body: str = ""


class LoadFailed(SystemExit):
    pass


# The wrk side: one script for the three kinds of request, told which by its arguments
# (mode, path, authorization, body or the file of first refresh tokens, chains per thread).
WRK_SCRIPT = r"""
local threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("id", #threads)
end

function init(args)
  mode, path, failures = args[1], args[2], 0
  headers = {["Authorization"] = args[3],
             ["Content-Type"] = "application/x-www-form-urlencoded"}
  if mode == "get" then
    static = wrk.format("GET", path)
  elseif mode == "post" then
    static = wrk.format("POST", path, headers, args[4])
  else
    -- A stack of live refresh tokens, one per connection: every good response pushes the
    -- rotated token, every request pops one, so no token is ever presented twice.
    chains = {}
    -- wrk calls request() once on the first thread before any connection opens, only to
    -- count the requests in the string: that call must not spend a token.
    counting_call = id == 1
    local per, line_number = tonumber(args[5]), 0
    for line in io.lines(args[4]) do
      line_number = line_number + 1
      if line_number > (id - 1) * per and line_number <= id * per then
        table.insert(chains, line)
      end
    end
  end
end

function request()
  if static then return static end
  if counting_call then
    counting_call = false
    return wrk.format("POST", path, headers, "")
  end
  local token = table.remove(chains)
  if token == nil then  -- a chain broke: count it, and send something the server refuses
    failures = failures + 1
    token = "broken-chain"
  end
  return wrk.format("POST", path, headers, "grant_type=refresh_token&refresh_token=" .. token)
end

function response(status, response_headers, body)
  if status ~= 200 then
    failures = failures + 1
  elseif mode ~= "get" then
    if not body:find('"access_token":"', 1, true) then
      failures = failures + 1
    elseif mode == "refresh" then
      local token = body:match('"refresh_token":"([^"]+)"')
      if token then table.insert(chains, token) else failures = failures + 1 end
    end
  end
end

function done(summary, latency, requests)
  local failed = summary.errors.connect + summary.errors.read + summary.errors.write
  for _, thread in ipairs(threads) do failed = failed + thread:get("failures") end
  io.write(string.format("homecloud-bench %d %d %d\n",
                         summary.requests, summary.duration, failed))
end
"""


class WrkLoad:
    def __init__(self, base: str, connections: int, threads: int, workdir: Path) -> None:
        self.base = base
        self.connections = connections
        self.threads = threads
        self.script = workdir / "load.lua"
        self.script.write_text(WRK_SCRIPT)
        self.chains_file = workdir / "chains.txt"

    async def run(self, job: Job, seconds: int, chains: list[str]) -> tuple[int, float, int]:
        """(requests, seconds, failures) of one round; refresh chains continue across rounds."""
        connections = len(chains) if job.mode == "refresh" else self.connections
        threads = min(self.threads, connections)
        if job.mode == "refresh":
            if connections % threads:
                raise SystemExit("--chains must be a multiple of --wrk-threads")
            self.chains_file.write_text("\n".join(chains) + "\n")
        extra = [job.mode, job.path, job.authorization or "-", job.body or str(self.chains_file)]
        process = await asyncio.create_subprocess_exec(
            "wrk",
            f"-t{threads}",
            f"-c{connections}",
            f"-d{seconds}s",
            "--timeout",
            "30s",
            "-s",
            str(self.script),
            self.base,
            "--",
            *extra,
            str(connections // threads),
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        out, err = await process.communicate()
        match = re.search(rb"^homecloud-bench (\d+) (\d+) (\d+)$", out, re.MULTILINE)
        if process.returncode != 0 or match is None:
            raise SystemExit(f"wrk failed: {err.decode().strip() or out.decode().strip()}")
        requests, micros, failures = (int(group) for group in match.groups())
        if job.mode == "refresh":
            # The tokens wrk's chains ended with are unknown here: fresh chains next round.
            chains.clear()
        return requests, micros / 1e6, failures


class PythonLoad:
    """A lean HTTP/1.1 client on asyncio streams: one keep-alive connection per worker."""

    def __init__(self, host: str, port: int, connections: int) -> None:
        self.host, self.port, self.connections = host, port, connections

    def _request(self, job: Job, body: str) -> bytes:
        lines = [f"{'GET' if job.mode == 'get' else 'POST'} {job.path} HTTP/1.1"]
        lines.append(f"Host: {self.host}:{self.port}")
        if job.mode != "get":
            lines += [
                f"Authorization: {job.authorization}",
                "Content-Type: application/x-www-form-urlencoded",
                f"Content-Length: {len(body)}",
            ]
        return ("\r\n".join(lines) + "\r\n\r\n" + body).encode()

    async def run(self, job: Job, seconds: int, chains: list[str]) -> tuple[int, float, int]:
        workers = len(chains) if job.mode == "refresh" else self.connections
        static = self._request(job, job.body)
        counts = [0, 0]  # requests, failures
        started = time.perf_counter()
        deadline = started + seconds

        async def worker(index: int) -> None:
            reader, writer = await asyncio.open_connection(self.host, self.port)
            try:
                while time.perf_counter() < deadline:
                    if job.mode == "refresh":
                        form = f"grant_type=refresh_token&refresh_token={chains[index]}"
                        writer.write(self._request(job, form))
                    else:
                        writer.write(static)
                    head = await reader.readuntil(b"\r\n\r\n")
                    length = re.search(rb"(?i)\r\ncontent-length: *(\d+)", head)
                    body = await reader.readexactly(int(length.group(1)) if length else 0)
                    counts[0] += 1
                    ok = head.startswith(b"HTTP/1.1 200")
                    if ok and job.mode != "get":
                        document = orjson.loads(body)
                        ok = "access_token" in document
                        if job.mode == "refresh":
                            rotated = document.get("refresh_token")
                            ok = ok and bool(rotated) and rotated != chains[index]
                            if ok:
                                chains[index] = rotated
                    if not ok:
                        counts[1] += 1
                        return  # a broken chain (or a refusing server) stops this worker
            finally:
                writer.close()

        await asyncio.gather(*(worker(index) for index in range(workers)))
        return counts[0], time.perf_counter() - started, counts[1]


Load = WrkLoad | PythonLoad


@dataclass
class Measured:
    rate: float  # requests per second, median round
    server_ms: float  # server CPU per request, median round


async def measure(
    label: str,
    rounds: int,
    seconds: float,
    job: Job,
    load: Load,
    server_pid: int,
    new_chains: Callable[[], Awaitable[list[str]]],
) -> Measured:
    results = []
    for number in range(1, rounds + 1):
        chains = await new_chains() if job.mode == "refresh" else []
        server_before, client_before = process_tree_cpu(server_pid), own_cpu()
        requests, elapsed, failures = await load.run(job, seconds, chains)
        result = Round(
            requests,
            elapsed,
            process_tree_cpu(server_pid) - server_before,
            own_cpu() - client_before,
        )
        if failures or not requests:
            raise LoadFailed(f"{label}: {failures} of {requests} requests failed")
        results.append(result)
        print(
            f"  {label:<20} round {number}: {result.requests:>6} in {result.seconds:6.2f} s"
            f" = {result.rate:7.1f}/s; CPU per request: server {result.server_ms:5.2f} ms,"
            f" load generator {result.client_ms:5.2f} ms",
            flush=True,
        )
    return Measured(
        statistics.median(r.rate for r in results),
        statistics.median(r.server_ms for r in results),
    )


# ---------------------------------------------------------------------------------------- main


async def bench(args: argparse.Namespace) -> int:
    data_dir = Path(tempfile.mkdtemp(prefix="homecloud-bench-"))
    port = live.free_port()
    base = live.base_url(port)
    use_wrk = args.load == "wrk" or (args.load == "auto" and shutil.which("wrk") is not None)
    load: Load = (
        WrkLoad(base, args.concurrency, args.wrk_threads, data_dir)
        if use_wrk
        else PythonLoad(live.HOST, port, args.concurrency)
    )
    process: subprocess.Popen[bytes] | None = None
    try:
        client = await seed(data_dir, args.face)
        process = live.start_server(
            live.this_script(__file__, "--serve", port, args.workers),
            live.server_environment(data_dir, HOMECLOUD_PORT=str(port), HOMECLOUD_HOST=live.HOST),
        )
        await live.wait_until_up(base, process)
        token_path = client.issuer.token
        health = Job("get", "/healthz")
        client_credentials = Job("post", token_path, live.basic(client), CLIENT_CREDENTIALS_BODY)
        refresh = Job("refresh", token_path, live.basic(client))

        async def new_chains() -> list[str]:
            return await first_refresh_tokens(base, client, args.chains)

        pid = process.pid
        print(
            f"face {args.face}, {args.workers} worker(s), load from "
            f"{'wrk' if use_wrk else 'Python'}; {args.rounds} round(s) of {args.seconds} s; "
            f"{args.concurrency} connections ({args.chains} refresh chains)",
            flush=True,
        )
        # Warm-up: every worker's code paths, caches and connections hot.
        for job in (health, client_credentials, refresh):
            await measure("(warm-up)", 1, 1, job, load, pid, new_chains)
        rounds, seconds = args.rounds, args.seconds
        healthz = await measure("/healthz", rounds, seconds, health, load, pid, new_chains)
        credentials = await measure(
            "client_credentials", rounds, seconds, client_credentials, load, pid, new_chains
        )
        refreshed = await measure(
            "refresh (rotating)", rounds, seconds, refresh, load, pid, new_chains
        )
        healthz_after = await measure(
            "/healthz (again)", rounds, seconds, health, load, pid, new_chains
        )
    finally:
        if process is not None:
            live.stop_server(process)
        shutil.rmtree(data_dir, ignore_errors=True)

    baseline = (healthz.rate + healthz_after.rate) / 2
    print()
    print(
        f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}, "
        f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}; the server "
        f"({args.workers} uvicorn worker(s)) and the load generator share it, on 127.0.0.1"
    )
    print(
        f"{'':<26}{'per second':>11}{'of /healthz':>13}{'target':>8}"
        f"{'server CPU/request':>20}{'= per core':>12}"
    )
    for name, measured in (("/healthz", healthz), ("/healthz (again)", healthz_after)):
        print(
            f"{name:<26}{measured.rate:>11.1f}{'':>13}{'':>8}"
            f"{measured.server_ms:>17.2f} ms{1000 / measured.server_ms:>10.0f}/s"
        )
    verdicts = []
    for name, measured, target in (
        ("refresh_token (rotating)", refreshed, REFRESH_TARGET),
        ("client_credentials", credentials, CLIENT_CREDENTIALS_TARGET),
    ):
        met = measured.rate >= target
        verdicts.append(met)
        print(
            f"{name:<26}{measured.rate:>11.1f}{measured.rate / baseline:>13.1%}"
            f"{target:>8.0f}{measured.server_ms:>17.2f} ms{1000 / measured.server_ms:>10.0f}/s"
            f"  {'met' if met else 'MISSED'}"
        )
    print(
        f"client_credentials / refresh: {credentials.rate / refreshed.rate:.2f}; "
        f"/healthz before / after: {healthz.rate / healthz_after.rate:.2f}"
    )
    return 0 if all(verdicts) else 1


def main() -> None:
    if len(sys.argv) == 4 and sys.argv[1] == "--serve":
        serve(int(sys.argv[2]), int(sys.argv[3]))
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--face", choices=sorted(FACES), default="ckw")
    parser.add_argument("--workers", type=int, default=2, help="server worker processes")
    parser.add_argument("--seconds", type=int, default=5, help="length of a round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=16, help="keep-alive connections")
    parser.add_argument("--chains", type=int, default=16, help="concurrent refresh chains")
    parser.add_argument(
        "--load",
        choices=("auto", "wrk", "python"),
        default="auto",
        help="load generator: wrk when installed (auto), or the asyncio client",
    )
    parser.add_argument("--wrk-threads", type=int, default=1, help="wrk's threads")
    args = parser.parse_args()
    if min(args.workers, args.seconds, args.rounds, args.concurrency, args.chains) <= 0:
        parser.error("counts must be positive")
    if args.load == "wrk" and shutil.which("wrk") is None:
        parser.error("wrk is not installed (apt-get install wrk), use --load python")
    raise SystemExit(asyncio.run(bench(args)))


if __name__ == "__main__":
    main()
