"""The simulated devices over simulated time: an AC in cool mode cools its room, Bobbie's
energy only grows, the plug's power follows its relay, Vicki's motor follows its target;
steps publish change events and keep a sensor history; the same seed gives the same devices."""

from __future__ import annotations

import pytest

from homecloud.apis.mclimate.device_types import DeviceType, advance, seeded
from homecloud.apis.mclimate.kinds import KINDS
from homecloud.apis.mclimate.simulation import Simulation
from homecloud.core.models import now_ms
from homecloud.services import Services
from homecloud.sim.clock import ManualClock
from tests.apis.mclimate.conftest import Api, Login

MINUTE = 60_000


class Steps:
    """The face's simulation on a hand-moved clock that starts now."""

    def __init__(self, services: Services) -> None:
        self.clock = ManualClock(now_ms())
        self.simulation = Simulation(
            services.database, services.events, self.clock, history_seconds=600
        )

    async def run(self, minutes: int, every: int = 10) -> None:
        for _ in range(minutes // every):
            self.clock.advance(every * MINUTE)
            await self.simulation.step()


async def temperatures(api: Api, steps: Steps, minutes: int, serial: str) -> list[float]:
    seen = []
    for _ in range(minutes // 10):
        await steps.run(10)
        seen.append((await api.fetch(serial))["temp"])
    return seen


async def test_an_ac_in_cool_mode_cools_its_room(login: Login, services: Services) -> None:
    api = await login("melissa")
    serial = api.user.serial()
    steps = Steps(services)
    # Warm the room first, so that there is something to cool whatever the season.
    assert (
        await api.send(serial, "send_ir_code", state=1, mode=2, temp=30, fan=3)
    ).status_code == 200
    warming = await temperatures(api, steps, 180, serial)
    assert warming[-1] > warming[0]
    humid_before = (await api.fetch(serial))["humidity"]
    assert (
        await api.send(serial, "send_ir_code", state=1, mode=3, temp=16, fan=3)
    ).status_code == 200
    cooling = await temperatures(api, steps, 120, serial)
    assert cooling == sorted(cooling, reverse=True)
    assert cooling[-1] < warming[-1] - 3
    assert (await api.fetch(serial))["humidity"] < humid_before
    # Off: the room drifts back towards the outdoors, no longer held at the set point.
    assert (await api.send(serial, "send_ir_code", state=0)).status_code == 200
    listed = (await api.get("/controllers")).json()["_embedded"]["controller"][0]
    assert listed["controller_log"]["temp"] == (await api.fetch(serial))["temp"]


async def test_steps_publish_events_and_keep_history(login: Login, services: Services) -> None:
    api = await login("melissa", "bobbie")
    subscription = services.events.subscribe(lambda event: event.face == "mclimate")
    steps = Steps(services)
    await api.send(api.user.serial(), "send_ir_code", state=1, mode=3, temp=16, fan=3)
    command_event = await subscription.get()
    assert (command_event.kind, command_event.resource_id) == ("controller", api.user.serial())
    assert command_event.owner_id == api.user.id
    steps.clock.advance(30 * MINUTE)
    changes = await steps.simulation.step()
    assert {change.resource_id for change in changes} == {
        api.user.serial(),
        api.user.serial("bobbie"),
    }
    assert (await subscription.get()).face == "mclimate"
    assert await steps.simulation.step() == []  # no time passed: nothing changed
    await steps.run(60)
    history = (await api.get(f"/controllers/{api.user.serial()}/logs")).json()
    records = history["_embedded"]["controller_log"]
    assert history["total"] == len(records) == 7
    assert set(records[0]) >= {"id", "temp", "raw_temperature", "humidity", "created"}
    assert records == sorted(records, key=lambda record: record["created"])
    newest = (
        await api.get(f"/controllers/{api.user.serial()}/logs", sort="-created", limit="2")
    ).json()
    assert newest["_embedded"]["controller_log"][0]["created"] == records[-1]["created"]
    assert newest["_links"]["next"]["href"].endswith("page=2")
    some = (await api.get(f"/controllers/{api.user.serial()}/logs", fields="temp")).json()
    assert set(some["_embedded"]["controller_log"][0]) == {"temp", "_links"}
    bobbie = (await api.get(f"/controllers/{api.user.serial('bobbie')}/logs")).json()
    assert "energy" in bobbie["_embedded"]["controller_log"][0]
    assert (await api.get(f"/controllers/{api.user.serial()}/logs", energy="1")).status_code == 400


async def test_bobbie_energy_only_increases(login: Login, services: Services) -> None:
    api = await login("bobbie")
    serial = api.user.serial("bobbie")
    steps = Steps(services)
    energies = []
    for minutes in range(12):
        await steps.run(30)
        if minutes == 6:
            await api.send(serial, "switch_on_off", state="off")
        energies.append((await api.fetch(serial))["energy"])
    assert energies == sorted(energies)
    assert energies[6] > energies[0]  # the tank reheated while the relay was on
    assert energies[7:] == [energies[6]] * 5  # off: nothing drawn


async def test_the_plugs_power_follows_its_relay(login: Login, services: Services) -> None:
    api = await login("smart_plug")
    serial = api.user.serial("smart_plug")
    steps = Steps(services)
    assert (await api.fetch(serial))["power"][0] > 0
    await api.send(serial, "auto_switch", state="off", timeout=600)
    await steps.run(20)
    assert (await api.fetch(serial))["power"] == [0]  # the timer switched it off
    await api.send(serial, "auto_switch", state="off", timeout=0)
    await api.send(serial, "switch_on_off", state="on")
    assert (await api.fetch(serial))["power"][0] > 0
    await api.send(serial, "max_power_turn_off", max_power=10)
    await steps.run(10)
    assert (await api.fetch(serial))["power"] == [0]  # over its limit: switched off
    listed = (await api.get("/controllers")).json()["_embedded"]["controller"][0]
    assert listed["relay_state"] is False


async def test_vickis_motor_follows_its_target(login: Login, services: Services) -> None:
    api = await login("vicki")
    serial = api.user.serial("vicki")
    steps = Steps(services)
    await api.send(serial, "set_motor_position_only", position=400)
    assert (await api.fetch(serial))["motorPosition"] == 0
    await steps.run(1, every=1)
    assert (await api.fetch(serial))["motorPosition"] == 120  # two steps a second
    await steps.run(5, every=1)
    assert (await api.fetch(serial))["motorPosition"] == 400
    await api.send(serial, "set_motor_position", position=30)  # a warm target: opens fully
    await steps.run(10, every=1)
    assert (await api.fetch(serial))["motorPosition"] == 800
    await api.send(serial, "force_close_vicki")
    await steps.run(10, every=1)
    assert (await api.fetch(serial))["motorPosition"] == 0


def test_the_same_seed_gives_the_same_devices() -> None:
    start = 1_780_000_000_000
    for name, kind in KINDS.items():
        first = kind.initial(seeded(7, "SERIAL1"), start)
        assert first == kind.initial(seeded(7, "SERIAL1"), start), name
        assert first != kind.initial(seeded(8, "SERIAL1"), start), name
        log = kind.initial_command_log()
        later = advance(kind, first, log, start, start + 6 * 3_600_000)
        assert later == advance(kind, first, log, start, start + 6 * 3_600_000), name


def test_every_type_names_itself_and_its_commands_in_its_class_line() -> None:
    assert {name: kind.firmware_version for name, kind in KINDS.items()} == {
        "melissa": "V1SHTHF",
        "bobbie": "V1BOBBIE",
        "smart_plug": "SHPLG-1",
        "vicki": "V4VICKI",
    }
    assert [name for name, kind in KINDS.items() if kind.shows_relay] == ["smart_plug"]
    assert all(isinstance(kind.commands, tuple) and kind.commands for kind in KINDS.values())


def test_a_type_that_leaves_out_its_name_fails_when_it_is_defined() -> None:
    with pytest.raises(TypeError, match="name"):

        class Nameless(DeviceType, firmware_version="X1", commands=()):  # type: ignore[call-arg]
            pass
