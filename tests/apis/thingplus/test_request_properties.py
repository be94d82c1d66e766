"""Property tests over Thing+'s request checks (its "models": the vendor validates with ajv
and answers 400 SCHEMA_VALIDATE): for any JSON body or query string they accept or answer a
400, and never raise anything else (which would be a 500)."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from starlette.datastructures import QueryParams

from homecloud.apis.thingplus import schemas
from homecloud.apis.thingplus.query import parse_collection
from homecloud.apis.thingplus.routes.series import parse_time
from homecloud.core.errors import ApiError

SCHEMAS = [
    (schemas.REGISTER_GATEWAY, ("params",)),
    (schemas.REGISTER_PARAMS, ("model", "name")),
    (schemas.GATEWAY_UPDATE, ()),
    (schemas.DEVICE_INPUT, ()),
    (schemas.DEVICE_UPDATE, ()),
    (schemas.SENSOR_INPUT, ()),
    (schemas.SENSOR_UPDATE, ()),
    (schemas.STATUS_INPUT, ("value",)),
]
KEYS = sorted({key for fields, _ in SCHEMAS for key in fields})
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=10,
)
bodies = st.dictionaries(st.sampled_from(KEYS) | st.text(), json_values, max_size=6)
numbers = st.sampled_from(["0", "1", "-1", "²", "\u0661", "1_000", " 2 ", "9" * 25, "1e3", ""])


def refused(error: ApiError) -> None:
    assert error.status == 400
    assert error.code in ("SCHEMA_VALIDATE", "INVALID_INPUT")
    assert error.messages


@settings(max_examples=400)
@given(st.sampled_from(SCHEMAS), bodies | json_values)
def test_body_checks_accept_or_answer_400(schema: Any, body: Any) -> None:
    fields, required = schema
    try:
        checked = schemas.check_object(body, fields, required)
    except ApiError as error:
        refused(error)
        return
    assert set(checked) <= set(fields)


@given(json_values | numbers)
def test_report_intervals_are_integers_in_range_or_400(value: Any) -> None:
    try:
        interval = schemas.check_report_interval(value, ".reportInterval")
    except ApiError as error:
        refused(error)
        return
    assert type(interval) is int
    assert schemas.MIN_REPORT_INTERVAL_MS <= interval <= schemas.MAX_REPORT_INTERVAL_MS


@given(bodies | json_values)
def test_status_bodies_are_checked(body: Any) -> None:
    try:
        value, duration = schemas.check_status(body)
    except ApiError as error:
        refused(error)
        return
    assert isinstance(value, str)
    assert type(duration) is int


query_keys = st.sampled_from(
    ["count", "page", "orderBy", "orderDir", "fields", "embed", "filter[name]", "sensors[x]"]
)


@given(st.lists(st.tuples(query_keys | st.text(), numbers | st.text()), max_size=6))
def test_collection_queries_parse_or_answer_400(pairs: list[tuple[str, str]]) -> None:
    try:
        query = parse_collection(QueryParams(pairs), ("sensors", "status"))
    except ApiError as error:
        refused(error)
        return
    assert 1 <= query.count <= 4000
    assert query.page >= 0


@given(numbers | st.text())
def test_times_parse_or_answer_400(text: str) -> None:
    try:
        moment = parse_time(QueryParams([("dataStart", text)]), "dataStart", 0)
    except ApiError as error:
        refused(error)
        return
    assert moment >= 0
