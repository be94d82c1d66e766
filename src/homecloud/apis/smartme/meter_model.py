"""How a simulated smart-me meter measures: from its last reading, its switches and the
household profile (:mod:`homecloud.sim.meter_profiles`), the values of its next reading.

Counters only ever grow: energy and volume are integrated from the power or flow over the
time since the last reading (in steps of at most a minute, so that a long gap still follows
the day's profile). A switched-off phase draws nothing and makes nothing. Import and export
are netted over the phases, as Swiss meters do; the tariff counters split the energy into
T1 (weekdays 07:00-20:00 local) and T2 (the rest).
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final
from zoneinfo import ZoneInfo

from homecloud.apis.smartme import obis
from homecloud.apis.smartme.enums import ChargingStationState
from homecloud.apis.smartme.families import CHARGING_STATION, GAS, WATER, Family
from homecloud.sim import meter_profiles

PHASE_SWITCHES: Final = (obis.SWITCH_L1.hex, obis.SWITCH_L2.hex, obis.SWITCH_L3.hex)
PHASE_POWER: Final = (obis.POWER_L1.hex, obis.POWER_L2.hex, obis.POWER_L3.hex)
PHASE_VOLTAGE: Final = (obis.VOLTAGE_L1.hex, obis.VOLTAGE_L2.hex, obis.VOLTAGE_L3.hex)
PHASE_CURRENT: Final = (obis.CURRENT_L1.hex, obis.CURRENT_L2.hex, obis.CURRENT_L3.hex)
PHASE_FACTOR: Final = (obis.POWER_FACTOR_L1.hex, obis.POWER_FACTOR_L2.hex, obis.POWER_FACTOR_L3.hex)
# How a three-phase household's load spreads over its phases.
PHASE_SHARES: Final = {1: (1.0,), 3: (0.45, 0.33, 0.22)}
CHARGING_W: Final = 11_000.0
MAX_STEP_S: Final = 60.0
# Longer gaps (a server that was off) are integrated at coarser steps, at most this many.
MAX_STEPS: Final = 2_880


@dataclass(frozen=True, slots=True)
class Profile:
    """A simulated meter's fixed parameters, kept in its ``state``."""

    seed: int
    base_w: float = 0.0
    pv_peak_w: float = 0.0
    timezone: str = "Europe/Zurich"

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> Profile:
        return cls(
            seed=int(state.get("seed", 0)),
            base_w=float(state.get("base_w", 0.0)),
            pv_peak_w=float(state.get("pv_peak_w", 0.0)),
            timezone=str(state.get("timezone", "Europe/Zurich")),
        )

    def to_state(self) -> dict[str, Any]:
        return {
            "seed": self.seed,
            "base_w": self.base_w,
            "pv_peak_w": self.pv_peak_w,
            "timezone": self.timezone,
        }


def initial_switches(family: Family) -> dict[str, bool]:
    """Every phase and the charging station on, the outputs off."""
    switches = {code: True for code in PHASE_SWITCHES[: family.phases]}
    for code in family.switch_codes:
        switches.setdefault(code, code == obis.SWITCH.hex)
    if family is not CHARGING_STATION:
        switches.pop(obis.SWITCH.hex, None)
    return switches


def switch(family: Family, switches: dict[str, bool], code: str, on: bool) -> dict[str, bool]:
    """The switches after switching ``code``: the whole-meter code of a metering family
    switches every phase."""
    changed = dict(switches)
    if code == obis.SWITCH.hex and family is not CHARGING_STATION:
        for phase in PHASE_SWITCHES[: family.phases]:
            changed[phase] = on
    else:
        changed[code] = on
    return changed


def switch_values(family: Family, switches: dict[str, bool]) -> dict[str, float]:
    """The switch states as a reading reports them (1 on, 0 off)."""
    values = {code: 1.0 if on else 0.0 for code, on in switches.items()}
    phases = [switches.get(code, True) for code in PHASE_SWITCHES[: family.phases]]
    if phases and family is not CHARGING_STATION:
        values[obis.SWITCH.hex] = 1.0 if all(phases) else 0.0
    return values


def _rng(profile: Profile, at: datetime) -> random.Random:
    # One stream per meter and second: the same inputs always measure the same.
    return random.Random(profile.seed * 1_000_003 + int(at.timestamp()))


def _tariff_1(local: datetime) -> bool:
    return local.weekday() < 5 and 7 <= local.hour < 20


