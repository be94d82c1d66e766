"""The demo account's Thing+ gateway: one Open API gateway with a device, three sensors and a
day of their values, made through the face's own service and ingestion code."""

from __future__ import annotations

import random
import uuid
from typing import Final

from sqlalchemy.orm import Session

from homecloud.apis.thingplus import repository, service
from homecloud.apis.thingplus.catalog_data import DEVICE_MODEL_ID
from homecloud.apis.thingplus.ingest import SeriesBody, SeriesWrite, Window, ingest
from homecloud.apis.thingplus.settings import ThingplusSettings
from homecloud.apis.thingplus.simulation import sensor_entries
from homecloud.core.database import Database
from homecloud.core.models import User, now_ms
from homecloud.settings import Settings

DEMO_NAMESPACE: Final = uuid.UUID("5d0c1a52-7f1e-4a8e-9a53-2f4f8c1b7e10")
HISTORY_MS: Final = 86_400_000
STEP_MS: Final = 300_000  # the model's default report interval


async def seed_demo(database: Database, settings: Settings, user: User) -> None:
    """Idempotent: the gateway's id comes from the user's, and an existing one is kept."""
    del settings  # the demo gateway is made whatever plan limits are configured
    gateway_id = uuid.uuid5(DEMO_NAMESPACE, f"demo-{user.id}").hex

    def work(session: Session) -> None:
        if repository.find_gateway(session, gateway_id) is not None:
            return
        now = now_ms()
        entries = sensor_entries(3)
        service.register_gateway(
            session,
            user.id,
            {
                "reqId": gateway_id,
                "params": {
                    "model": "52",
                    "name": "Demo gateway",
                    "devices": [
                        {"reqId": "device-0", "name": "Sensor box", "model": DEVICE_MODEL_ID}
                    ],
                    "sensors": [body for _, _, body in entries],
                },
            },
            ThingplusSettings(),
            now,
        )
        rng = random.Random(user.id)
        window = Window.around(now, 30)
        for sensor_id, signal, _ in entries:
            points = [
                {"value": signal(at / 1000, rng), "time": at}
                for at in range(now - HISTORY_MS, now, STEP_MS)
            ]
            body = SeriesBody(points, True)
            ingest(session, SeriesWrite(user.id, gateway_id, sensor_id, body, window, now))

    await database.run_in_transaction(work)
