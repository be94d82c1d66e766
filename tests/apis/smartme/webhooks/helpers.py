"""What the webhook tests share: meters and registrations made through the face's own code,
readings recorded through ``record_readings`` (so the outbox is written the real way), a
worker whose receiver is an in-process transport."""

from __future__ import annotations

import base64
import uuid
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from homecloud.apis.smartme import repository as meters
from homecloud.apis.smartme import service
from homecloud.apis.smartme.models import SmartMeMeter
from homecloud.apis.smartme.readings import Reading
from homecloud.apis.smartme.settings import SmartMeSettings
from homecloud.apis.smartme.webhooks import registrations
from homecloud.apis.smartme.webhooks.models import WebhookRegistration
from homecloud.apis.smartme.webhooks.receivers import AddressPolicy
from homecloud.apis.smartme.webhooks.registrations import Realtime
from homecloud.apis.smartme.webhooks.secrets import SecretBox
from homecloud.apis.smartme.webhooks.sender import Sender
from homecloud.apis.smartme.webhooks.worker import DeliveryWorker
from homecloud.core.database import Database
from homecloud.core.events import EventBus, InProcessBus
from homecloud.core.unit_of_work import UnitOfWork
from homecloud.core.users import create_user

KEY = base64.b64encode(bytes(range(32))).decode()
T0 = datetime(2026, 12, 4, 12, 0, 0, 123456, tzinfo=UTC)
ENERGY = "0100010800FF"
POWER = "0100010700FF"


def webhook_settings(**overrides: Any) -> SmartMeSettings:
    values: dict[str, Any] = {
        "webhook_allow_private": True,
        "webhook_secret_key": KEY,
        "webhook_timeout": 2.0,
        "webhook_poll_interval": 0.05,
    }
    values.update(overrides)
    return SmartMeSettings(**values)


def realtime(settings: SmartMeSettings | None = None) -> Realtime:
    settings = settings or webhook_settings()
    return Realtime(
        settings=settings,
        policy=AddressPolicy(allow_private=settings.webhook_allow_private),
        secrets=SecretBox(base64.b64decode(KEY)),
    )


async def new_user(database: Database, bus: EventBus | None = None) -> int:
    async with UnitOfWork.begin(database, bus or InProcessBus()) as work:
        user = await create_user(
            await work.session(), f"{uuid.uuid4().hex[:10]}@example.com", "password-1"
        )
    return user.id


async def new_meter(
    database: Database, owner: int, *, serial: int | None = None, bus: EventBus | None = None
) -> uuid.UUID:
    guid = uuid.uuid4()
    async with UnitOfWork.begin(database, bus or InProcessBus()) as work:
        await meters.add_meter(
            await work.session(),
            SmartMeMeter(
                owner_id=owner,
                guid=str(guid),
                serial=serial if serial is not None else guid.int % 10**9,
                energy_type=1,
                sub_type=4,
                family_type=12,
            ),
            kind="three_phase",
            name="House",
            attributes={},
        )
    return guid


async def register(
    database: Database,
    owner: int,
    body: Mapping[str, Any],
    setup: Realtime | None = None,
    bus: EventBus | None = None,
) -> WebhookRegistration:
    lowered = {key.lower(): value for key, value in body.items()}
    async with UnitOfWork.begin(database, bus or InProcessBus()) as work:
        return await registrations.register(work, owner, lowered, setup or realtime())


def reading(owner: int, meter: uuid.UUID, seconds: float, energy: float = 1000.0) -> Reading:
    return Reading(meter, owner, 1, T0 + timedelta(seconds=seconds), {ENERGY: energy, POWER: 250.0})


async def record(database: Database, readings: list[Reading], bus: EventBus | None = None) -> None:
    async with UnitOfWork.begin(database, bus or InProcessBus()) as work:
        await service.record_readings(work, readings)


Handler = Callable[[httpx.Request], Awaitable[httpx.Response]]


def worker_for(
    database: Database,
    handler: Handler,
    settings: SmartMeSettings | None = None,
    bus: EventBus | None = None,
) -> tuple[DeliveryWorker, Sender]:
    setup = realtime(settings)
    sender = Sender(
        setup.policy, setup.settings.webhook_timeout, transport=httpx.MockTransport(handler)
    )
    worker = DeliveryWorker(
        database, bus or InProcessBus(), setup.settings, setup.secrets, policy=setup.policy
    )
    return worker, sender