def _phase_powers(
    family: Family, profile: Profile, switches: dict[str, bool], local: datetime
) -> list[float]:
    rng = _rng(profile, local)
    if family is CHARGING_STATION:
        charging = switches.get(obis.SWITCH.hex, True) and meter_profiles.car_charging(local)
        load = CHARGING_W if charging else 0.0
        shares: tuple[float, ...] = (1 / 3, 1 / 3, 1 / 3)
    else:
        load = meter_profiles.household_load_w(local, profile.base_w, rng)
        shares = PHASE_SHARES[family.phases]
    pv = meter_profiles.pv_output_w(local, profile.pv_peak_w, rng) if profile.pv_peak_w else 0.0
    powers = []
    for index, share in enumerate(shares):
        on = switches.get(PHASE_SWITCHES[index], True)
        powers.append(load * share - pv / len(shares) if on else 0.0)
    return powers


def active_tariff(profile: Profile, at: datetime) -> int:
    return 1 if _tariff_1(at.astimezone(ZoneInfo(profile.timezone))) else 2


def charging_state(
    switches: dict[str, bool], at: datetime, profile: Profile
) -> ChargingStationState:
    local = at.astimezone(ZoneInfo(profile.timezone))
    if not meter_profiles.car_connected(local):
        return ChargingStationState.ReadyNoCarConnected
    if switches.get(obis.SWITCH.hex, True) and meter_profiles.car_charging(local):
        return ChargingStationState.Charging
    return ChargingStationState.ReadyCarConnected


def measure(
    family: Family,
    profile: Profile,
    switches: dict[str, bool],
    last: dict[str, float],
    since: datetime | None,
    at: datetime,
) -> dict[str, float]:
    """The meter's reading at ``at`` (aware), its counters advanced from ``last`` (the
    previous reading's values, taken at ``since``)."""
    zone = ZoneInfo(profile.timezone)
    seconds = max(0.0, (at - since).total_seconds()) if since is not None else 0.0
    steps = min(MAX_STEPS, max(1, math.ceil(seconds / MAX_STEP_S))) if seconds else 0
    step = seconds / steps if steps else 0.0
    if family in (WATER, GAS):
        return _volume_reading(family, profile, last, at, zone, steps, step)
    counters = {code: last.get(code, 0.0) for code in obis.COUNTERS if code[:2] == "01"}
    for index in range(steps):
        moment = (at - timedelta(seconds=step * (steps - index - 1))).astimezone(zone)
        total = sum(_phase_powers(family, profile, switches, moment))
        wh = abs(total) * step / 3600
        direction = "01" if total >= 0 else "02"
        tariff = "01" if _tariff_1(moment) else "02"
        counters[f"0100{direction}0800FF"] += wh
        counters[f"0100{direction}08{tariff}FF"] += wh
    local = at.astimezone(zone)
    powers = _phase_powers(family, profile, switches, local)
    rng = _rng(profile, local)
    values = {code: round(value, 3) for code, value in counters.items()}
    total = sum(powers)
    values[obis.POWER_TOTAL.hex] = round(total, 1)
    values[obis.POWER_IMPORT.hex] = round(max(total, 0.0), 1)
    values[obis.POWER_EXPORT.hex] = round(max(-total, 0.0), 1)
    factors = []
    for index, power in enumerate(powers):
        voltage = round(230.0 + rng.gauss(0, 1.2), 1)
        factor = round(min(1.0, 0.96 + rng.random() * 0.035), 3) if power else 1.0
        factors.append(factor)
        values[PHASE_POWER[index]] = round(power, 1)
        values[PHASE_VOLTAGE[index]] = voltage
        values[PHASE_CURRENT[index]] = round(abs(power) / (voltage * factor), 3)
        values[PHASE_FACTOR[index]] = factor
    values[obis.POWER_FACTOR.hex] = round(sum(factors) / len(factors), 3)
    values.update(switch_values(family, switches))
    return values


def _volume_reading(
    family: Family,
    profile: Profile,
    last: dict[str, float],
    at: datetime,
    zone: ZoneInfo,
    steps: int,
    step: float,
) -> dict[str, float]:
    volume, flow = (
        (obis.WATER_VOLUME, obis.WATER_FLOW)
        if family is WATER
        else (obis.GAS_VOLUME, obis.GAS_FLOW)
    )
    rate = meter_profiles.water_flow_m3h if family is WATER else meter_profiles.gas_flow_m3h
    total = last.get(volume.hex, 0.0)
    for index in range(steps):
        moment = (at - timedelta(seconds=step * (steps - index - 1))).astimezone(zone)
        total += rate(moment, _rng(profile, moment)) * step / 3600
    local = at.astimezone(zone)
    return {volume.hex: round(total, 4), flow.hex: round(rate(local, _rng(profile, local)), 3)}
