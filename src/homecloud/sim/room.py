"""A room's air, conditioned by a heat pump (an air conditioner) or warmed by a radiator.

One lumped heat capacity (the air and what it touches within an hour: walls' surface,
furniture) losing heat to the outdoors through the envelope, plus the humidity of the air.
The defaults describe a 30 m² room: left alone it follows the outdoor temperature with a
time constant of about eight hours; an air conditioner of 2.5 kW at full fan moves it by a
few kelvin in half an hour, less at a lower fan speed.

The air conditioner works towards its set point in proportion to how far the room is from
it (a compressor modulating over a band of half a kelvin), so the room settles at the set
point instead of overshooting. While it cools or dries, it condenses water out of the air.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class Conditioning(Enum):
    """What a room's air conditioner is doing."""

    OFF = "off"
    COOL = "cool"
    HEAT = "heat"
    DRY = "dry"  # cooling gently while taking much water out of the air
    FAN = "fan"  # moving air only
    AUTO = "auto"  # cooling above the set point, heating below it


@dataclass(frozen=True, slots=True)
class RoomAirParameters:
    capacity_j_per_k: float = 1_500_000.0
    envelope_w_per_k: float = 50.0
    conditioner_w: float = 2_500.0
    # The compressor's band: full power this far from the set point, proportionally less nearer.
    band_k: float = 0.5
    # Relative humidity the room's air returns to when nothing dries it, and how fast (1/s).
    ambient_humidity_pct: float = 55.0
    humidity_recovery_per_s: float = 1 / 7200
    # Percentage points of relative humidity taken out per second at full cooling power.
    drying_pct_per_s: float = 0.004
    dry_mode_power: float = 0.3  # dry mode runs the compressor at this share of its power
    # Heat a radiator gives with its valve fully open (for valve-heated rooms).
    radiator_w: float = 1_500.0


@dataclass(frozen=True, slots=True)
class RoomAir:
    temperature_c: float
    humidity_pct: float


@dataclass(frozen=True, slots=True)
class Conditioner:
    """An air conditioner's settings: its action, its set point and its fan speed as a share
    of the full airflow (0 < fan <= 1; it scales the power the unit can move)."""

    action: Conditioning
    set_point_c: float
    fan: float = 1.0


IDLE = Conditioner(Conditioning.OFF, 0.0)

# Explicit Euler stays stable while a step is well under the fastest time constant, the
# compressor's control loop (capacity / (power / band), about five minutes by default).
MAX_STEP_SECONDS = 60.0


def conditioner_heat_w(
    air: RoomAir, conditioner: Conditioner, parameters: RoomAirParameters
) -> float:
    """Heat the conditioner puts into the room now (negative while it cools)."""
    action = conditioner.action
    if action is Conditioning.AUTO:
        action = (
            Conditioning.COOL if air.temperature_c > conditioner.set_point_c else Conditioning.HEAT
        )
    if action in (Conditioning.OFF, Conditioning.FAN):
        return 0.0
    error = air.temperature_c - conditioner.set_point_c
    share = min(1.0, abs(error) / parameters.band_k)
    power = parameters.conditioner_w * max(0.0, min(1.0, conditioner.fan)) * share
    if action is Conditioning.COOL:
        return -power if error > 0 else 0.0
    if action is Conditioning.DRY:
        return -power * parameters.dry_mode_power if error > 0 else 0.0
    return power if error < 0 else 0.0  # HEAT


def step(
    air: RoomAir,
    seconds: float,
    *,
    outdoor_c: float,
    conditioner: Conditioner = IDLE,
    valve_opening: float = 0.0,
    parameters: RoomAirParameters = RoomAirParameters(),
) -> RoomAir:
    """The room's air ``seconds`` later, with the conditioner's settings and a radiator valve
    opened ``valve_opening`` (0..1) held fixed."""
    if seconds < 0:
        raise ValueError("a room cannot be stepped backwards")
    p = parameters
    temperature, humidity = air.temperature_c, air.humidity_pct
    remaining = seconds
    while remaining > 0:
        dt = min(remaining, MAX_STEP_SECONDS)
        now = RoomAir(temperature, humidity)
        conditioning = conditioner_heat_w(now, conditioner, p)
        radiator = p.radiator_w * max(0.0, min(1.0, valve_opening))
        loss = p.envelope_w_per_k * (temperature - outdoor_c)
        temperature += dt * (conditioning + radiator - loss) / p.capacity_j_per_k
        drying = -conditioning / p.conditioner_w if conditioning < 0 else 0.0
        if conditioner.action is Conditioning.DRY and drying > 0:
            drying = drying / p.dry_mode_power  # dry mode condenses at full rate
        humidity += dt * (
            (p.ambient_humidity_pct - humidity) * p.humidity_recovery_per_s
            - drying * p.drying_pct_per_s
        )
        humidity = max(5.0, min(100.0, humidity))
        remaining -= dt
    return RoomAir(temperature, humidity)
