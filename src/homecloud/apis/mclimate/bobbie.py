"""Bobbie, the water-heater controller: a relay in front of a boiler's heating element.

While the relay is on, the boiler's own thermostat (:class:`~homecloud.sim.relay.HysteresisRelay`)
heats the tank to its set point and the element draws its power; ``energy`` counts what it
drew, so it only ever increases. The tank cools slowly into the room (``home``); ``cold`` is
the mains water coming in.
"""

from __future__ import annotations

import math
import random
from typing import Any

from homecloud.apis.mclimate.device_types import (
    RELAY_SWITCH,
    Command,
    CommandLog,
    DeviceType,
    Identity,
    Outcome,
    RelaySwitched,
    State,
    wifi_ack,
)
from homecloud.sim.relay import HysteresisRelay

ELEMENT_W = 2000.0
TANK_J_PER_K = 150 * 4186.0  # 150 litres of water
TANK_LOSS_W_PER_K = 2.0
TANK_SET_POINT_C = 60.0
STANDBY_A = 0.02
THERMOSTAT = HysteresisRelay(band_c=3.0)

SWITCH, DEFAULT_STATE, LED = RELAY_SWITCH, "default_state", "led_on_off"
_CODES = {SWITCH: 2, LED: 12, DEFAULT_STATE: 16}


def voltage_at(at_ms: int) -> float:
    """Mains voltage, a little lower in the evening peak, the same every day."""
    return 230.0 + 3.0 * math.sin(2 * math.pi * (at_ms % 86_400_000) / 86_400_000)


class Bobbie(
    RelaySwitched, DeviceType, name="bobbie", firmware_version="V1BOBBIE", commands=_CODES
):
    def initial(self, rng: random.Random, at_ms: int) -> State:
        return {
            "relay": True,
            "heating": False,
            "default_state": 2,
            "led": 1,
            "hot_c": round(rng.uniform(50, 58), 2),
            "cold_c": round(rng.uniform(11, 15), 1),
            "home_c": round(rng.uniform(19, 23), 1),
            "energy_kwh": round(rng.uniform(100, 900), 3),
        }

    def tick(
        self, state: State, command_log: CommandLog | None, at_ms: int, seconds: float
    ) -> None:
        hot = state["hot_c"]
        heating = state["relay"] and THERMOSTAT.switch(state["heating"], hot, TANK_SET_POINT_C)
        power = ELEMENT_W if heating else 0.0
        loss = TANK_LOSS_W_PER_K * (hot - state["home_c"])
        state["hot_c"] = hot + seconds * (power - loss) / TANK_J_PER_K
        state["heating"] = heating
        state["energy_kwh"] += power * seconds / 3_600_000

    def provider(self, state: State, device: Identity, at_ms: int) -> dict[str, Any]:
        voltage = voltage_at(at_ms)
        current = ELEMENT_W / voltage if state["heating"] else STANDBY_A
        return {
            "cold": round(state["cold_c"], 1),
            "hot": round(state["hot_c"], 1),
            "home": round(state["home_c"], 1),
            "energy": round(state["energy_kwh"], 3),
            "voltage": round(voltage, 1),
            "current": round(current, 2),
            # The vendor documents 1 for on and 0 for off.
            "relay_state": 1 if state["relay"] else 0,
            "load": bool(state["heating"]),
        }

    def carry_out(self, command: Command, state: State, command_log: CommandLog | None) -> Outcome:
        fields = command.fields
        changed = dict(state)
        if command.name == SWITCH:
            changed["relay"] = fields.switch("state")
            if not changed["relay"]:
                changed["heating"] = False
        elif command.name == DEFAULT_STATE:
            changed["default_state"] = fields.integer("state", 0, 2)
        else:  # LED
            changed["led"] = fields.integer("state", 0, 1)
        return Outcome(changed, command_log, wifi_ack(_CODES[command.name]))
