"""The live-server plumbing the benchmarks share: a free port, homecloud started in a child
process and stopped again, a seeded database, and users signed in through the
authorization-code flow.

Every bench measures a real server over real sockets, so each needs the same steps around its
measurement; they live here so that a fix to one (a slower start, a changed sign-in page)
reaches every bench. What the benches do differently on purpose stays theirs, passed as
arguments: the command that runs the server, its environment, how long it may take to start
and to stop, and whether it runs as an asyncio subprocess.
"""

from __future__ import annotations

import asyncio
import base64
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from homecloud.apis import ckw, nuheat
from homecloud.app import WEBSOCKET_IMPLEMENTATION
from homecloud.core import migrations
from homecloud.core.database import Database
from homecloud.identity.person import CodeApp, Issuer, code_flow, register_code_app

HOST = "127.0.0.1"  # benches never listen beyond this machine
# The benches' OpenID Connect faces.
NUHEAT = Issuer.of(nuheat.ISSUER)
CKW = Issuer.of(ckw.ISSUER)
PASSWORD = "bench-password-1"
REDIRECT_URI = "http://127.0.0.1/bench-callback"

# A server child either way: subprocess for the benches that block, asyncio for those that
# keep their event loop running beside it.
Server = subprocess.Popen[bytes] | asyncio.subprocess.Process


def free_port() -> int:
    """A port nothing listens on now, so a bench never meets a server (or another bench) left
    running on a fixed one."""
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def base_url(port: int) -> str:
    return f"http://{HOST}:{port}"


# ------------------------------------------------------------------------------- the server


def homecloud_serve(port: int, workers: int = 1) -> list[str]:
    """``homecloud serve`` as an operator runs it, from this interpreter's environment."""
    return [
        *(sys.executable, "-m", "homecloud", "serve"),
        *("--host", HOST, "--port", str(port), "--workers", str(workers)),
    ]


def this_script(script: str, *arguments: object) -> list[str]:
    """``script`` run again as the server child, for a bench that serves the app in a way of
    its own (see ``run_uvicorn``)."""
    return [sys.executable, script, *(str(argument) for argument in arguments)]


def server_environment(data_dir: Path, **settings: str) -> dict[str, str]:
    """This process's environment plus the server's data directory and quiet logs; a bench
    adds the ``HOMECLOUD_*`` settings it needs beyond those (a rate limit, a database URL)."""
    return {
        **os.environ,
        "HOMECLOUD_DATA_DIR": str(data_dir),
        "HOMECLOUD_LOG_LEVEL": "warning",
        **settings,
    }


def start_server(
    command: Sequence[str], environment: Mapping[str, str] | None = None
) -> subprocess.Popen[bytes]:
    """The server child: stdin closed and stdout dropped (the CLI prints its URLs there);
    stderr stays on the terminal, so a server that fails says why."""
    return subprocess.Popen(
        command, env=environment, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL
    )


async def start_server_async(
    command: Sequence[str], environment: Mapping[str, str] | None = None
) -> asyncio.subprocess.Process:
    """``start_server`` as an asyncio subprocess, for a bench whose event loop stays busy."""
    return await asyncio.create_subprocess_exec(
        *command, env=environment, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL
    )


def run_uvicorn(app: Any, port: int, **options: Any) -> None:
    """Runs in the server child: ``app`` (an app or a factory's import string) under uvicorn as
    ``homecloud serve`` runs it (uvloop, httptools, no access log) on 127.0.0.1; ``options``
    adds what a bench needs beyond that (workers, a longer backlog, no Server header)."""
    import uvicorn

    uvicorn.run(
        app,
        host=HOST,
        port=port,
        loop="uvloop",
        http="httptools",
        ws=WEBSOCKET_IMPLEMENTATION,
        lifespan="on",
        log_config=None,
        log_level="warning",
        access_log=False,
        **options,
    )


async def wait_until_up(base: str, process: Server, within: float = 30) -> None:
    """Polls ``/healthz`` until it answers: the port opens before the app has started, and a
    server that died is reported at once instead of waited for."""
    deadline = time.monotonic() + within
    async with httpx.AsyncClient(base_url=base) as http:
        while time.monotonic() < deadline:
            status = process.poll() if isinstance(process, subprocess.Popen) else process.returncode
            if status is not None:
                raise SystemExit(f"the server exited with status {status}")
            try:
                if (await http.get("/healthz")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.1)
    raise SystemExit(f"the server did not come up within {within:g} s")


def stop_server(process: subprocess.Popen[bytes], grace: float = 15) -> None:
    """SIGINT, as Ctrl-C would send: uvicorn stops its workers and the app closes its database;
    killed only when that takes longer than ``grace`` seconds."""
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


async def stop_server_async(process: asyncio.subprocess.Process, grace: float = 15) -> None:
    """``stop_server`` for an asyncio subprocess."""
    if process.returncode is None:
        process.send_signal(signal.SIGINT)
        try:
            async with asyncio.timeout(grace):
                await process.wait()
        except TimeoutError:
            process.kill()
            await process.wait()


# ------------------------------------------------------------------------------- seeding


@asynccontextmanager
async def seeding(database_url: str) -> AsyncIterator[AsyncSession]:
    """The schema brought up to date, then one write session for a bench's users, devices and
    clients, before the server starts; the database is let go of afterwards, so the server
    child is its only user."""
    database = Database(database_url)
    try:
        await migrations.upgrade(database)
        async with database.session(write=True) as session:
            yield session
    finally:
        await database.dispose()


# The clients, the sign-in pages and the code flow are homecloud.identity.person's, as the
# tests' and the Thing+ simulator's are: a changed page is followed in one place.
CodeClient = CodeApp


def basic(client: CodeClient) -> str:
    """The client_secret_basic Authorization header."""
    pair = f"{client.client_id}:{client.client_secret}".encode()
    return "Basic " + base64.b64encode(pair).decode()


async def register_code_client(
    session: AsyncSession,
    issuer: Issuer,
    scope: str,
    grant_types: Sequence[str] = ("authorization_code",),
) -> CodeClient:
    """A client with the bench's redirect URI that needs no consent, so that the sign-in page
    is the only one between the authorization endpoint and the code."""
    return await register_code_app(
        session,
        issuer,
        scope,
        REDIRECT_URI,
        name="Bench",
        grant_types=grant_types,
        require_consent=False,
    )


def browser(base: str) -> httpx.AsyncClient:
    """One cookie jar, as a user's browser has; redirects are not followed, because the flow
    reads the code from the last one."""
    return httpx.AsyncClient(base_url=base, follow_redirects=False, timeout=30)


async def authorize(
    browser: httpx.AsyncClient, client: CodeClient, username: str, state: str = "bench"
) -> dict[str, Any]:
    """The authorization-code flow with PKCE, as an app runs it for its user; returns the
    token endpoint's answer. The user signs in with ``PASSWORD`` only when ``browser`` has no
    session yet, so one browser can fetch many codes for one sign-in."""
    return await code_flow(browser, client, username, PASSWORD, state)
