"""The outbox and the delivery worker, on both databases: deliveries are written with the
readings, sent batched and in order, retried with backoff or after Retry-After, given up
after the configured time, and stopped by 410 Gone."""

from __future__ import annotations

import asyncio
import base64

import httpx
import pytest
from sqlalchemy import select, update

from homecloud.apis.smartme import service
from homecloud.apis.smartme.readings import Reading
from homecloud.apis.smartme.webhooks import payload, repository
from homecloud.apis.smartme.webhooks.models import WebhookDelivery, WebhookRegistration
from homecloud.apis.smartme.webhooks.states import (
    CANCELLED,
    DELIVERED,
    DISABLED,
    GIVEN_UP,
    PENDING,
)
from homecloud.apis.smartme.webhooks.worker import backoff_seconds
from homecloud.core.database import Database
from homecloud.core.events import InProcessBus
from homecloud.core.models import now_ms
from homecloud.core.unit_of_work import UnitOfWork

from .helpers import (
    ENERGY,
    new_meter,
    new_user,
    reading,
    record,
    register,
    webhook_settings,
    worker_for,
)


class Receiver:
    """Answers each POST with the next of ``answers`` (then 200) and keeps what arrived."""

    def __init__(self, *answers: httpx.Response) -> None:
        self.answers = list(answers)
        self.requests: list[httpx.Request] = []

    async def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return self.answers.pop(0) if self.answers else httpx.Response(200)

    def readings(self) -> list[payload.DeviceReading]:
        return [item for request in self.requests for item in payload.decode(request.content)]


async def states(database: Database) -> list[tuple[int, int, int | None]]:
    async with database.session() as session:
        rows = await session.execute(
            select(
                WebhookDelivery.state, WebhookDelivery.attempts, WebhookDelivery.last_status
            ).order_by(WebhookDelivery.id)
        )
        return [tuple(row) for row in rows]  # type: ignore[misc]


async def registration_row(database: Database, guid: str) -> WebhookRegistration:
    async with database.session() as session:
        row = await session.scalar(
            select(WebhookRegistration).where(WebhookRegistration.guid == guid)
        )
    assert row is not None
    return row


async def test_a_reading_is_delivered_once_to_each_receiver_registered_for_it(
    database: Database,
) -> None:
    owner = await new_user(database)
    house, garage = await new_meter(database, owner), await new_meter(database, owner)
    other = await new_user(database)
    others_meter = await new_meter(database, other)
    await register(database, owner, {"ApiUrl": "http://127.0.0.1:9/all"})
    await register(database, owner, {"ApiUrl": "http://127.0.0.1:9/house", "MeterId": str(house)})
    await register(database, other, {"ApiUrl": "http://127.0.0.1:9/other"})
    await register(
        database, owner, {"ApiUrl": "http://127.0.0.1:9/off", "RegistrationType": "Disabled"}
    )
    await record(database, [reading(owner, house, 0), reading(owner, garage, 0)])
    await record(database, [reading(other, others_meter, 0)])

    receiver = Receiver()
    worker, sender = worker_for(database, receiver)
    assert await worker.deliver_due(sender) == 3
    by_path: dict[str, list[payload.DeviceReading]] = {}
    for request in receiver.requests:
        by_path.setdefault(request.url.path, []).extend(payload.decode(request.content))
    assert {path: sorted(str(r.device_id) for r in items) for path, items in by_path.items()} == {
        "/all": sorted([str(house), str(garage)]),
        "/house": [str(house)],
        "/other": [str(others_meter)],
    }
    assert all(r.headers["content-type"] == "application/octet-stream" for r in receiver.requests)
    assert [state for state, _, _ in await states(database)] == [DELIVERED] * 4
    assert await worker.deliver_due(sender) == 0  # nothing left: nothing sent twice
    assert len(receiver.requests) == 3


