"""Property tests over the face's parsers: any body or query string is accepted or refused
with a 400 or 422 problem naming what is wrong, never anything else (which would be a 500);
and a command that is refused leaves the device as it was."""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from homecloud.apis.mclimate.commands import Fields, json_object
from homecloud.apis.mclimate.device_types import Identity, seeded
from homecloud.apis.mclimate.kinds import KINDS
from homecloud.apis.mclimate.query import parse_query
from homecloud.apis.mclimate.routes.geofences import GEOFENCE_FIELDS
from homecloud.apis.mclimate.views import CONTROLLER_FIELDS, CONTROLLER_ITEM_FIELDS
from homecloud.core.errors import ApiError
from homecloud.core.parsing import json_number

KEYS = [
    "serial_number", "command", "state", "mode", "temp", "fan", "position", "max_power",
    "timeout", "time", "min", "max", "enabled", "name", "room_id", "days", "from_time",
]  # fmt: skip
COMMANDS = sorted(
    {"send_ir_code", "turn_led_off", "reset_color", "switch_on_off", "default_state",
     "led_on_off", "default_switch", "max_power_turn_off", "auto_switch", "set_motor_position",
     "set_motor_position_only", "set_ext_temp", "set_keepalive_time", "recalibrate_motor",
     "set_range", "child_lock", "force_close_vicki", "set_open_window", "nope"}
)  # fmt: skip
numbers_as_text = st.sampled_from(
    ["0", "1", "2", "25.0", "-1", "²", "\u0661", "1_000", " 2 ", "9" * 25, "1e3", "NaN", "on", ""]
)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text() | numbers_as_text,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=10,
)
bodies = st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=8), json_values, max_size=8)


def bad_request(error: ApiError) -> None:
    assert error.status == 400, error
    assert error.messages[0]


def refused(error: ApiError) -> None:
    assert error.status in (400, 422), error
    assert error.messages
    assert error.messages[0]


@settings(max_examples=500)
@given(st.sampled_from(sorted(KINDS)), st.sampled_from(COMMANDS), bodies)
def test_commands_are_carried_out_or_refused_with_400_or_422(
    kind_name: str, command: str, body: dict[str, Any]
) -> None:
    kind = KINDS[kind_name]
    state = kind.initial(seeded(1, "SERIAL"), 1_780_000_000_000)
    before = copy.deepcopy(state)
    log = kind.initial_command_log()
    try:
        outcome = kind.command(
            command, Fields(body), state, log, Identity("SERIAL", "00AA"), 1_780_000_000_000
        )
    except ApiError as error:
        refused(error)
    else:
        assert outcome.ack is not None
        if outcome.command_log is not None:
            assert set(outcome.command_log) == {"state", "mode", "temp", "fan"}
            assert 16 <= outcome.command_log["temp"] <= 30
    assert state == before  # commands return a new state; the one given is never changed


@settings(max_examples=300)
@given(st.binary(max_size=200) | st.text(max_size=200).map(str.encode))
def test_any_body_is_an_object_or_a_400(raw: bytes) -> None:
    try:
        body = json_object(raw)
    except ApiError as error:
        bad_request(error)
        return
    assert isinstance(body, dict)


@settings(max_examples=300)
@given(json_values)
def test_every_field_reader_answers_a_value_or_400_or_422(value: Any) -> None:
    fields = Fields({"x": value})
    readers = (
        lambda: fields.text("x"),
        lambda: fields.integer("x", 0, 10),
        lambda: fields.number("x", -5, 5),
        lambda: fields.flag("x"),
        lambda: fields.switch("x"),
        lambda: fields.choice("x", ("on", "off")),
        lambda: fields.optional_integer("x", 1, 3),
    )
    for read in readers:
        try:
            read()
        except ApiError as error:
            refused(error)


@given(json_values)
def test_json_numbers_are_finite_floats_or_none(value: Any) -> None:
    number = json_number(value)
    assert number is None or isinstance(number, float)
    if number is not None:
        assert number == number  # not NaN
        assert not isinstance(value, bool)


query_names = st.sampled_from(
    ["page", "limit", "sort", "fields", "type", "id", "online", "created", "foo", "controller_log"]
) | st.text(max_size=6)
query_values = (
    numbers_as_text
    | st.text(max_size=12)
    | st.sampled_from(
        ["-created", "name,-id", "serial_number,mac", "true", "null", "2024-01-02 03:04:05", ","]
    )
)


@settings(max_examples=400)
@given(
    st.lists(st.tuples(query_names, query_values), max_size=5),
    st.sampled_from([CONTROLLER_ITEM_FIELDS, CONTROLLER_FIELDS, GEOFENCE_FIELDS]),
    st.booleans(),
)
def test_query_options_parse_or_answer_400(
    params: list[tuple[str, str]], fields: Any, collection: bool
) -> None:
    try:
        query = parse_query(params, fields, resource="things", collection=collection)
    except ApiError as error:
        bad_request(error)
        return
    assert 1 <= query.limit <= 30
    assert query.page >= 1
    for condition in query.filters:
        assert condition.field.name in fields
    for key in query.sort:
        assert key.field.kind != "object"
