"""The smart plug: a relay with an appliance behind it. Its power is the appliance's while the
relay is on and zero while it is off; a power limit switches it off, and an auto-switch
timer switches it to a given state once it has stayed in the other one long enough."""

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
    iso_ms,
)

MAX_POWER_W = 3680  # a 16 A socket at 230 V
MAX_TIMEOUT_S = 7 * 86_400

SWITCH, DEFAULT_SWITCH = RELAY_SWITCH, "default_switch"
MAX_POWER, AUTO_SWITCH = "max_power_turn_off", "auto_switch"
COMMANDS = (SWITCH, DEFAULT_SWITCH, MAX_POWER, AUTO_SWITCH)


def power_w(state: State, at_ms: int) -> float:
    """What the appliance draws now: its rating, varying by a few percent over ten minutes."""
    if not state["relay"]:
        return 0.0
    swing = 1 + 0.05 * math.sin(2 * math.pi * (at_ms % 600_000) / 600_000)
    return float(state["appliance_w"]) * swing


class SmartPlug(
    RelaySwitched,
    DeviceType,
    name="smart_plug",
    firmware_version="SHPLG-1",
    commands=COMMANDS,
    shows_relay=True,
):
    def initial(self, rng: random.Random, at_ms: int) -> State:
        return {
            "relay": True,
            "relay_changed_ms": at_ms,
            "appliance_w": round(rng.uniform(40, 150), 1),
            "default_switch": "last",
            "max_power": 0,
            "auto_switch": {"state": "off", "timeout": 0},
            "commands": 0,
        }

    def tick(
        self, state: State, command_log: CommandLog | None, at_ms: int, seconds: float
    ) -> None:
        end_ms = at_ms + round(seconds * 1000)
        limit = state["max_power"]
        if limit and state["relay"] and power_w(state, at_ms) > limit:
            state["relay"], state["relay_changed_ms"] = False, at_ms
        auto = state["auto_switch"]
        target = auto["state"] == "on"
        if auto["timeout"] and state["relay"] != target:
            due = state["relay_changed_ms"] + auto["timeout"] * 1000
            if due <= end_ms:
                state["relay"], state["relay_changed_ms"] = target, due

    def provider(self, state: State, device: Identity, at_ms: int) -> dict[str, Any]:
        return {"online": True, "power": [round(power_w(state, at_ms))]}

    def controller_log(self, state: State, device: Identity, at_ms: int) -> dict[str, Any]:
        return {
            "power": round(power_w(state, at_ms)),
            "relay_state": bool(state["relay"]),
            "created": iso_ms(at_ms),
        }

    def carry_out(self, command: Command, state: State, command_log: CommandLog | None) -> Outcome:
        fields = command.fields
        changed = dict(state)
        if command.name == SWITCH:
            relay = fields.switch("state")
            if relay != state["relay"]:
                changed["relay"], changed["relay_changed_ms"] = relay, command.at_ms
        elif command.name == DEFAULT_SWITCH:
            changed["default_switch"] = fields.choice("state", ("off", "on", "last"))
        elif command.name == MAX_POWER:
            changed["max_power"] = fields.integer("max_power", 0, MAX_POWER_W)
        else:  # AUTO_SWITCH
            changed["auto_switch"] = {
                "state": "on" if fields.switch("state") else "off",
                "timeout": fields.integer("timeout", 0, MAX_TIMEOUT_S),
            }
        changed["commands"] = state["commands"] + 1
        ack = {"isok": True, "id": changed["commands"], "type": "relay", "code": "SHPLG-1"}
        return Outcome(changed, command_log, ack)
