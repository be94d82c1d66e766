"""Vicki, the radiator valve: a motor that opens the valve, heating a room on
:mod:`homecloud.sim.room`.

With a target temperature (``set_motor_position``, as Homebridge and Node-RED use it, shown
in ``displayDigits``) Vicki sets its motor's target from how far the room is below it; with
``set_motor_position_only`` the motor's target is given. Either way the motor travels to its
target at a fixed speed, so ``motorPosition`` follows it over the next minutes. Position 0 is
the valve closed, ``motorRange`` fully open. Commands go out as LoRaWAN downlinks, and the
acknowledgement is the queued-command record.
"""

from __future__ import annotations

import random
import secrets
from typing import Any

from homecloud.apis.mclimate.commands import out_of_range
from homecloud.apis.mclimate.device_types import (
    Command,
    CommandLog,
    DeviceType,
    Identity,
    Outcome,
    ScheduledCommand,
    State,
    clamped,
    iso_ms,
    outdoor_c,
)
from homecloud.sim import room

MOTOR_RANGE = 800
MOTOR_STEPS_PER_S = 2.0
# The valve is fully open this far below the target, and closed at it.
PROPORTIONAL_BAND_K = 1.5
TARGET_MIN, TARGET_MAX = 5, 30
BATTERY_DRAIN_V_PER_S = 0.4 / (2 * 365 * 86_400)  # 3.6 V to 3.2 V in two years

# The LoRaWAN downlink each command is queued as.
COMMANDS = {
    "set_motor_position": "SetTargetTemperature",
    "set_motor_position_only": "SetMotorPosition",
    "set_ext_temp": "SetExternalTemperature",
    "set_keepalive_time": "SetKeepAlive",
    "recalibrate_motor": "RecalibrateMotor",
    "set_range": "SetTemperatureRange",
    "child_lock": "SetChildLock",
    "force_close_vicki": "ForceClose",
    "set_open_window": "SetOpenWindow",
}


def motor_target(state: State) -> int:
    if state["manual"]:
        return int(state["motor_target"])
    below: float = state["target_c"] - state["room_c"]
    opening = max(0.0, min(1.0, below / PROPORTIONAL_BAND_K))
    steps: int = state["motor_range"]
    return round(steps * opening)


class Vicki(DeviceType, name="vicki", firmware_version="V4VICKI", commands=COMMANDS):
    def initial(self, rng: random.Random, at_ms: int) -> State:
        return {
            "target_c": 21,
            "manual": False,
            "motor_target": 0,
            "motor_range": MOTOR_RANGE,
            "motor_position": 0,
            "room_c": round(rng.uniform(17, 20), 2),
            "humidity": round(rng.uniform(40, 55), 1),
            "battery_v": round(rng.uniform(3.45, 3.6), 3),
            "uptime_s": 0.0,
            "child_lock": False,
            "open_window": False,
            "keepalive_min": 10,
            "ext_temp": None,
            "range": [TARGET_MIN, TARGET_MAX],
            "last": {"display_digits": None, "motor_position": None},
        }

    def tick(
        self, state: State, command_log: CommandLog | None, at_ms: int, seconds: float
    ) -> None:
        # The motor travels first; the room then warms by the valve's opening over the span.
        target = motor_target(state)
        position = state["motor_position"]
        travel = MOTOR_STEPS_PER_S * seconds
        if position < target:
            position = min(target, position + travel)
        else:
            position = max(target, position - travel)
        state["motor_position"] = round(position)
        air = room.step(
            room.RoomAir(state["room_c"], state["humidity"]),
            seconds,
            outdoor_c=outdoor_c(at_ms),
            valve_opening=state["motor_position"] / state["motor_range"],
        )
        state["room_c"], state["humidity"] = air.temperature_c, air.humidity_pct
        state["uptime_s"] += seconds
        state["battery_v"] = max(2.8, state["battery_v"] - BATTERY_DRAIN_V_PER_S * seconds)

    def provider(self, state: State, device: Identity, at_ms: int) -> dict[str, Any]:
        measured = state["ext_temp"] if state["ext_temp"] is not None else state["room_c"]
        return {
            "mac": device.mac,
            "version": self.firmware_version,
            "uptime": int(state["uptime_s"]),
            "displayDigits": state["target_c"],
            "temperature": round(measured, 1),
            "humidity": round(state["humidity"], 1),
            "motorRange": state["motor_range"],
            "motorPosition": state["motor_position"],
            "batteryVoltage": round(state["battery_v"], 2),
            # The device's address on the user's network, as the vendor reports it.
            "ip": "0.0.0.0",
            "port": 0,
            "openWindow": bool(state["open_window"]),
            "childLock": bool(state["child_lock"]),
            "pendingCommandStatus": {
                "statusOfLastDisplayDigitsCommand": state["last"]["display_digits"],
                "statusOfLastMotorPositionCommand": state["last"]["motor_position"],
                "pendingDisplayDigits": None,
                "pendingMotorPosition": None,
                "lastUnsentToDeviceCommand": None,
            },
            "online": True,
            "timeOfRecord": iso_ms(at_ms),
        }

    def carry_out(self, command: Command, state: State, command_log: CommandLog | None) -> Outcome:
        fields = command.fields
        changed = {**state, "last": dict(state["last"])}
        params: dict[str, Any] = {}
        if command.name == "set_motor_position":
            low, high = state["range"]
            params["position"] = changed["target_c"] = fields.integer("position", low, high)
            changed["manual"] = False
            changed["last"]["display_digits"] = "done"
        elif command.name == "set_motor_position_only":
            params["position"] = fields.integer("position", 0, state["motor_range"])
            changed["manual"], changed["motor_target"] = True, params["position"]
            changed["last"]["motor_position"] = "done"
        elif command.name == "set_ext_temp":
            params["temp"] = changed["ext_temp"] = round(fields.number("temp", -20, 60), 2)
        elif command.name == "set_keepalive_time":
            params["time"] = changed["keepalive_min"] = fields.integer("time", 1, 255)
        elif command.name == "recalibrate_motor":
            changed["motor_position"] = 0
        elif command.name == "set_range":
            low = fields.integer("min", TARGET_MIN, TARGET_MAX)
            high = fields.integer("max", TARGET_MIN, TARGET_MAX)
            if low > high:
                raise out_of_range("min", "must not be above max.")
            params.update(min=low, max=high)
            changed["range"] = [low, high]
            changed["target_c"] = max(low, min(high, state["target_c"]))
        elif command.name == "child_lock":
            params["enabled"] = changed["child_lock"] = fields.flag("enabled")
        elif command.name == "force_close_vicki":
            changed["manual"], changed["motor_target"] = True, 0
        else:  # set_open_window
            params["enabled"] = changed["open_window"] = fields.flag("enabled")
        ack = {
            "status": "pending",
            "_id": secrets.token_hex(12),
            "commandName": COMMANDS[command.name],
            "commandParams": params,
            "deviceId": command.device.mac,
            "createdAt": iso_ms(command.at_ms),
            "__v": 0,
        }
        return Outcome(changed, command_log, ack)

    def schedule_command(
        self, state: State, *, target: float | None = None, end_state: str | None = None
    ) -> ScheduledCommand | None:
        """The valve regulating to the target temperature; at the end closed (``off``) or
        back on its own target (``on``)."""
        low, high = state["range"]
        if end_state == "off":
            return "force_close_vicki", {}
        if end_state == "on":
            return "set_motor_position", {"position": clamped(state["target_c"], low, high)}
        if end_state is not None or target is None:
            return None
        return "set_motor_position", {"position": clamped(target, low, high)}
