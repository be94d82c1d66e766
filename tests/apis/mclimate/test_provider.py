"""POST /v1/provider/fetch and /v1/provider/send: every type's live data and commands, the
acknowledgements in each type's shape, and what each bad body gets."""

from __future__ import annotations

import pytest

from homecloud.apis.mclimate.melissa import humidity_of, temperature_of
from tests.apis.mclimate.conftest import API, Login, assert_problem


async def test_melissa_data_with_raw_words_that_fit_the_sht2x_formulas(login: Login) -> None:
    api = await login("melissa")
    provider = await api.fetch(api.user.serial())
    assert set(provider) == {"temp", "raw_temperature", "humidity", "raw_humidity"}
    assert provider["temp"] == round(
        -46.85 + 175.72 * provider["raw_temperature"] / 65536 - 3.35, 1
    )
    assert provider["humidity"] == round(-6 + 125 * provider["raw_humidity"] / 65536, 1)
    assert temperature_of(provider["raw_temperature"]) == provider["temp"]
    assert humidity_of(provider["raw_humidity"]) == provider["humidity"]
    assert 5 < provider["temp"] < 35
    assert 10 < provider["humidity"] < 90
    answer = await api.post("/provider/fetch", {"serial_number": api.user.serial(), "offset": True})
    assert answer.json()["_links"] == {"self": {"href": "/v1/provider/fetch"}}


async def test_the_other_types_live_data(login: Login) -> None:
    api = await login("bobbie", "smart_plug", "vicki")
    bobbie = await api.fetch(api.user.serial("bobbie"))
    assert set(bobbie) == {
        "cold",
        "hot",
        "home",
        "energy",
        "voltage",
        "current",
        "relay_state",
        "load",
    }
    assert bobbie["relay_state"] == 1
    plug = await api.fetch(api.user.serial("smart_plug"))
    assert plug["online"] is True
    assert len(plug["power"]) == 1
    assert plug["power"][0] > 0
    vicki = await api.fetch(api.user.serial("vicki"))
    for key in (
        "temperature",
        "displayDigits",
        "motorPosition",
        "motorRange",
        "pendingCommandStatus",
    ):
        assert key in vicki
    assert vicki["displayDigits"] == 21
    assert (
        vicki["mac"]
        == (await api.get(f"/controllers/{api.user.serial('vicki')}")).json()["controller"]["mac"]
    )


async def test_send_ir_code_updates_the_command_log(login: Login) -> None:
    api = await login("melissa")
    serial = api.user.serial()
    answer = await api.send(serial, "send_ir_code", state=1, mode=3, temp=22, fan=0)
    assert answer.status_code == 200, answer.text
    assert answer.json() == {
        "provider": [254, 2, 0, 0],
        "_links": {"self": {"href": "/v1/provider/send"}},
    }
    entity = (await api.get(f"/controllers/{serial}")).json()["controller"]
    assert entity["_relation"]["command_log"] == {"state": 1, "mode": 3, "temp": 22, "fan": 0}


async def test_home_assistants_body_floats_strings_and_extra_keys(login: Login) -> None:
    api = await login("melissa")
    serial = api.user.serial()
    log = (await api.get(f"/controllers/{serial}")).json()["controller"]["_relation"]["command_log"]
    # Home Assistant changes one setting in its copy and sends the whole of it back.
    body = {**log, "temp": 25.0, "executor": "homebridge", "humidity": 40, "stale": {"x": 1}}
    answer = await api.send(serial, "send_ir_code", **body)
    assert answer.status_code == 200, answer.text
    assert (await api.send(serial, "send_ir_code", state="1", mode="4", fan="3")).status_code == 200
    entity = (await api.get(f"/controllers/{serial}")).json()["controller"]
    assert entity["_relation"]["command_log"] == {"state": 1, "mode": 4, "temp": 25, "fan": 3}
    # Only one field: the rest stays.
    assert (await api.send(serial, "send_ir_code", state=0)).status_code == 200
    entity = (await api.get(f"/controllers/{serial}")).json()["controller"]
    assert entity["_relation"]["command_log"] == {"state": 0, "mode": 4, "temp": 25, "fan": 3}


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("temp", 15),
        ("temp", 31),
        ("temp", 22.5),
        ("temp", "31"),
        ("mode", 5),
        ("mode", -1),
        ("state", 3),
        ("fan", 4),
    ],
)
async def test_out_of_range_ac_values_are_422_naming_the_field(
    login: Login, field: str, value: object
) -> None:
    api = await login("melissa")
    body = assert_problem(await api.send(api.user.serial(), "send_ir_code", **{field: value}), 422)
    assert body["detail"].startswith(f"{field}:")
    log = (await api.get(f"/controllers/{api.user.serial()}")).json()["controller"]["_relation"]
    assert log["command_log"] == {"state": 0, "mode": 2, "temp": 20, "fan": 2}  # nothing written


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"{",
        b"[1, 2]",
        b'"text"',
        b'{"command": "send_ir_code"}',
        b'{"serial_number": {"a": 1}, "command": "send_ir_code"}',
        b'{"serial_number": "X"}',
        b'{"serial_number": "X", "command": ["send_ir_code"]}',
    ],
)
async def test_malformed_bodies_are_400(login: Login, body: bytes) -> None:
    api = await login("melissa")
    answer = await api.http.post(API + "/provider/send", headers=api.headers, content=body)
    assert_problem(answer, 400)
    fetched = await api.http.post(API + "/provider/fetch", headers=api.headers, content=body)
    assert fetched.status_code in (400, 404)


