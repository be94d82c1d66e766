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

The load comes from ``bench/load.py``: ``wrk`` when it is installed (it costs the machine
least), else a few Python processes with keep-alive connections of a minimal HTTP/1.1 client.
Server and load generator share the machine, which is often shared further: compare the
ratio, not the raw rates.
Targets (issue 4): at least 2,000 requests/s and a ratio of at least 0.35; the exit status
is 1 when one is missed.

    python bench/nuheat_read.py                      # 3 rounds of 5 s per path
    python bench/nuheat_read.py --workers 1 --seconds 10 --python
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import live
from homecloud.apis.nuheat.provision import add_group, add_thermostat
from homecloud.core.models import now_ms
from homecloud.core.users import create_user
from homecloud.settings import Settings
from load import Call, add_arguments, load_on, measure, warm_up

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
    add_arguments(parser)
    args = parser.parse_args()
    process, base, token, data_dir = asyncio.run(prepare(args))
    read = Call.get(THERMOSTATS, {"Authorization": f"Bearer {token}"}, "GET /api/v1/Thermostat")
    try:
        with load_on(base, args) as load:
            warm_up(load, [read])
            print(
                f"server: {args.workers} worker(s), SQLite; load: {load.name}, "
                f"{args.connections} connections, {args.rounds} x {args.seconds:g} s per path",
                flush=True,
            )
            rates = measure(load, [read], args.rounds)
    finally:
        live.stop_server(process, grace=20)
        shutil.rmtree(data_dir, ignore_errors=True)
    health, reads = rates["/healthz"], rates[read.label]
    ratio = reads / health
    print(f"/healthz:               {health:8.1f} requests/s (median)")
    print(f"GET /api/v1/Thermostat: {reads:8.1f} requests/s (median; target >= {RATE_TARGET:g})")
    print(f"ratio:                  {ratio:8.3f} (target >= {RATIO_TARGET})")
    return 0 if reads >= RATE_TARGET and ratio >= RATIO_TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
