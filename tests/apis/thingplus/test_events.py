"""Status and series writes are announced on the event bus, to their owner only."""

from __future__ import annotations

import asyncio

from homecloud.core.events import ChangeEvent
from homecloud.core.models import now_ms
from homecloud.services import Services
from tests.apis.thingplus.conftest import UserMaker, add_sensor, register


async def test_writes_are_announced_to_their_owner(
    services: Services, make_user: UserMaker
) -> None:
    owner = await make_user()
    gateway_id = await register(owner)
    sensor_id = await add_sensor(owner, gateway_id)
    subscription = services.events.subscribe(lambda event: event.owner_id == owner.user_id)
    try:
        await owner.put(f"/gateways/{gateway_id}/status", {"value": "on", "validDuration": 60})
        path = f"/gateways/{gateway_id}/sensors/{sensor_id}"
        await owner.put(path + "/series", [{"value": "1", "time": now_ms()}])
        refused = await owner.put(path + "/series", [{"value": "x", "time": now_ms()}])
        assert refused.status_code == 400
        events: list[ChangeEvent] = [
            await asyncio.wait_for(subscription.get(), 5) for _ in range(2)
        ]
    finally:
        subscription.close()
    assert [(event.kind, event.resource_id, event.data) for event in events] == [
        ("status", gateway_id, {"value": "on"}),
        ("series", f"{gateway_id}/{sensor_id}", {"values": 1}),
    ]
    assert all(event.face == "thingplus" for event in events)
