"""The demo's MClimate devices: one controller of each type, a geofence on the AC.

Idempotent: devices that exist are kept; a missing one is added with the serial it always
has for this user, so a demo restarted shows the same devices.
"""

from __future__ import annotations

import orjson

from homecloud.apis.mclimate import repository
from homecloud.apis.mclimate.kinds import KINDS
from homecloud.apis.mclimate.provision import add_controller
from homecloud.apis.mclimate.settings import MClimateSettings
from homecloud.core.database import Database
from homecloud.core.devices import DeviceRegistry
from homecloud.core.models import User
from homecloud.settings import Settings

_PREFIXES = {"melissa": "MEL", "bobbie": "BOB", "smart_plug": "PLG", "vicki": "VIC"}


def demo_serial(user_id: int, kind: str) -> str:
    """Twelve upper-case letters and digits, as the vendor's serial numbers look."""
    return f"{_PREFIXES[kind]}{user_id:09d}"


async def seed_demo(database: Database, settings: Settings, user: User) -> None:
    seed = settings.face_settings(MClimateSettings).simulation_seed
    async with database.session(write=True) as session:
        registry = DeviceRegistry(session, user.id)
        for kind in KINDS:
            serial = demo_serial(user.id, kind)
            device = await registry.get(repository.FACE, serial)
            if device is not None:
                continue
            device = await add_controller(session, user.id, kind, serial, seed=seed)
            if kind == "melissa":
                await repository.add_record(
                    session,
                    user.id,
                    repository.GEOFENCE,
                    device.id,
                    geofence(user.id, serial),
                )


def geofence(user_id: int, serial: str) -> dict[str, object]:
    """A geofence around the demo home that turns the AC on when the user comes home and off
    when they leave; the command fields are JSON text, as the vendor keeps them."""
    return {
        "user_id": user_id,
        "controller_id": serial,
        "active": 1,
        "latitude": 47.3769,
        "longitude": 8.5417,
        "radius": 300,
        "enter_command_name": "send_ir_code",
        "exit_command_name": "send_ir_code",
        "enter_command_fields": orjson.dumps(
            {"state": "1", "mode": "3", "temp": "23", "fan": "0"}
        ).decode(),
        "exit_command_fields": orjson.dumps(
            {"state": "0", "mode": "3", "temp": "23", "fan": "0"}
        ).decode(),
        "enter_push": 1,
        "exit_push": 0,
    }
