"""Token-endpoint throughput: refresh grants with rotation and client-credentials grants per
second, next to the same server's bare ``/healthz`` rate, measured in one run.

The script starts homecloud itself under uvicorn in a child process (uvloop, httptools, one
worker, SQLite in a temporary data directory, listening on 127.0.0.1 only), signs a user in
once, obtains one refresh token per chain through the authorization-code flow, and then drives
the server with a bounded number of concurrent httpx workers:

- ``/healthz``: the ceiling of this server and this load generator on this machine;
- ``client_credentials`` on the face's token endpoint (client_secret_basic);
- ``refresh_token`` with rotation: several chains in parallel, each refresh using the token
  the previous one returned (so every grant is a write: the old token is marked rotated and a
  new one stored, plus an RS256 access token and, for the OIDC faces, an id_token).

Each measurement is a fixed number of requests, repeated ``--rounds`` times; the median round
is reported, with the CPU time the server process (all its threads) and the load generator
spent per request. Server and load generator share the machine, so the rates depend on both;
the server's CPU per request (and its inverse, what one core could serve) does not, and is
the figure to compare across runs and machines. Targets (2-core machine, issue 3): at least
500 refresh grants/s and 1,000 client-credentials grants/s; the exit status is 1 when one is
missed.

    python bench/tokens.py                    # CKW realm, 3 rounds of 3,000 requests each
    python bench/tokens.py --face nuheat -n 5000 --concurrency 32 --chains 32
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import hashlib
import os
import platform
import re
import resource
import secrets
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from html import unescape
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx

from homecloud.core import migrations
from homecloud.core.users import create_user
from homecloud.identity.clients import register_client
from homecloud.services import Services
from homecloud.settings import Settings

REFRESH_TARGET = 500.0
CLIENT_CREDENTIALS_TARGET = 1000.0
PASSWORD = "bench-password-1"
REDIRECT_URI = "http://127.0.0.1/bench-callback"

# Where each OIDC face keeps its endpoints, and what a refreshing client asks for.
FACES = {
    "ckw": {
        "issuer": "/ckw/auth/realms/CKW",
        "authorize": "/protocol/openid-connect/auth",
        "token": "/protocol/openid-connect/token",
        "scope": "openid profile email offline_access",
    },
    "nuheat": {
        "issuer": "/nuheat/identity",
        "authorize": "/connect/authorize",
        "token": "/connect/token",
        "scope": "openid profile openapi offline_access",
    },
}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def server_settings(data_dir: Path, port: int) -> Settings:
    return Settings(data_dir=data_dir, port=port, host="127.0.0.1", log_level="warning")


# ------------------------------------------------------------------------------- the server


def serve(data_dir: Path, port: int) -> None:
    """The child process: the app as ``homecloud serve`` runs it, on 127.0.0.1."""
    import uvicorn

    from homecloud.app import create_app
    from homecloud.core.observability import configure_logging

    settings = server_settings(data_dir, port)
    configure_logging(settings.log_level, settings.log_format)
    uvicorn.run(
        create_app(settings, Services.from_settings(settings)),
        host="127.0.0.1",
        port=port,
        loop="uvloop",
        http="httptools",
        lifespan="on",
        log_config=None,
        log_level="warning",
        access_log=False,
        server_header=False,
    )


@dataclass
class Seeded:
    client_id: str
    client_secret: str


async def seed(settings: Settings, face: str) -> Seeded:
    """Schema, one user, and one confidential client allowed every grant the bench uses."""
    services = Services.from_settings(settings)
    try:
        await migrations.upgrade(services.database)
        async with services.database.session(write=True) as session:
            await create_user(session, "bench@example.com", PASSWORD, username="bench")
            issued = await register_client(
                session,
                face=face,
                name="Bench",
                redirect_uris=[REDIRECT_URI],
                grant_types=["authorization_code", "refresh_token", "client_credentials"],
                scope=str(FACES[face]["scope"]),
                require_consent=False,
            )
    finally:
        await services.close()
    assert issued.client_secret is not None
    return Seeded(issued.client.client_id, issued.client_secret)


def start_server(data_dir: Path, port: int) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, __file__, "--serve", str(data_dir), str(port)],
        stdin=subprocess.DEVNULL,
    )


async def wait_until_up(base: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    async with httpx.AsyncClient(base_url=base) as http:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise SystemExit(f"the server exited with status {process.returncode}")
            try:
                if (await http.get("/healthz")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.1)
    raise SystemExit("the server did not come up within 30 s")


def stop_server(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


# ----------------------------------------------------------------------------- refresh tokens


def _field(html: str, name: str) -> str:
    match = re.search(rf'name="{re.escape(name)}" value="([^"]*)"', html)
    if match is None:
        raise SystemExit(f"the page has no {name} field")
    return unescape(match.group(1))


async def first_refresh_tokens(base: str, face: str, seeded: Seeded, count: int) -> list[str]:
    """One refresh token per chain, each from its own authorization code (signed in once)."""
    paths = FACES[face]
    issuer = str(paths["issuer"])
    tokens: list[str] = []
    async with httpx.AsyncClient(base_url=base, follow_redirects=False) as browser:
        for index in range(count):
            verifier = secrets.token_urlsafe(48)
            challenge = (
                base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
                .rstrip(b"=")
                .decode()
            )
            query = {
                "response_type": "code",
                "client_id": seeded.client_id,
                "redirect_uri": REDIRECT_URI,
                "scope": paths["scope"],
                "state": f"chain-{index}",
                "code_challenge": challenge,
                "code_challenge_method": "S256",
            }
            response = await browser.get(f"{issuer}{paths['authorize']}?{urlencode(query)}")
            if index == 0:  # the sign-in page, once
                login = response.headers["location"]
                page = await browser.get(login)
                signed_in = await browser.post(
                    login,
                    data={
                        "ReturnUrl": _field(page.text, "ReturnUrl"),
                        "__RequestVerificationToken": _field(
                            page.text, "__RequestVerificationToken"
                        ),
                        "Username": "bench",
                        "Password": PASSWORD,
                        "button": "login",
                    },
                )
                response = await browser.get(signed_in.headers["location"])
            location = response.headers.get("location", "")
            code = parse_qs(urlsplit(location).query).get("code")
            if not code:
                raise SystemExit(f"no code from the authorization endpoint: {response.status_code}")
            exchanged = await browser.post(
                f"{issuer}{paths['token']}",
                data={
                    "grant_type": "authorization_code",
                    "code": code[0],
                    "redirect_uri": REDIRECT_URI,
                    "code_verifier": verifier,
                },
                auth=(seeded.client_id, seeded.client_secret),
            )
            if exchanged.status_code != 200:
                raise SystemExit(f"code exchange failed: {exchanged.text}")
            tokens.append(exchanged.json()["refresh_token"])
    return tokens


# ---------------------------------------------------------------------------------- the load


def cpu_seconds(pid: int | None = None) -> float:
    """CPU time (user + system, all threads) of process ``pid``, or of this process."""
    if pid is None:
        usage = resource.getrusage(resource.RUSAGE_SELF)
        return usage.ru_utime + usage.ru_stime
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")  # no /proc: the CPU figures are left out
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


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


async def run_workers(
    workers: int, requests: int, one: Callable[[int], Awaitable[None]], server_pid: int
) -> Round:
    """``requests`` calls of ``one(worker)`` spread over ``workers`` concurrent workers, with
    the CPU time the server and this load generator spent meanwhile."""
    share, extra = divmod(requests, workers)

    async def worker(index: int) -> None:
        for _ in range(share + (1 if index < extra else 0)):
            await one(index)

    server_before, client_before = cpu_seconds(server_pid), cpu_seconds()
    started = time.perf_counter()
    await asyncio.gather(*(worker(index) for index in range(workers)))
    elapsed = time.perf_counter() - started
    return Round(
        requests, elapsed, cpu_seconds(server_pid) - server_before, cpu_seconds() - client_before
    )


class Load:
    """The requests, one httpx client (one keep-alive connection) per worker: a single client
    shared by many workers spends CPU growing with the number of its connections (measured:
    about 1 ms a request with 8 connections, over 3 ms with 32), which would make the load
    generator, not the server, the thing measured."""

    def __init__(self, clients: list[httpx.AsyncClient], face: str, seeded: Seeded) -> None:
        self.clients = clients
        self.token_path = f"{FACES[face]['issuer']}{FACES[face]['token']}"
        self.auth = httpx.BasicAuth(seeded.client_id, seeded.client_secret)
        self.chains: list[str] = []

    async def health(self, worker: int) -> None:
        response = await self.clients[worker].get("/healthz")
        if response.status_code != 200:
            raise SystemExit(f"/healthz answered {response.status_code}")

    async def client_credentials(self, worker: int) -> None:
        response = await self.clients[worker].post(
            self.token_path,
            data={"grant_type": "client_credentials", "scope": "profile"},
            auth=self.auth,
        )
        if response.status_code != 200 or "access_token" not in response.json():
            raise SystemExit(f"client_credentials failed: {response.status_code} {response.text}")

    async def refresh(self, chain: int) -> None:
        current = self.chains[chain]
        response = await self.clients[chain].post(
            self.token_path,
            data={"grant_type": "refresh_token", "refresh_token": current},
            auth=self.auth,
        )
        body = response.json() if response.status_code == 200 else {}
        rotated = body.get("refresh_token")
        if not rotated or rotated == current or "access_token" not in body:
            raise SystemExit(f"refresh failed: {response.status_code} {response.text}")
        self.chains[chain] = rotated


@dataclass
class Measured:
    rate: float  # requests per second, median round
    server_ms: float  # server CPU per request, median round


async def measure(
    label: str,
    rounds: int,
    workers: int,
    requests: int,
    one: Callable[[int], Awaitable[None]],
    server_pid: int,
) -> Measured:
    results = []
    for number in range(1, rounds + 1):
        result = await run_workers(workers, requests, one, server_pid)
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
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    settings = server_settings(data_dir, port)
    process: subprocess.Popen[bytes] | None = None
    try:
        seeded = await seed(settings, args.face)
        process = start_server(data_dir, port)
        await wait_until_up(base, process)
        chains = await first_refresh_tokens(base, args.face, seeded, args.chains)

        async with contextlib.AsyncExitStack() as stack:
            clients = [
                await stack.enter_async_context(
                    httpx.AsyncClient(
                        base_url=base, limits=httpx.Limits(max_connections=1), timeout=30
                    )
                )
                for _ in range(max(args.concurrency, args.chains))
            ]
            load = Load(clients, args.face, seeded)
            load.chains = chains
            pid = process.pid
            # Warm-up: connections opened, code paths and caches hot.
            await run_workers(args.concurrency, 200, load.health, pid)
            await run_workers(args.concurrency, 200, load.client_credentials, pid)
            await run_workers(args.chains, 200, load.refresh, pid)

            print(
                f"face {args.face}, {args.rounds} round(s) of {args.requests} requests; "
                f"{args.concurrency} workers ({args.chains} refresh chains)",
                flush=True,
            )
            rounds, workers, count = args.rounds, args.concurrency, args.requests
            health = await measure("/healthz", rounds, workers, count, load.health, pid)
            client_credentials = await measure(
                "client_credentials", rounds, workers, count, load.client_credentials, pid
            )
            refresh = await measure(
                "refresh (rotating)", rounds, args.chains, count, load.refresh, pid
            )
            health_after = await measure(
                "/healthz (again)", rounds, workers, count, load.health, pid
            )
    finally:
        if process is not None:
            stop_server(process)
        shutil.rmtree(data_dir, ignore_errors=True)

    baseline = (health.rate + health_after.rate) / 2
    print()
    print(
        f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}, "
        f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}; the server "
        "(one uvicorn worker) and this load generator share it, on 127.0.0.1"
    )
    print(
        f"{'':<26}{'per second':>11}{'of /healthz':>13}{'target':>8}"
        f"{'server CPU/request':>20}{'= per core':>12}"
    )
    for name, measured in (("/healthz", health), ("/healthz (again)", health_after)):
        print(
            f"{name:<26}{measured.rate:>11.1f}{'':>13}{'':>8}"
            f"{measured.server_ms:>17.2f} ms{1000 / measured.server_ms:>10.0f}/s"
        )
    verdicts = []
    for name, measured, target in (
        ("refresh_token (rotating)", refresh, REFRESH_TARGET),
        ("client_credentials", client_credentials, CLIENT_CREDENTIALS_TARGET),
    ):
        met = measured.rate >= target
        verdicts.append(met)
        print(
            f"{name:<26}{measured.rate:>11.1f}{measured.rate / baseline:>13.1%}"
            f"{target:>8.0f}{measured.server_ms:>17.2f} ms{1000 / measured.server_ms:>10.0f}/s"
            f"  {'met' if met else 'MISSED'}"
        )
    print(
        f"client_credentials / refresh: {client_credentials.rate / refresh.rate:.2f}; "
        f"/healthz before / after: {health.rate / health_after.rate:.2f}"
    )
    return 0 if all(verdicts) else 1


def main() -> None:
    if len(sys.argv) == 4 and sys.argv[1] == "--serve":
        serve(Path(sys.argv[2]), int(sys.argv[3]))
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--face", choices=sorted(FACES), default="ckw")
    parser.add_argument("-n", "--requests", type=int, default=3000, help="requests per round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=16, help="concurrent workers")
    parser.add_argument("--chains", type=int, default=16, help="concurrent refresh chains")
    args = parser.parse_args()
    if min(args.requests, args.rounds, args.concurrency, args.chains) < 1:
        parser.error("counts must be positive")
    raise SystemExit(asyncio.run(bench(args)))


if __name__ == "__main__":
    main()
