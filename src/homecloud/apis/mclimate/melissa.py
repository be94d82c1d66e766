"""Melissa, the infrared AC controller: a room on :mod:`homecloud.sim.room`, conditioned by
the AC that Melissa's last ``send_ir_code`` set, measured by an SHT2x sensor.

The sensor's raw words follow the SHT2x formulas the vendor's published samples fit:
``humidity = -6 + 125 * raw / 65536`` and ``temp = -46.85 + 175.72 * raw / 65536 - 3.35``
(the last term is the device's self-heating offset), both rounded to one decimal.
"""

from __future__ import annotations

import random
from typing import Any

from homecloud.apis.mclimate.device_types import (
    Command,
    CommandLog,
    DeviceType,
    Identity,
    Outcome,
    ScheduledCommand,
    State,
    clamped,
    outdoor_c,
    wifi_ack,
)
from homecloud.sim import room

STATE_OFF, STATE_ON, STATE_IDLE = 0, 1, 2
MODE_AUTO, MODE_FAN, MODE_HEAT, MODE_COOL, MODE_DRY = 0, 1, 2, 3, 4
FAN_AUTO, FAN_LOW, FAN_MEDIUM, FAN_HIGH = 0, 1, 2, 3
TEMP_MIN, TEMP_MAX = 16, 30

# The four keys of ``_relation.command_log``: nothing else, Home Assistant sends it back whole.
COMMAND_LOG_KEYS = ("state", "mode", "temp", "fan")

# py-melissa-climate's defaults for a missing field, with the AC off.
DEFAULT_COMMAND_LOG: CommandLog = {"state": STATE_OFF, "mode": MODE_HEAT, "temp": 20, "fan": 2}

_ACTIONS = {
    MODE_AUTO: room.Conditioning.AUTO,
    MODE_FAN: room.Conditioning.FAN,
    MODE_HEAT: room.Conditioning.HEAT,
    MODE_COOL: room.Conditioning.COOL,
    MODE_DRY: room.Conditioning.DRY,
}
# Share of the AC's full airflow (and so of the heat it moves) at each fan speed.
_FAN_SHARE = {FAN_AUTO: 0.85, FAN_LOW: 0.4, FAN_MEDIUM: 0.7, FAN_HIGH: 1.0}

SEND_IR_CODE, LED_OFF, LED_ON = "send_ir_code", "turn_led_off", "reset_color"
_CODES = {SEND_IR_CODE: 2, LED_OFF: 6, LED_ON: 7}

_SELF_HEATING_C = 3.35


def raw_temperature(temperature_c: float) -> int:
    return max(0, min(65535, round((temperature_c + _SELF_HEATING_C + 46.85) * 65536 / 175.72)))


def temperature_of(raw: int) -> float:
    return round(-46.85 + 175.72 * raw / 65536 - _SELF_HEATING_C, 1)


def raw_humidity(humidity_pct: float) -> int:
    return max(0, min(65535, round((humidity_pct + 6) * 65536 / 125)))


def humidity_of(raw: int) -> float:
    return round(-6 + 125 * raw / 65536, 1)


def conditioner(command_log: CommandLog | None) -> room.Conditioner:
    """What the AC does under its last command: nothing unless it is on (idle is off)."""
    log = command_log or DEFAULT_COMMAND_LOG
    if log["state"] != STATE_ON:
        return room.IDLE
    return room.Conditioner(_ACTIONS[log["mode"]], float(log["temp"]), _FAN_SHARE[log["fan"]])


class Melissa(DeviceType, name="melissa", firmware_version="V1SHTHF", commands=_CODES):
    def initial(self, rng: random.Random, at_ms: int) -> State:
        return {
            "room_c": round(outdoor_c(at_ms) * 0.3 + 16 + rng.uniform(0, 4), 2),
            "humidity": round(rng.uniform(40, 60), 1),
            "led": True,
        }

    def initial_command_log(self) -> CommandLog:
        return dict(DEFAULT_COMMAND_LOG)

    def tick(
        self, state: State, command_log: CommandLog | None, at_ms: int, seconds: float
    ) -> None:
        air = room.step(
            room.RoomAir(state["room_c"], state["humidity"]),
            seconds,
            outdoor_c=outdoor_c(at_ms),
            conditioner=conditioner(command_log),
        )
        state["room_c"], state["humidity"] = air.temperature_c, air.humidity_pct

    def provider(self, state: State, device: Identity, at_ms: int) -> dict[str, Any]:
        raw_t, raw_h = raw_temperature(state["room_c"]), raw_humidity(state["humidity"])
        return {
            "temp": temperature_of(raw_t),
            "raw_temperature": raw_t,
            "humidity": humidity_of(raw_h),
            "raw_humidity": raw_h,
        }

    def carry_out(self, command: Command, state: State, command_log: CommandLog | None) -> Outcome:
        fields = command.fields
        if command.name in (LED_OFF, LED_ON):
            lit = {**state, "led": command.name == LED_ON}
            return Outcome(lit, command_log, wifi_ack(_CODES[command.name]))
        # A field left out keeps its last value: clients that send one setting change only it.
        last = {**DEFAULT_COMMAND_LOG, **(command_log or {})}
        log = {
            "state": fields.optional_integer("state", 0, 2, last["state"]),
            "mode": fields.optional_integer("mode", 0, 4, last["mode"]),
            "temp": fields.optional_integer("temp", TEMP_MIN, TEMP_MAX, last["temp"]),
            "fan": fields.optional_integer("fan", 0, 3, last["fan"]),
        }
        return Outcome(dict(state), log, wifi_ack(_CODES[SEND_IR_CODE]))

    def schedule_command(
        self, state: State, *, target: float | None = None, end_state: str | None = None
    ) -> ScheduledCommand | None:
        """The AC on at the target temperature, and off or on (as it was set) at the end."""
        if end_state is not None:
            power = {"on": STATE_ON, "off": STATE_OFF}.get(end_state)
            return None if power is None else (SEND_IR_CODE, {"state": power})
        if target is None:
            return None
        return SEND_IR_CODE, {"state": STATE_ON, "temp": clamped(target, TEMP_MIN, TEMP_MAX)}
