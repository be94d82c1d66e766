"""Schedules act on their controllers: which moments a span holds (days, local time, summer
time, past midnight), and the simulation and ``provider/send`` carrying them out: a plug's
relay switched on and off, an AC started at the target temperature, a valve closed."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import orjson
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select, update

from homecloud.apis.mclimate import repository, service
from homecloud.apis.mclimate.device_types import seeded
from homecloud.apis.mclimate.kinds import KINDS
from homecloud.apis.mclimate.models import MClimateController
from homecloud.apis.mclimate.scheduling import Schedule, moments
from homecloud.core.models import Device, now_ms
from homecloud.services import Services
from tests.apis.mclimate.conftest import Api, Login
from tests.apis.mclimate.test_simulation import MINUTE, Steps

ZURICH = ZoneInfo("Europe/Zurich")
UTC_ZONE = ZoneInfo("UTC")


def ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def local(at_ms: int, zone: ZoneInfo) -> datetime:
    return datetime.fromtimestamp(at_ms / 1000, UTC).astimezone(zone)


def schedule(**fields: Any) -> Schedule:
    stored = {
        "active": 1,
        "days": "1111111",
        "from_time": "07:00:00",
        "to_time": "08:30:00",
        "target": 1,
        "default_state": "off",
        **fields,
    }
    found = Schedule.active(stored)
    assert found is not None
    return found


def test_a_weekday_schedule_acts_on_weekdays_at_local_time_across_summer_time() -> None:
    weekdays = schedule(days="1111100")
    # The week of the switch to summer time (Sunday 30 March 2025) and the week after.
    since = ms(datetime(2025, 3, 24, tzinfo=ZURICH))
    found = moments([weekdays], ZURICH, since, since + 14 * 86_400_000)
    starts = [local(moment.at_ms, ZURICH) for moment in found if moment.starts]
    ends = [local(moment.at_ms, ZURICH) for moment in found if not moment.starts]
    assert [moment.date() for moment in starts] == [
        date(2025, 3, day) for day in (24, 25, 26, 27, 28, 31)
    ] + [date(2025, 4, day) for day in (1, 2, 3, 4)]
    assert {(moment.hour, moment.minute) for moment in starts} == {(7, 0)}
    assert {(moment.hour, moment.minute) for moment in ends} == {(8, 30)}
    # Local 07:00 is 06:00 UTC in winter and 05:00 UTC in summer.
    assert {local(m.at_ms, UTC_ZONE).hour for m in found if m.starts} == {5, 6}


def test_a_schedule_past_midnight_ends_the_next_day() -> None:
    night = schedule(days="0000001", from_time="22:00:00", to_time="06:00:00")
    since = ms(datetime(2025, 6, 2, tzinfo=UTC))  # a Monday
    found = moments([night], UTC_ZONE, since, since + 8 * 86_400_000)
    assert [(local(m.at_ms, UTC_ZONE), m.starts) for m in found] == [
        (datetime(2025, 6, 2, 6, tzinfo=UTC_ZONE), False),  # the night begun the Sunday before
        (datetime(2025, 6, 8, 22, tzinfo=UTC_ZONE), True),  # Sunday
        (datetime(2025, 6, 9, 6, tzinfo=UTC_ZONE), False),  # Monday morning
    ]


def test_a_handover_ends_the_first_schedule_before_the_next_starts() -> None:
    morning = schedule(from_time="06:00:00", to_time="09:00:00", target=0)
    day = schedule(from_time="09:00:00", to_time="17:00:00", target=1)
    since = ms(datetime(2025, 6, 2, 8, tzinfo=UTC))
    found = moments([day, morning], UTC_ZONE, since, since + 2 * 3_600_000)
    assert [(m.schedule, m.starts) for m in found] == [(morning, False), (day, True)]


def test_a_switched_off_schedule_never_acts() -> None:
    assert Schedule.active({"active": 0, "days": "1111111"}) is None


@given(
    days=st.text("01", min_size=7, max_size=7),
    start=st.integers(0, 1439),
    end=st.integers(0, 1439),
    since=st.integers(ms(datetime(2020, 1, 1, tzinfo=UTC)), ms(datetime(2030, 1, 1, tzinfo=UTC))),
    span=st.integers(0, 3 * 86_400_000),
    zone=st.sampled_from(["UTC", "Europe/Zurich", "America/New_York", "Asia/Kolkata"]),
)
def test_moments_lie_in_the_span_in_order_on_the_days_marked(
    days: str, start: int, end: int, since: int, span: int, zone: str
) -> None:
    tz = ZoneInfo(zone)
    stored = {"active": 1, "days": days, "default_state": "off"}
    stored |= {"from_time": f"{start // 60:02d}:{start % 60:02d}:00"}
    stored |= {"to_time": f"{end // 60:02d}:{end % 60:02d}:00"}
    found = moments([Schedule.active(stored)], tz, since, since + span)  # type: ignore[list-item]
    assert all(since < moment.at_ms <= since + span for moment in found)
    assert [m.at_ms for m in found] == sorted(m.at_ms for m in found)
    for moment in found:
        if moment.starts:
            # A start is on a marked day, at the start minute (unless that minute does not
            # exist that day: a spring-forward gap moves it by the gap).
            at = local(moment.at_ms, tz)
            assert days[at.weekday()] == "1"
            gap_free = at.hour * 60 + at.minute == start
            assert gap_free or tz.dst(at.replace(tzinfo=None) - timedelta(hours=3)) != tz.dst(
                at.replace(tzinfo=None)
            )


# --------------------------------------------------------------------- on the devices


def minute_of_day(at_ms: int) -> int:
    moment = local(at_ms, UTC_ZONE)
    return moment.hour * 60 + moment.minute


async def add_schedule(api: Api, serial: str, start: int, end: int, **fields: Any) -> None:
    body = {
        "controller_id": serial,
        "days": "1111111",
        "from_time": start % 1440,
        "to_time": end % 1440,
        **fields,
    }
    answer = await api.post("/schedules", body)
    assert answer.status_code == 201, answer.text


async def relay(api: Api, serial: str) -> bool:
    return bool((await api.get(f"/controllers/{serial}")).json()["controller"]["relay_state"])


async def test_a_schedule_switches_a_plug_on_and_then_off(login: Login, services: Services) -> None:
    api = await login("smart_plug")
    serial = api.user.serial("smart_plug")
    assert (await api.send(serial, "switch_on_off", state="off")).status_code == 200
    steps = Steps(services)
    soon = minute_of_day(steps.clock.now_ms()) + 30
    await add_schedule(api, serial, soon, soon + 60, target=1, default_state="off")
    seen = []
    for _ in range(12):
        await steps.run(10)
        seen.append(await relay(api, serial))
    # Off until the start (minute 30), on for the hour, off again from its end (minute 90).
    assert seen[:2] == [False, False]
    assert seen[3:8] == [True] * 5
    assert seen[9:] == [False] * 3


async def test_a_schedule_starts_an_ac_at_its_target_and_leaves_it_on(
    login: Login, services: Services
) -> None:
    api = await login("melissa")
    serial = api.user.serial()
    steps = Steps(services)
    soon = minute_of_day(steps.clock.now_ms()) + 15
    # 35 is more than the AC takes: the schedule brings it to the AC's highest setting.
    await add_schedule(api, serial, soon, soon + 30, target=35, default_state="do_nothing")
    await steps.run(60)
    entity = (await api.get(f"/controllers/{serial}")).json()["controller"]
    assert entity["_relation"]["command_log"]["state"] == 1
    assert entity["_relation"]["command_log"]["temp"] == 30


def test_moving_a_controller_carries_out_the_schedules_on_the_way() -> None:
    """What both the simulation and ``provider/send`` move a controller with: a span that
    holds a whole schedule ends with its end state, one that stops inside it with its
    start, and the device evolves between the moments (the relay's on-time is counted)."""
    kind = KINDS["smart_plug"]
    start = ms(datetime(2025, 6, 2, 6, 50, tzinfo=UTC))
    device = Device(kind="smart_plug", serial="PLUG-1", owner_id=1)
    initial = {**kind.initial(seeded(0, "PLUG-1"), start), "relay": False}

    def moved(minutes: int) -> dict[str, Any]:
        controller = MClimateController(
            mac="00:11:22:33:44:55",
            state=orjson.dumps(initial).decode(),
            command_log=None,
            simulated_until=start,
        )
        plan = [schedule(from_time="07:00:00", to_time="08:00:00", target=1)]
        row = repository.live_of(device, controller)
        return service.move_to(row, start + minutes * MINUTE, plan, UTC_ZONE)[1]

    assert not moved(5)["relay"]
    inside = moved(30)
    assert inside["relay"]
    assert inside["relay_changed_ms"] == ms(datetime(2025, 6, 2, 7, tzinfo=UTC))
    after = moved(120)
    assert not after["relay"]
    assert after["relay_changed_ms"] == ms(datetime(2025, 6, 2, 8, tzinfo=UTC))


async def test_a_command_after_a_scheduled_start_has_the_last_word(
    login: Login, services: Services
) -> None:
    api = await login("smart_plug")
    serial = api.user.serial("smart_plug")
    assert (await api.send(serial, "switch_on_off", state="off")).status_code == 200
    steps = Steps(services)
    soon = minute_of_day(steps.clock.now_ms()) + 10
    await add_schedule(api, serial, soon, soon + 120, target=1)
    await steps.run(20)
    assert await relay(api, serial)
    assert (await api.send(serial, "switch_on_off", state="off")).status_code == 200
    assert not await relay(api, serial)


async def test_a_valve_is_closed_when_its_schedule_ends(login: Login, services: Services) -> None:
    api = await login("vicki")
    serial = api.user.serial("vicki")
    steps = Steps(services)
    soon = minute_of_day(steps.clock.now_ms()) + 10
    await add_schedule(api, serial, soon, soon + 20, target=25, default_state="off")
    await steps.run(20)
    assert (await api.fetch(serial))["displayDigits"] == 25
    await steps.run(40)
    live = await api.fetch(serial)
    assert live["motorPosition"] == 0


async def test_a_fetch_shows_a_schedule_that_started_since_the_last_simulation_step(
    login: Login, services: Services
) -> None:
    """``provider/fetch`` moves the stored state to this moment the way the simulation will,
    schedules included: it does not wait for the next step to show one that has started."""
    api = await login("vicki")
    serial = api.user.serial("vicki")
    shown = (await api.fetch(serial))["displayDigits"]
    target = 28 if shown != 28 else 26
    # The simulation last stepped an hour ago; the schedule started five minutes ago.
    now = now_ms()
    async with services.database.session(write=True) as session:
        device_id = select(Device.id).where(Device.serial == serial).scalar_subquery()
        await session.execute(
            update(MClimateController)
            .where(MClimateController.device_id == device_id)
            .values(simulated_until=now - 60 * MINUTE)
        )
    start = minute_of_day(now) - 5
    await add_schedule(api, serial, start, start + 120, target=target)
    assert (await api.fetch(serial))["displayDigits"] == target
