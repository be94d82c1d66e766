"""CKW meter data: two years of 15-minute values of one metering point, read as a year at day
resolution and as a month at 15-minute resolution, on SQLite and on PostgreSQL.

For each database the script seeds a fresh store (a customer, one metering point, 70,080
quarter-hours written through the core series writer), then measures:

- server time: each read handled in this process through the whole application (guard, rate
  limit, parsing, the aggregate queries, rendering) over ``httpx.ASGITransport``, no sockets;
  the median of ``--samples`` calls;
- requests/s against ``homecloud serve`` in a child process (one worker by default), next to
  the same server's bare ``/healthz`` rate in the same run: compare the ratio, not the raw
  rates, on a shared machine.

Target (issue 13): a year at day resolution in under 20 ms of server time on both databases;
the exit status is 1 when it is missed.

    python bench/ckw_meterdata.py                          # SQLite and PostgreSQL
    python bench/ckw_meterdata.py --postgres-url ''        # SQLite only
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from datetime import date, datetime
from datetime import time as clock_time
from pathlib import Path
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import httpx
from sqlalchemy import text

import live
from homecloud.apis.ckw import repository, service
from homecloud.apis.ckw.settings import CkwSettings
from homecloud.app import create_app
from homecloud.core import migrations
from homecloud.core.database import Database
from homecloud.core.events import InProcessBus
from homecloud.core.unit_of_work import UnitOfWork
from homecloud.core.users import create_user
from homecloud.services import Services
from homecloud.settings import Settings
from load import HEALTH, Call, load_on

TARGET_MS = 20.0
ZONE = ZoneInfo("Europe/Zurich")
FIRST_DAY, LAST_DAY = date(2024, 1, 1), date(2026, 1, 1)
UNLIMITED = {"HOMECLOUD_CKW__RATE_LIMIT": "1000000000/1s", "HOMECLOUD_CKW__SIMULATION": "false"}


def local_ms(day: date) -> int:
    return int(datetime.combine(day, clock_time(), ZONE).timestamp() * 1000)


async def seed(database_url: str) -> tuple[live.CodeClient, str]:
    """A customer with one metering point and two years of quarter-hours; a code client."""
    database = Database(database_url)
    try:
        await migrations.upgrade(database)
        async with database.session(write=True) as session:
            user = await create_user(session, "bench@example.com", live.PASSWORD, username="bench")
            client = await live.register_code_client(session, live.CKW, "openid")
        async with UnitOfWork.begin(database, InProcessBus()) as work:
            [point] = await service.provision_customer(
                work, user.id, valid_from_ms=local_ms(FIRST_DAY), with_pv=False, seed=None
            )
        start, end = local_ms(FIRST_DAY), local_ms(LAST_DAY)
        values = [
            (ts, round(0.05 + (ts // 900_000 % 97) / 400, 3)) for ts in range(start, end, 900_000)
        ]
        meter = await repository.meter_of_user(database, user.id, point.metering_point_id)
        assert meter is not None
        async with database.session(write=True) as session:
            await service.record_values(session, meter, start, end, values)
        if database.engine.dialect.name == "postgresql":
            async with database.engine.begin() as connection:
                await connection.execute(text("ANALYZE"))
        print(f"  seeded {len(values)} quarter-hours of {point.metering_point_id}", flush=True)
        return client, point.metering_point_id
    finally:
        await database.dispose()


def reads(point: str) -> dict[str, str]:
    year = {"start_timestamp": "2025-01-01", "end_timestamp": "2026-01-01", "resolution": "day"}
    month = {"start_timestamp": "2025-03-01", "end_timestamp": "2025-04-01", "resolution": "15min"}
    return {
        "a year at day resolution": "/ckw/api/v1/meter-data?"
        + urlencode({"metering_point_id": point, **year}),
        "a month at 15 minutes": "/ckw/api/v1/meter-data?"
        + urlencode({"metering_point_id": point, **month}),
    }


async def server_times(
    settings: Settings, token: str, paths: dict[str, str], samples: int
) -> dict[str, float]:
    """Median milliseconds per read, handled in process (no sockets)."""
    services = Services.from_settings(settings)
    await services.start()
    app = create_app(settings, services)
    medians: dict[str, float] = {}
    try:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as http:
            headers = {"Authorization": f"Bearer {token}"}
            for label, path in paths.items():
                for _ in range(3):  # warm caches and statements
                    assert (await http.get(path, headers=headers)).status_code == 200
                times = []
                for _ in range(samples):
                    started = time.perf_counter()
                    response = await http.get(path, headers=headers)
                    times.append((time.perf_counter() - started) * 1000)
                    if response.status_code != 200:
                        raise SystemExit(f"{path} answered {response.status_code}: {response.text}")
                medians[label] = statistics.median(times)
                values = len(response.json()["values"])
                print(f"  server time, {label}: {medians[label]:6.2f} ms ({values} values)")
    finally:
        await services.close()
    return medians


def postgres_database(admin_url: str) -> tuple[str, str]:
    """A fresh database on the server of ``admin_url``: (its asyncpg URL, its name)."""
    name = f"homecloud_bench_{uuid.uuid4().hex[:8]}"

    async def create() -> None:
        admin = Database("postgresql+asyncpg://" + admin_url.split("://", 1)[1])
        async with admin.engine.connect() as connection:
            await connection.execution_options(isolation_level="AUTOCOMMIT")
            await connection.execute(text(f'CREATE DATABASE "{name}"'))
        await admin.dispose()

    asyncio.run(create())
    base = admin_url.split("://", 1)[1].rsplit("/", 1)[0]
    return f"postgresql+asyncpg://{base}/{name}", name


def drop_postgres_database(admin_url: str, name: str) -> None:
    async def drop() -> None:
        admin = Database("postgresql+asyncpg://" + admin_url.split("://", 1)[1])
        async with admin.engine.connect() as connection:
            await connection.execution_options(isolation_level="AUTOCOMMIT")
            await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await admin.dispose()

    asyncio.run(drop())


def bench_one(label: str, database_url: str | None, args: argparse.Namespace) -> bool:
    print(f"{label}:", flush=True)
    data_dir = Path(tempfile.mkdtemp(prefix="homecloud-bench-ckw-"))
    url_settings = {"database_url": database_url} if database_url else {}
    port = live.free_port()
    base = live.base_url(port)
    # The in-process app must see the server's base URL: tokens name it as their issuer.
    settings = Settings(
        data_dir=data_dir,
        host=live.HOST,
        port=port,
        ckw=CkwSettings(simulation=False, rate_limit="1000000000/1s"),
        **url_settings,
    )
    client, point = asyncio.run(seed(settings.effective_database_url))
    environment = dict(UNLIMITED)
    if database_url:
        environment["HOMECLOUD_DATABASE_URL"] = database_url
    process = live.start_server(
        live.homecloud_serve(port, args.workers), live.server_environment(data_dir, **environment)
    )
    try:

        async def signed_in() -> str:
            await live.wait_until_up(base, process, within=60)
            async with live.browser(base) as browser:
                return str((await live.authorize(browser, client, "bench"))["access_token"])

        token = asyncio.run(signed_in())
        paths = reads(point)
        times = asyncio.run(server_times(settings, token, paths, args.samples))
        auth = {"Authorization": f"Bearer {token}"}
        with load_on(base, args, wrk=False) as load:
            health = load.rate(HEALTH)
            rates = {name: load.rate(Call.get(path, auth)) for name, path in paths.items()}
        for name, rate in rates.items():
            print(
                f"  {name}: {rate:8.1f} requests/s; /healthz {health:8.1f}/s;"
                f" ratio {rate / health:.3f}",
                flush=True,
            )
    finally:
        live.stop_server(process, grace=20)
        shutil.rmtree(data_dir, ignore_errors=True)
    year = times["a year at day resolution"]
    met = year < TARGET_MS
    print(
        f"  a year at day resolution: {year:.2f} ms server time (target < {TARGET_MS:g} ms): "
        + ("met" if met else "MISSED"),
        flush=True,
    )
    return met


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, default=1, help="server worker processes")
    parser.add_argument("--seconds", type=float, default=3.0, help="length of one load run")
    parser.add_argument("--connections", type=int, default=8, help="keep-alive connections")
    parser.add_argument("--samples", type=int, default=30, help="in-process calls per read")
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get(
            "HOMECLOUD_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
        ),
        help="a PostgreSQL server to create a scratch database on ('' to skip)",
    )
    args = parser.parse_args()
    results = [bench_one("SQLite", None, args)]
    if args.postgres_url:
        database_url, name = postgres_database(args.postgres_url)
        try:
            results.append(bench_one("PostgreSQL", database_url, args))
        finally:
            drop_postgres_database(args.postgres_url, name)
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
