"""The household load profile and the clear-sky PV plant: deterministic per seed, and shaped
like the real thing (seasons, days of the week, day and night)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from homecloud.sim.household import Household
from homecloud.sim.noise import uniform
from homecloud.sim.solar import PvPlant, clear_sky_irradiance, solar_elevation_sin

ZONE = ZoneInfo("Europe/Zurich")


def day_kwh(model: Household | PvPlant, day: datetime) -> list[float]:
    """The 96 quarter-hours of a local day (a day without a clock change)."""
    first = int(day.timestamp()) // 900
    return [
        model.quarter_hour_kwh(datetime.fromtimestamp(slot * 900, ZONE), slot)
        for slot in range(first, first + 96)
    ]


def test_noise_is_a_function_of_its_keys() -> None:
    assert uniform(1, 2, 3) == uniform(1, 2, 3)
    assert uniform(1, 2, 3) != uniform(1, 2, 4)
    draws = [uniform(7, slot) for slot in range(10_000)]
    assert all(0 <= draw < 1 for draw in draws)
    assert 0.45 < sum(draws) / len(draws) < 0.55


def test_a_household_is_the_same_for_its_seed_and_differs_from_others() -> None:
    day = datetime(2025, 1, 15, tzinfo=ZONE)
    assert day_kwh(Household(5), day) == day_kwh(Household(5), day)
    assert day_kwh(Household(5), day) != day_kwh(Household(6), day)


def test_a_household_uses_more_in_winter_and_peaks_morning_and_evening() -> None:
    homes = [Household(seed) for seed in range(20)]
    winter = sum(sum(day_kwh(h, datetime(2025, 1, 15, tzinfo=ZONE))) for h in homes)
    summer = sum(sum(day_kwh(h, datetime(2025, 7, 16, tzinfo=ZONE))) for h in homes)
    assert winter > 1.3 * summer
    # A Wednesday in spring, averaged over the households: 07:00 and 19:00 beat 03:00.
    wednesday = [day_kwh(h, datetime(2025, 4, 16, tzinfo=ZONE)) for h in homes]

    def at(hour: int) -> float:
        return sum(sum(day[hour * 4 : hour * 4 + 4]) for day in wednesday)

    assert at(7) > 1.5 * at(3)
    assert at(19) > 1.5 * at(3)
    # A typical Swiss household: a few thousand kWh a year (2 to 12 kWh a day here).
    assert all(2 < sum(day) < 40 for day in wednesday)
    assert all(value > 0 for day in wednesday for value in day)


def test_the_sun_is_up_at_noon_and_down_at_midnight_in_lucerne() -> None:
    noon = datetime(2025, 6, 21, 11, 30, tzinfo=UTC)  # 13:30 local, near solar noon
    assert solar_elevation_sin(noon, 47.05, 8.31) > 0.9
    assert solar_elevation_sin(noon + timedelta(hours=12), 47.05, 8.31) < 0
    assert clear_sky_irradiance(-0.1) == 0.0
    assert 900 < clear_sky_irradiance(1.0) < 1100


def test_a_pv_plant_produces_by_day_more_in_summer() -> None:
    plants = [PvPlant(seed) for seed in range(10)]
    june = [day_kwh(p, datetime(2025, 6, 20, tzinfo=ZONE)) for p in plants]
    december = [day_kwh(p, datetime(2025, 12, 20, tzinfo=ZONE)) for p in plants]
    assert all(day[0] == 0.0 and day[95] == 0.0 for day in june)  # midnight
    assert sum(map(sum, june)) > 2.5 * sum(map(sum, december))
    # An 8 kWp plant makes at most ~60 kWh on a clear June day.
    assert all(0 < sum(day) < 65 for day in june)
    assert day_kwh(PvPlant(3), datetime(2025, 6, 20, tzinfo=ZONE)) == day_kwh(
        PvPlant(3), datetime(2025, 6, 20, tzinfo=ZONE)
    )