async def test_values_time_and_meter_arrive_in_the_webhook_units(database: Database) -> None:
    owner = await new_user(database)
    meter = await new_meter(database, owner)
    await register(database, owner, {"ApiUrl": "http://127.0.0.1:9/hook"})
    sent = reading(owner, meter, 1.5, energy=6330412.2)
    await record(database, [sent])
    receiver = Receiver()
    worker, sender = worker_for(database, receiver)
    await worker.deliver_due(sender)
    (got,) = receiver.readings()
    assert got.device_id == meter
    assert payload.datetime_of(got.ticks) == sent.value_date
    # Energy in mWh (the wiki's reading of its sample), power in W, as configured by default.
    assert got.values == {ENERGY: 6330412.2 * 1000, "0100010700FF": 250.0}


async def test_readings_of_a_meter_arrive_in_order_batched(database: Database) -> None:
    owner = await new_user(database)
    meters = [await new_meter(database, owner) for _ in range(3)]
    await register(database, owner, {"ApiUrl": "http://127.0.0.1:9/hook"})
    for second in range(7):
        await record(database, [reading(owner, meter, second, 100.0 + second) for meter in meters])
    receiver = Receiver()
    worker, sender = worker_for(database, receiver, webhook_settings(webhook_batch_size=5))
    while await worker.deliver_due(sender):
        pass
    assert [len(payload.decode(r.content)) for r in receiver.requests] == [5, 5, 5, 5, 1]
    got = receiver.readings()
    for meter in meters:
        times = [r.ticks for r in got if r.device_id == meter]
        assert len(times) == 7
        assert times == sorted(times)


async def test_a_failure_backs_off_and_keeps_order_until_the_receiver_takes_them(
    database: Database,
) -> None:
    owner = await new_user(database)
    meter = await new_meter(database, owner)
    made = await register(database, owner, {"ApiUrl": "http://127.0.0.1:9/hook"})
    await record(database, [reading(owner, meter, 0)])
    receiver = Receiver(httpx.Response(500), httpx.Response(502))
    worker, sender = worker_for(database, receiver, webhook_settings(webhook_retry_base=60))
    before = now_ms()
    await worker.deliver_due(sender)
    row = await registration_row(database, made.guid)
    # 60 s doubled 0 times, of which a random half: 30 to 60 s.
    assert row.failures == 1
    assert before + 30_000 <= row.next_attempt_at <= now_ms() + 60_000
    assert await worker.deliver_due(sender) == 0  # not due yet
    await record(database, [reading(owner, meter, 1)])
    async with database.session(write=True) as session:
        await session.execute(update(WebhookRegistration).values(next_attempt_at=0))
    await worker.deliver_due(sender)  # 502: still failing, both wait
    assert (await registration_row(database, made.guid)).failures == 2
    async with database.session(write=True) as session:
        await session.execute(update(WebhookRegistration).values(next_attempt_at=0))
    await worker.deliver_due(sender)
    assert [len(payload.decode(r.content)) for r in receiver.requests] == [1, 2, 2]
    times = [r.ticks for r in payload.decode(receiver.requests[-1].content)]
    assert times == sorted(times)
    assert await states(database) == [(DELIVERED, 3, 200), (DELIVERED, 2, 200)]
    assert (await registration_row(database, made.guid)).failures == 0


def test_backoff_doubles_up_to_the_ceiling_with_jitter() -> None:
    assert backoff_seconds(1, 1.0, 600, rand=lambda: 0.0) == 0.5
    assert backoff_seconds(1, 1.0, 600, rand=lambda: 1.0) == 1.0
    assert backoff_seconds(4, 1.0, 600, rand=lambda: 1.0) == 8.0
    assert backoff_seconds(30, 1.0, 600, rand=lambda: 1.0) == 600.0
    assert backoff_seconds(30, 1.0, 600, rand=lambda: 0.0) == 300.0


