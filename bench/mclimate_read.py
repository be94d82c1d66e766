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

The load comes from ``bench/load.py``: ``wrk`` when it is installed, else a few Python
processes with keep-alive connections of a minimal HTTP/1.1 client. Server and load generator share the
machine, which is often shared further: compare the ratios, not the raw rates. Target (issue
12): each path at least 0.35 of ``/healthz``; the exit status is 1 when one is missed.

    python bench/mclimate_read.py                      # 3 rounds of 5 s per path
    python bench/mclimate_read.py --workers 1 --seconds 10 --python
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import httpx

import live
from homecloud.apis.mclimate.provision import add_controller
from homecloud.core.users import create_user
from homecloud.settings import Settings
from load import Call, add_arguments, load_on, measure, warm_up

RATIO_TARGET = 0.35
CONTROLLERS = 300
PAGE = 5
KINDS = ("melissa", "bobbie", "smart_plug", "vicki")
EMAIL = "bench@example.com"


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
    add_arguments(parser)
    args = parser.parse_args()
    process, base, token, serial, data_dir = asyncio.run(prepare(args))
    auth = {"Authorization": f"Bearer {token}"}
    page = Call.get(
        f"/mclimate/v1/controllers?page={PAGE}", auth, f"GET /v1/controllers?page={PAGE}"
    )
    fetch = Call(
        "POST /v1/provider/fetch",
        "POST",
        "/mclimate/v1/provider/fetch",
        tuple(auth.items()),
        f'{{"serial_number": "{serial}"}}'.encode(),
    )
    try:
        with load_on(base, args) as load:
            warm_up(load, [page, fetch])
            print(
                f"server: {args.workers} worker(s), SQLite, {CONTROLLERS} controllers; load: "
                f"{load.name}, {args.connections} connections, {args.rounds} x "
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
