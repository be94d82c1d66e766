"""Adding simulated controllers: the CLI, the demo, tests and benchmarks make them here.

A controller's first state, its MAC address and its vendor fields are drawn from the
simulation's seed and its serial number, so the same seed and serial give the same device.
"""

from __future__ import annotations

import orjson
from sqlalchemy.ext.asyncio import AsyncSession

from homecloud.apis.mclimate import repository
from homecloud.apis.mclimate.device_types import Identity, seeded
from homecloud.apis.mclimate.kinds import KINDS
from homecloud.apis.mclimate.models import MClimateController, new_version
from homecloud.core.devices import DeviceRegistry
from homecloud.core.models import Device, now_ms

# The vendor's default names: "Melissa ABCD1234EFGH", "Bobbie - <serial>".
_DEFAULT_NAMES = {
    "melissa": "Melissa {serial}",
    "bobbie": "Bobbie - {serial}",
    "smart_plug": "Smart Plug - {serial}",
    "vicki": "Vicki - {serial}",
}
_LORAWAN = ("vicki",)


def default_name(kind: str, serial: str) -> str:
    return _DEFAULT_NAMES.get(kind, "{serial}").format(serial=serial)


async def add_controller(
    session: AsyncSession,
    owner_id: int,
    kind: str,
    serial: str,
    *,
    name: str | None = None,
    seed: int = 0,
    at_ms: int | None = None,
) -> Device:
    """A new simulated controller of type ``kind`` for the owner; raises
    :class:`~homecloud.core.devices.DeviceError` for a serial that is taken and
    :class:`KeyError` for a type this face does not serve."""
    device_type = KINDS[kind]
    at = now_ms() if at_ms is None else at_ms
    rng = seeded(seed, serial)
    # Wi-Fi devices show a 12-hex MAC; LoRaWAN ones their 16-hex DevEUI.
    mac = "".join(rng.choice("0123456789ABCDEF") for _ in range(16 if kind in _LORAWAN else 12))
    device = await DeviceRegistry(session, owner_id).add(
        repository.FACE, kind, serial, name=name or default_name(kind, serial)
    )
    device.created_at = at
    state = device_type.initial(rng, at)
    command_log = device_type.initial_command_log()
    identity = Identity(serial, mac)
    await repository.add_controller_row(
        session,
        MClimateController(
            device_id=device.id,
            mac=mac,
            firmware_version=device_type.firmware_version,
            room_id=None,
            brand_id=rng.randint(1, 40) if kind == "melissa" else None,
            online=True,
            assigned_at=at if kind in ("bobbie", "smart_plug") else None,
            relay_state=device_type.relay_state(state) if device_type.shows_relay else None,
            command_log=orjson.dumps(command_log).decode() if command_log is not None else None,
            controller_log=orjson.dumps(device_type.controller_log(state, identity, at)).decode(),
            state=orjson.dumps(state).decode(),
            simulated_until=at,
            version=new_version(),
        ),
    )
    return device