async def test_wrongly_typed_values_are_400(login: Login) -> None:
    api = await login("melissa", "smart_plug")
    for value in (True, {"v": 1}, [1], "hot", "NaN", "1e999"):
        assert_problem(await api.send(api.user.serial(), "send_ir_code", temp=value), 400, "temp")
    assert_problem(await api.send(api.user.serial("smart_plug"), "switch_on_off"), 400, "state")


async def test_led_commands_and_unknown_commands(login: Login) -> None:
    api = await login("melissa")
    serial = api.user.serial()
    assert (await api.send(serial, "turn_led_off")).json()["provider"] == [254, 6, 0, 0]
    assert (await api.send(serial, "reset_color")).json()["provider"] == [254, 7, 0, 0]
    assert_problem(await api.send(serial, "switch_on_off", state="on"), 422, "command")
    assert_problem(await api.send(serial, "self_destruct"), 422, "command")


async def test_bobbie_commands(login: Login) -> None:
    api = await login("bobbie")
    serial = api.user.serial("bobbie")
    off = await api.send(serial, "switch_on_off", state="off")
    assert off.json()["provider"] == [254, 2, 0, 0]
    assert (await api.fetch(serial))["relay_state"] == 0
    assert (await api.fetch(serial))["load"] is False
    assert (await api.send(serial, "switch_on_off", state=True)).status_code == 200
    assert (await api.fetch(serial))["relay_state"] == 1
    assert (await api.send(serial, "default_state", state=2)).json()["provider"] == [254, 16, 0, 0]
    assert (await api.send(serial, "led_on_off", state="0")).json()["provider"] == [254, 12, 0, 0]
    assert_problem(await api.send(serial, "switch_on_off", state="dim"), 422, "state")
    assert_problem(await api.send(serial, "default_state", state=3), 422, "state")


async def test_smart_plug_commands_answer_the_plug_object(login: Login) -> None:
    api = await login("smart_plug")
    serial = api.user.serial("smart_plug")
    off = await api.send(serial, "switch_on_off", state="off")
    assert off.json()["provider"] == {"isok": True, "id": 1, "type": "relay", "code": "SHPLG-1"}
    assert (await api.fetch(serial))["power"] == [0]
    listed = (await api.get("/controllers")).json()["_embedded"]["controller"][0]
    assert listed["relay_state"] is False
    assert (await api.get(f"/controllers/{serial}")).json()["controller"]["relay_state"] is False
    on = await api.send(serial, "switch_on_off", state="on")
    assert on.json()["provider"]["id"] == 2
    assert (await api.fetch(serial))["power"][0] > 0
    for command, fields in (
        ("default_switch", {"state": "last"}),
        ("max_power_turn_off", {"max_power": 2000}),
        ("auto_switch", {"state": "off", "timeout": 60}),
    ):
        assert (await api.send(serial, command, **fields)).status_code == 200
    assert_problem(await api.send(serial, "default_switch", state="maybe"), 422, "state")
    assert_problem(await api.send(serial, "max_power_turn_off", max_power=99999), 422, "max_power")
    assert_problem(await api.send(serial, "auto_switch", state="on", timeout=-1), 422, "timeout")


async def test_vicki_commands_answer_the_pending_lorawan_record(login: Login) -> None:
    api = await login("vicki")
    serial = api.user.serial("vicki")
    answer = await api.send(serial, "set_motor_position", position=24.0)
    record = answer.json()["provider"]
    assert record["status"] == "pending"
    assert len(record["_id"]) == 24
    assert record["commandParams"] == {"position": 24}
    assert record["deviceId"] == (await api.fetch(serial))["mac"]
    assert record["__v"] == 0
    assert (await api.fetch(serial))["displayDigits"] == 24
    for command, fields in (
        ("set_motor_position_only", {"position": 400}),
        ("set_ext_temp", {"temp": "19.5"}),
        ("set_keepalive_time", {"time": 15}),
        ("recalibrate_motor", {}),
        ("set_range", {"min": 10, "max": 25}),
        ("child_lock", {"enabled": True}),
        ("set_open_window", {"enabled": 0}),
        ("force_close_vicki", {}),
    ):
        assert (await api.send(serial, command, **fields)).status_code == 200, command
    fetched = await api.fetch(serial)
    assert fetched["temperature"] == 19.5
    assert fetched["childLock"] is True
    assert_problem(await api.send(serial, "set_motor_position", position=26), 422, "position")
    assert_problem(await api.send(serial, "set_range", min=20, max=10), 422, "min")
    assert_problem(await api.send(serial, "set_motor_position_only", position=801), 422, "position")
