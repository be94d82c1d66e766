"""The room-air model: an air conditioner's modes and fan speeds, a radiator valve."""

from __future__ import annotations

import pytest

from homecloud.sim.room import Conditioner, Conditioning, RoomAir, step

HOUR = 3600.0


def cooled(fan: float, hours: float = 0.5) -> RoomAir:
    return step(
        RoomAir(28.0, 60.0),
        hours * HOUR,
        outdoor_c=30.0,
        conditioner=Conditioner(Conditioning.COOL, 18.0, fan),
    )


def test_cooling_pulls_the_room_down_faster_at_a_higher_fan_speed() -> None:
    low, high = cooled(0.4), cooled(1.0)
    assert high.temperature_c < low.temperature_c < 28.0


def test_cooling_settles_at_the_set_point_without_overshooting() -> None:
    settled = cooled(1.0, hours=8)
    assert 18.0 <= settled.temperature_c < 19.5


def test_cooling_and_drying_take_water_out_of_the_air() -> None:
    assert cooled(1.0).humidity_pct < 60.0
    dried = step(
        RoomAir(24.0, 70.0), HOUR, outdoor_c=24.0, conditioner=Conditioner(Conditioning.DRY, 20, 1)
    )
    assert dried.humidity_pct < 60.0


def test_heating_pushes_it_up_and_off_drifts_to_the_outdoors() -> None:
    heated = step(
        RoomAir(15.0, 50.0), HOUR, outdoor_c=5.0, conditioner=Conditioner(Conditioning.HEAT, 22)
    )
    assert heated.temperature_c > 17.0
    drifting = step(RoomAir(22.0, 50.0), 12 * HOUR, outdoor_c=5.0)
    assert 5.0 < drifting.temperature_c < 15.0
    fan_only = step(
        RoomAir(22.0, 50.0), HOUR, outdoor_c=22.0, conditioner=Conditioner(Conditioning.FAN, 16)
    )
    assert fan_only.temperature_c == pytest.approx(22.0)


def test_auto_cools_above_and_heats_below_its_set_point() -> None:
    auto = Conditioner(Conditioning.AUTO, 22.0)
    assert step(RoomAir(26.0, 50.0), HOUR, outdoor_c=26.0, conditioner=auto).temperature_c < 24
    assert step(RoomAir(18.0, 50.0), HOUR, outdoor_c=18.0, conditioner=auto).temperature_c > 20


def test_an_open_radiator_valve_warms_the_room() -> None:
    closed = step(RoomAir(18.0, 50.0), HOUR, outdoor_c=5.0)
    opened = step(RoomAir(18.0, 50.0), HOUR, outdoor_c=5.0, valve_opening=1.0)
    assert opened.temperature_c > closed.temperature_c + 1


def test_a_room_is_not_stepped_backwards() -> None:
    with pytest.raises(ValueError, match="backwards"):
        step(RoomAir(20.0, 50.0), -1, outdoor_c=10.0)
