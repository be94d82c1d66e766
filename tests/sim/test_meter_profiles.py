"""The household profiles the simulated meters draw from."""

from __future__ import annotations

import random
from datetime import datetime

from homecloud.sim import meter_profiles


def at(hour: int, month: int = 6) -> datetime:
    return datetime(2026, month, 21, hour, 0)


def test_the_load_peaks_in_the_evening_and_rests_at_night() -> None:
    rng = random.Random(1)
    night = sum(meter_profiles.household_load_w(at(3), 200, rng) for _ in range(50)) / 50
    evening = sum(meter_profiles.household_load_w(at(19), 200, rng) for _ in range(50)) / 50
    assert 150 < night < 260
    assert evening > 3 * night


def test_pv_makes_power_by_day_only_and_less_in_winter() -> None:
    rng = random.Random(2)
    assert meter_profiles.pv_output_w(at(1), 8000, rng) == 0.0
    assert meter_profiles.pv_output_w(at(23), 8000, rng) == 0.0
    summer = sum(meter_profiles.pv_output_w(at(13), 8000, rng) for _ in range(50)) / 50
    winter = sum(meter_profiles.pv_output_w(at(13, 12), 8000, rng) for _ in range(50)) / 50
    assert 4000 < summer <= 8000
    assert winter < summer
    sunrise, sunset = meter_profiles.daylight(at(12, 12))
    assert sunset - sunrise < 9


def test_gas_heats_more_in_winter_and_water_flows_in_draws() -> None:
    rng = random.Random(3)
    winter = sum(meter_profiles.gas_flow_m3h(at(12, 1), rng) for _ in range(20))
    summer = sum(meter_profiles.gas_flow_m3h(at(12, 7), rng) for _ in range(20))
    assert winter > summer >= 0
    flows = [meter_profiles.water_flow_m3h(at(7), rng) for _ in range(200)]
    assert all(flow >= 0 for flow in flows)
    assert 0 < sum(1 for flow in flows if flow) < 200


def test_the_car_charges_in_the_evening_while_connected() -> None:
    assert meter_profiles.car_charging(at(19))
    assert meter_profiles.car_connected(at(19))
    assert not meter_profiles.car_charging(at(12))
    assert not meter_profiles.car_connected(at(12))
    assert meter_profiles.car_connected(at(3))
    assert not meter_profiles.car_charging(at(3))