@pytest.mark.parametrize("retry_after", ["7", "Fri, 04 Dec 2099 12:00:00 GMT"])
async def test_retry_after_is_honoured(database: Database, retry_after: str) -> None:
    owner = await new_user(database)
    meter = await new_meter(database, owner)
    made = await register(database, owner, {"ApiUrl": "http://127.0.0.1:9/hook"})
    await record(database, [reading(owner, meter, 0)])
    receiver = Receiver(httpx.Response(429, headers={"Retry-After": retry_after}))
    settings = webhook_settings(webhook_retry_base=0.01, webhook_retry_after_max=3600)
    worker, sender = worker_for(database, receiver, settings)
    before = now_ms()
    await worker.deliver_due(sender)
    row = await registration_row(database, made.guid)
    if retry_after == "7":
        assert before + 7_000 <= row.next_attempt_at <= now_ms() + 7_000
    else:  # a far date: honoured up to webhook_retry_after_max
        assert before + 3_600_000 <= row.next_attempt_at <= now_ms() + 3_600_000
    assert await states(database) == [(PENDING, 1, 429)]


async def test_readings_are_given_up_after_the_configured_time(database: Database) -> None:
    owner = await new_user(database)
    meter = await new_meter(database, owner)
    await register(database, owner, {"ApiUrl": "http://127.0.0.1:9/hook"})
    await record(database, [reading(owner, meter, 0)])
    async with database.session(write=True) as session:  # written two hours ago
        await session.execute(update(WebhookDelivery).values(created_at=now_ms() - 7_200_000))
    await record(database, [reading(owner, meter, 1)])
    receiver = Receiver(httpx.Response(503))
    worker, sender = worker_for(database, receiver, webhook_settings(webhook_give_up_after=3600))
    await worker.deliver_due(sender)
    assert await states(database) == [(GIVEN_UP, 1, 503), (PENDING, 1, 503)]
    async with database.session(write=True) as session:
        await session.execute(update(WebhookRegistration).values(next_attempt_at=0))
    await worker.deliver_due(sender)
    assert len(payload.decode(receiver.requests[-1].content)) == 1  # the given-up one is not sent
    assert await states(database) == [(GIVEN_UP, 1, 503), (DELIVERED, 2, 200)]


async def test_410_gone_disables_the_registration_and_cancels_its_deliveries(
    database: Database,
) -> None:
    owner = await new_user(database)
    meter = await new_meter(database, owner)
    made = await register(database, owner, {"ApiUrl": "http://127.0.0.1:9/hook"})
    await record(database, [reading(owner, meter, 0)])
    receiver = Receiver(httpx.Response(410))
    worker, sender = worker_for(database, receiver, webhook_settings(webhook_batch_size=1))
    await record(database, [reading(owner, meter, 1)])
    await worker.deliver_due(sender)
    row = await registration_row(database, made.guid)
    assert row.registration_type == DISABLED
    assert row.disabled_reason is not None
    assert "410" in row.disabled_reason
    assert [state for state, _, _ in await states(database)] == [CANCELLED, CANCELLED]
    await record(database, [reading(owner, meter, 2)])  # no new deliveries for it
    assert await worker.deliver_due(sender) == 0
    assert len(await states(database)) == 2
    assert len(receiver.requests) == 1


