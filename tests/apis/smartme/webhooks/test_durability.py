"""Durability across processes: ``kill -9`` while deliveries to a slow receiver are pending
loses none of them; two processes sharing one PostgreSQL outbox deliver each reading once."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from homecloud.apis.smartme.webhooks import payload
from homecloud.apis.smartme.webhooks.models import WebhookDelivery
from homecloud.apis.smartme.webhooks.states import DELIVERED, PENDING
from homecloud.core import migrations
from homecloud.core.database import Database

from .helpers import new_meter, new_user, reading, record, register
from .processes import kill_hard, start_homecloud, stop, wait_for
from .receiver import Receiver, running_receiver

pytestmark = pytest.mark.slow


def arrived(receiver: Receiver) -> Counter[tuple[uuid.UUID, int]]:
    return Counter(
        (item.device_id, item.ticks)
        for arrival in receiver.taken()
        for item in payload.decode(arrival.body)
    )


async def count(database: Database, state: int) -> int:
    async with database.session() as session:
        return int(
            await session.scalar(
                select(func.count())
                .select_from(WebhookDelivery)
                .where(WebhookDelivery.state == state)
            )
            or 0
        )


def sent_keys(owner: int, meters: list[uuid.UUID], seconds: range) -> set[tuple[uuid.UUID, int]]:
    return {
        (meter, reading(owner, meter, second).micros * 10) for meter in meters for second in seconds
    }


async def test_kill_9_while_deliveries_are_pending_loses_none(tmp_path: Path) -> None:
    data = tmp_path / "data"
    database = Database(f"sqlite+aiosqlite:///{data / 'homecloud.db'}")
    await migrations.upgrade(database)
    owner = await new_user(database)
    meters = [await new_meter(database, owner) for _ in range(2)]
    with running_receiver(delay=0.3) as receiver:
        await register(database, owner, {"ApiUrl": receiver.url + "/hook"})
        for second in range(15):
            await record(database, [reading(owner, meter, second) for meter in meters])
        assert await count(database, PENDING) == 30

        first = start_homecloud(data, batch_size="2")
        try:
            await asyncio.to_thread(wait_for, lambda: len(receiver.taken()) >= 3, 60, "deliveries")
        finally:
            kill_hard(first)
        assert await count(database, PENDING) > 0  # the crash left work behind
        for second in range(15, 20):  # readings keep coming while homecloud is down
            await record(database, [reading(owner, meter, second) for meter in meters])

        second_run = start_homecloud(data, batch_size="2")
        try:

            def all_delivered() -> bool:
                return asyncio.run(count_with_own_engine(data, DELIVERED)) == 40

            await asyncio.to_thread(wait_for, all_delivered, 120, "every delivery after restart")
        finally:
            stop(second_run)
        got = arrived(receiver)
    assert set(got) == sent_keys(owner, meters, range(20))  # none lost
    # At least once: only the batch cut off by the kill may have come twice.
    assert sum(got.values()) - len(got) <= 2
    assert await count(database, PENDING) == 0
    await database.dispose()


async def count_with_own_engine(data: Path, state: int) -> int:
    database = Database(f"sqlite+aiosqlite:///{data / 'homecloud.db'}")
    try:
        return await count(database, state)
    finally:
        await database.dispose()


@pytest.mark.postgres
async def test_two_processes_share_the_postgresql_outbox_and_deliver_each_reading_once(
    tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    from tests.conftest import external_url

    url = external_url("HOMECLOUD_TEST_POSTGRES_URL", "PostgreSQL")
    name = f"homecloud_webhooks_{uuid.uuid4().hex[:10]}"
    admin = Database("postgresql+asyncpg://" + url.split("://", 1)[1])
    async with admin.engine.connect() as connection:
        await connection.execution_options(isolation_level="AUTOCOMMIT")
        await connection.execute(text(f'CREATE DATABASE "{name}"'))
    own_url = url.rsplit("/", 1)[0] + "/" + name
    database = Database("postgresql+asyncpg://" + own_url.split("://", 1)[1])
    processes = []
    try:
        await migrations.upgrade(database)
        owners = [await new_user(database) for _ in range(6)]
        meters = {owner: [await new_meter(database, owner) for _ in range(3)] for owner in owners}
        with running_receiver(delay=0.01) as receiver:
            for owner in owners:
                await register(database, owner, {"ApiUrl": f"{receiver.url}/hook/{owner}"})
            processes = [
                # Two receivers at a time each: six receivers need both processes.
                start_homecloud(tmp_path / f"node{i}", own_url, batch_size="5", concurrency="2")
                for i in range(2)
            ]
            for second in range(20):
                for owner in owners:
                    await record(database, [reading(owner, m, second) for m in meters[owner]])
                await asyncio.sleep(0.05)

            async def delivered() -> int:
                return await count(database, DELIVERED)

            deadline = asyncio.get_running_loop().time() + 120
            while await delivered() < 6 * 3 * 20:
                assert asyncio.get_running_loop().time() < deadline, "not all delivered"
                await asyncio.sleep(0.2)
            per_receiver: dict[str, Counter[tuple[uuid.UUID, int]]] = {}
            for arrival in receiver.taken():
                counter = per_receiver.setdefault(arrival.path, Counter())
                counter.update((i.device_id, i.ticks) for i in payload.decode(arrival.body))
        for owner in owners:
            got = per_receiver[f"/hook/{owner}"]
            assert set(got) == sent_keys(owner, meters[owner], range(20))
            assert max(got.values()) == 1  # no reading twice to one receiver
        async with database.session() as session:
            workers = set(await session.scalars(select(WebhookDelivery.delivered_by).distinct()))
        assert len(workers) == 2  # both processes took part
    finally:
        for process in processes:
            stop(process)
        await database.dispose()
        async with admin.engine.connect() as connection:
            await connection.execution_options(isolation_level="AUTOCOMMIT")
            await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await admin.dispose()
