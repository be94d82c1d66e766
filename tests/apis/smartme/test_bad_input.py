"""Property tests over the face's parsers and request bodies: whatever a client sends, the
answer is the value or a 400 in smart-me's words, never another exception (a 500); and the
values that are accepted mean what they say."""

from __future__ import annotations

import math
import uuid
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from urllib.parse import quote

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from homecloud.apis.smartme import obis, schemas, wire
from homecloud.apis.smartme.enums import DeviceEnergyType, FamilyType, MeterSubType
from homecloud.core.errors import ApiError
from tests.apis.smartme.conftest import SmartMeUser, UserMaker

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=10,
)
tricky_text = st.sampled_from(
    ["", " ", "0", "-1", "²", "\u0661", "1_000", "9" * 30, "1e3", "NaN", "inf", "{}", "\x00"]
)


def refused(error: ApiError) -> None:
    assert error.status == 400
    assert error.messages
    assert error.messages[0].startswith("The request is invalid")


@settings(deadline=None)  # a busy machine must not fail a property
@given(st.text(max_size=60) | tricky_text | st.uuids().map(str))
def test_guids_parse_or_400(text: str) -> None:
    try:
        parsed = wire.parse_guid(text)
    except ApiError as error:
        refused(error)
        return
    assert parsed.hex == text.strip("{}").replace("-", "").lower()


@settings(deadline=None)  # a busy machine must not fail a property
@given(st.uuids(), st.sampled_from(["{}", "D", "N", "U"]))
def test_every_written_form_of_a_guid_is_the_guid(guid: uuid.UUID, form: str) -> None:
    text = {"{}": "{" + str(guid) + "}", "D": str(guid), "N": guid.hex, "U": str(guid).upper()}
    assert wire.parse_guid(text[form]) == guid


@settings(deadline=None)  # a busy machine must not fail a property
@given(st.text(max_size=50) | tricky_text)
def test_dates_parse_or_400(text: str) -> None:
    try:
        parsed = wire.parse_date(text, "date")
    except ApiError as error:
        refused(error)
        return
    assert parsed.tzinfo is UTC


@settings(deadline=None)  # a busy machine must not fail a property
@given(
    st.datetimes(
        min_value=datetime(1, 1, 2),
        max_value=datetime(9999, 12, 30),
        timezones=st.just(UTC)
        | st.builds(lambda m: timezone(timedelta(minutes=m)), st.integers(-1439, 1439)),
    )
)
def test_a_written_date_reads_back_as_the_same_moment(moment: datetime) -> None:
    assert wire.parse_date(moment.isoformat(), "date") == moment
    utc = moment.astimezone(UTC)
    formatted = wire.format_datetime(utc)
    assert len(formatted.split(".")[1]) == 8  # seven digits and Z
    assert wire.parse_date(formatted, "date") == utc


@settings(deadline=None)  # a busy machine must not fail a property
@given(json_values | tricky_text, st.sampled_from([DeviceEnergyType, MeterSubType, FamilyType]))
def test_enums_parse_by_name_or_number_or_400(value: Any, kind: Any) -> None:
    try:
        member = wire.parse_enum(kind, value, "kind")
    except ApiError as error:
        refused(error)
        return
    assert isinstance(member, kind)
    if isinstance(value, str) and not value.strip().lstrip("-").isdigit():
        assert value.strip().lower() == member.name.lower()
    else:
        assert int(str(value).strip()) == int(member)


@settings(deadline=None)  # a busy machine must not fail a property
@given(st.sampled_from([DeviceEnergyType, MeterSubType, FamilyType]), st.data())
def test_every_enum_member_is_taken_by_name_in_any_case_and_by_number(
    kind: Any, data: st.DataObject
) -> None:
    member = data.draw(st.sampled_from(list(kind)))
    assert wire.parse_enum(kind, member.name.upper(), "kind") is member
    assert wire.parse_enum(kind, int(member), "kind") is member
    assert wire.parse_enum(kind, str(int(member)), "kind") is member


@settings(deadline=None)  # a busy machine must not fail a property
@given(json_values | tricky_text)
def test_numbers_parse_or_400(value: Any) -> None:
    try:
        number = wire.parse_number(value, "Value")
    except ApiError as error:
        refused(error)
        return
    assert math.isfinite(number)
    assert abs(number) <= wire.MAX_MAGNITUDE
    assert not isinstance(value, bool)


@settings(deadline=None)  # a busy machine must not fail a property
@given(json_values | tricky_text)
def test_whole_numbers_parse_or_400(value: Any) -> None:
    try:
        number = wire.parse_whole(value, "Serial")
    except ApiError as error:
        refused(error)
        return
    assert 0 <= number <= wire.INT64_MAX


@settings(deadline=None)  # a busy machine must not fail a property
@given(st.text(max_size=50) | st.binary(min_size=6, max_size=6).map(lambda raw: raw.hex()))
def test_obis_codes_parse_or_refuse(text: str) -> None:
    try:
        code = obis.parse_code(text)
    except obis.ObisError:
        return
    assert len(code) == 12
    assert obis.from_bytes(obis.to_bytes(code)) == code


field_names = st.sampled_from(
    [
        "Id",
        "Name",
        "Serial",
        "DeviceEnergyType",
        "MeterSubType",
        "ValueDate",
        "Values",
        *list(schemas.POSTED_FIELDS),
        "DeviceID",
        "Actions",
        "ObisCode",
        "Value",
    ]
).map(str.lower)
bodies = st.dictionaries(field_names | st.text(max_size=5), json_values, max_size=8)
# What an HTTP client can send as JSON (no NaN or infinity).
json_sendable = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=10,
)
sendable_bodies = st.dictionaries(field_names | st.text(max_size=5), json_sendable, max_size=8)


@settings(max_examples=300, deadline=None)
@given(bodies)
def test_request_bodies_parse_or_400(body: dict[str, Any]) -> None:
    for parse in (schemas.device_post, schemas.action_post, schemas.custom_post):
        try:
            parse(body)
        except ApiError as error:
            refused(error)


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(body=sendable_bodies, query=st.text(max_size=30))
async def test_no_request_ends_in_a_500(
    face: httpx.AsyncClient, make_user: UserMaker, body: dict[str, Any], query: str
) -> None:
    # One user for every example of this run (the fixtures are the same for all of them).
    user = USERS.get(id(face)) or USERS.setdefault(id(face), await make_user("three_phase"))
    guid = user.meter("three_phase").guid
    for method, path, params in (
        ("POST", "/smartme/Devices", {}),
        ("POST", "/smartme/Actions", {}),
        ("POST", "/smartme/CustomDevice", {}),
        ("GET", "/smartme/DevicesByEnergy", {"meterEnergyType": query}),
        ("GET", "/smartme/DeviceBySerial", {"serial": query}),
        ("GET", f"/smartme/ValuesInPast/{quote(query, safe='') or 'x'}", {"date": query}),
        ("GET", f"/smartme/ValuesInPastMultiple/{guid}", {"startDate": query, "endDate": query}),
        ("PUT", f"/smartme/Devices/{guid}", {"switchState": query, "switchNumber": query}),
    ):
        response = await face.request(method, path, headers=user.basic, json=body, params=params)
        assert response.status_code < 500, (method, path, body, response.text)
        if response.status_code >= 400:
            assert set(response.json()) == {"Message"}


USERS: dict[int, SmartMeUser] = {}
