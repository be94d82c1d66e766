"""The generic physical models: a heated floor and its room, the weather, a relay, clocks."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from homecloud.sim.clock import ManualClock
from homecloud.sim.relay import HysteresisRelay
from homecloud.sim.thermal import RoomState, step
from homecloud.sim.weather import OutdoorCurve

HOUR = 3600.0


def test_the_heated_floor_warms_floor_and_room() -> None:
    start = RoomState(floor_c=20.0, room_c=20.0)
    later = step(start, HOUR, heating=True, outdoor_c=20.0)
    assert later.floor_c > start.floor_c + 1
    assert later.room_c > start.room_c
    assert later.floor_c > later.room_c  # the floor is what heats the room


def test_without_heat_the_room_cools_towards_the_outdoors() -> None:
    start = RoomState(floor_c=21.0, room_c=21.0)
    later = step(start, 6 * HOUR, heating=False, outdoor_c=0.0)
    assert 0.0 < later.room_c < start.room_c
    assert later.floor_c < start.floor_c
    # And never past the outdoor temperature, however long it waits.
    settled = step(start, 400 * HOUR, heating=False, outdoor_c=0.0)
    assert settled.room_c == pytest.approx(0.0, abs=0.05)


def test_a_room_at_the_outdoor_temperature_stays_there_unheated() -> None:
    still = step(RoomState(10.0, 10.0), HOUR, heating=False, outdoor_c=10.0)
    assert (still.floor_c, still.room_c) == pytest.approx((10.0, 10.0))


def test_stepping_backwards_is_refused() -> None:
    with pytest.raises(ValueError, match="backwards"):
        step(RoomState(20.0, 20.0), -1.0, heating=False, outdoor_c=0.0)


def test_the_relay_switches_outside_its_band_and_holds_inside_it() -> None:
    relay = HysteresisRelay(band_c=0.5)
    assert relay.switch(False, 20.4, 21.0) is True  # below set point - band
    assert relay.switch(True, 21.6, 21.0) is False  # above set point + band
    # Inside the band it keeps whatever it was doing: no chattering around the set point.
    assert relay.switch(True, 21.3, 21.0) is True
    assert relay.switch(False, 20.7, 21.0) is False


def test_the_outdoors_is_warmer_in_july_afternoons_than_january_nights() -> None:
    curve = OutdoorCurve()
    zone = ZoneInfo("Europe/Zurich")
    january_night = curve.temperature_c(datetime(2026, 1, 15, 3, tzinfo=zone))
    january_afternoon = curve.temperature_c(datetime(2026, 1, 15, 15, tzinfo=zone))
    july_afternoon = curve.temperature_c(datetime(2026, 7, 19, 15, tzinfo=zone))
    assert january_night < january_afternoon < july_afternoon
    assert january_night < 2.0
    assert july_afternoon > 20.0


def test_the_manual_clock_moves_only_forward_when_told() -> None:
    clock = ManualClock(1_000)
    assert clock.now_ms() == 1_000
    clock.advance(500)
    assert clock.now_ms() == 1_500
    with pytest.raises(ValueError, match="backwards"):
        clock.advance(-1)