async def test_basic_credentials_are_sent_and_only_sealed_in_the_database(
    database: Database, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("DEBUG")
    owner = await new_user(database)
    meter = await new_meter(database, owner)
    secret = "s3cret-Pa55word-xyz"
    made = await register(
        database,
        owner,
        {
            "ApiUrl": "http://127.0.0.1:9/hook",
            "BasicAuthUsername": "hook",
            "BasicAuthPassword": secret,
        },
    )
    await record(database, [reading(owner, meter, 0)])
    receiver = Receiver(httpx.Response(500), httpx.Response(200))
    worker, sender = worker_for(database, receiver)
    await worker.deliver_due(sender)
    async with database.session(write=True) as session:
        await session.execute(update(WebhookRegistration).values(next_attempt_at=0))
    await worker.deliver_due(sender)
    expected = "Basic " + base64.b64encode(f"hook:{secret}".encode()).decode()
    assert [r.headers["authorization"] for r in receiver.requests] == [expected, expected]
    row = await registration_row(database, made.guid)
    assert row.basic_password_sealed is not None
    assert row.basic_password_sealed.startswith("v1.")
    async with database.engine.connect() as connection:
        dump = repr(
            [
                tuple(r)
                for r in await connection.exec_driver_sql(
                    "SELECT * FROM smartme_webhook_registrations"
                )
            ]
        ) + repr(
            [
                tuple(r)
                for r in await connection.exec_driver_sql(
                    "SELECT * FROM smartme_webhook_deliveries"
                )
            ]
        )
    assert secret not in dump
    assert base64.b64encode(secret.encode()).decode() not in dump
    assert secret not in caplog.text
    assert expected not in caplog.text
    # Another registration's row cannot open it (the GUID is the associated data).
    other = await register(
        database, owner, {"ApiUrl": "http://127.0.0.1:9/x", "BasicAuthUsername": "u"}
    )
    async with database.session(write=True) as session:
        await session.execute(
            update(WebhookRegistration)
            .where(WebhookRegistration.guid == other.guid)
            .values(basic_password_sealed=row.basic_password_sealed)
        )
    await record(database, [reading(owner, meter, 1)])
    await worker.deliver_due(sender)
    async with database.session() as session:
        errors = list(
            await session.scalars(
                select(WebhookDelivery.last_error).where(WebhookDelivery.state == PENDING)
            )
        )
    assert errors
    assert all("does not open" in (e or "") for e in errors)


async def test_a_rolled_back_reading_leaves_no_delivery(database: Database) -> None:
    owner = await new_user(database)
    meter = await new_meter(database, owner)
    await register(database, owner, {"ApiUrl": "http://127.0.0.1:9/hook"})
    bus = InProcessBus()
    wakes = bus.subscribe(lambda event: event.kind == "realtime.pending")

    async def failing_request() -> None:
        async with UnitOfWork.begin(database, bus) as work:
            await service.record_readings(work, [reading(owner, meter, 0)])
            raise RuntimeError("the request failed after storing the reading")

    with pytest.raises(RuntimeError):
        await failing_request()
    assert await states(database) == []
    assert wakes.pending() == 0
    await record(database, [reading(owner, meter, 0)], bus)
    assert len(await states(database)) == 1
    assert wakes.pending() == 1


async def test_the_worker_loop_is_woken_by_new_readings(database: Database) -> None:
    owner = await new_user(database)
    meter = await new_meter(database, owner)
    await register(database, owner, {"ApiUrl": "http://127.0.0.1:9/hook"})
    bus = InProcessBus()
    arrived = asyncio.Event()
    receiver = Receiver()

    async def handler(request: httpx.Request) -> httpx.Response:
        answer = await receiver(request)
        arrived.set()
        return answer

    worker, _sender = worker_for(database, handler, webhook_settings(webhook_poll_interval=60), bus)
    worker._sender = _sender
    task = asyncio.create_task(worker.run())
    try:
        await asyncio.sleep(0.2)  # the first look found nothing; the next is a minute away
        await record(database, [reading(owner, meter, 0)], bus)
        async with asyncio.timeout(30):
            await arrived.wait()
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    assert len(receiver.readings()) == 1


async def test_deliveries_of_a_deleted_registration_go_with_it(database: Database) -> None:
    owner = await new_user(database)
    meter = await new_meter(database, owner)
    made = await register(database, owner, {"ApiUrl": "http://127.0.0.1:9/hook"})
    await record(database, [reading(owner, meter, 0)])
    async with database.session(write=True) as session:
        assert await repository.delete_registration(session, owner, made.guid)
    assert await states(database) == []


def test_reading_shape_is_what_record_readings_takes() -> None:
    assert Reading.__dataclass_fields__.keys() >= {"device_id", "owner_id", "value_date", "values"}
