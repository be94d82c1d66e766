"""The demo account's gateway: made once, with a day of values, readable through the API."""

from __future__ import annotations

from sqlalchemy import func, select

from homecloud.apis.thingplus.models import ThingplusSensor
from homecloud.core.models import Device, SeriesPoint
from homecloud.demo import prepare_demo
from homecloud.services import Services


async def test_the_demo_gateway_is_seeded_once(services: Services) -> None:
    await prepare_demo(services.database, services.settings, ["thingplus"])
    await prepare_demo(services.database, services.settings, ["thingplus"])
    async with services.database.session() as session:
        gateways = (await session.scalars(select(Device).where(Device.face == "thingplus"))).all()
        sensors = (await session.scalars(select(ThingplusSensor))).all()
        points = await session.scalar(select(func.count()).select_from(SeriesPoint))
    assert [gateway.name for gateway in gateways] == ["Demo gateway"]
    assert [sensor.type for sensor in sensors] == ["temperature", "humidity", "co2"]
    assert points == 3 * 288
    assert all(sensor.latest is not None for sensor in sensors)
