"""The shared parsers of outside input: ASCII digits only, bounds always, never an exception
other than the parser's own (property-based, over arbitrary text)."""

from __future__ import annotations

import math

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from homecloud.core.observability import redact
from homecloud.core.parsing import (
    MAX_ID,
    MAX_JSON_DEPTH,
    MalformedJson,
    NumberError,
    is_integer_text,
    json_number,
    parse_decimal,
    parse_id,
    parse_int,
    parse_json,
)

bounds = st.one_of(st.none(), st.integers(min_value=-(2**64), max_value=2**64))


@given(st.text(), bounds, bounds)
def test_parse_int_returns_a_number_in_bounds_or_says_why_not(
    text: str, minimum: int | None, maximum: int | None
) -> None:
    try:
        value = parse_int(text, name="n", minimum=minimum, maximum=maximum)
    except NumberError as error:
        refused = error
    else:
        refused = None
    if refused is not None:
        assert refused.name == "n"
        assert str(refused)
        return
    assert text == str(value) or text.lstrip("-0") == str(abs(value)).lstrip("0")
    assert minimum is None or value >= minimum
    assert maximum is None or value <= maximum


@given(st.integers(min_value=-(10**18), max_value=10**18))
def test_every_plain_integer_is_read_back(number: int) -> None:
    assert parse_int(str(number), name="n", minimum=None, maximum=None) == number


@pytest.mark.parametrize(
    "text",
    ["²", "\u0661\u0662", "12²", " 12", "12 ", "1_000", "+1", "0x10", "", "-", "1e3", "\u0661"],
)
def test_what_int_or_isdigit_would_take_is_refused(text: str) -> None:
    with pytest.raises(NumberError) as refused:
        parse_int(text, name="page", minimum=0, maximum=None)
    assert refused.value.problem == "integer"
    assert not is_integer_text(text)


def test_huge_numbers_break_the_bound_they_exceed() -> None:
    with pytest.raises(NumberError) as above:
        parse_int("9" * 20, name="page", minimum=0, maximum=MAX_ID)
    assert (above.value.problem, above.value.limit) == ("maximum", MAX_ID)
    with pytest.raises(NumberError) as below:
        parse_int("-" + "9" * 5000, name="n", minimum=-5, maximum=None)
    assert (below.value.problem, below.value.limit) == ("minimum", -5)
    with pytest.raises(NumberError) as unbounded:
        parse_int("9" * 5000, name="n", minimum=None, maximum=None)
    assert unbounded.value.problem == "integer"


@given(st.text())
def test_parse_id_is_a_row_id_or_none(text: str) -> None:
    value = parse_id(text, name="id")
    assert value is None or 1 <= value <= MAX_ID


def test_ids_are_positive_64_bit() -> None:
    assert parse_id("1", name="id") == 1
    assert parse_id(str(MAX_ID), name="id") == MAX_ID
    assert parse_id(str(MAX_ID + 1), name="id") is None
    assert parse_id("0", name="id") is None
    assert parse_id("²", name="id") is None


@given(st.text())
def test_parse_decimal_is_finite_or_none(text: str) -> None:
    value = parse_decimal(text)
    assert value is None or math.isfinite(value)


@pytest.mark.parametrize(
    "text", ["1_000", " 12 ", "\u0661\u0662", "inf", "nan", "1e999", "0x1", "", "."]
)
def test_decimals_python_float_takes_but_vendors_do_not(text: str) -> None:
    assert parse_decimal(text) is None


@pytest.mark.parametrize(("text", "value"), [("36.5", 36.5), ("-2", -2.0), ("1e3", 1000.0)])
def test_plain_decimals_are_read(text: str, value: float) -> None:
    assert parse_decimal(text) == value


@pytest.mark.parametrize(
    ("value", "number"),
    [(25, 25.0), (25.0, 25.0), ("25.0", 25.0), ("2", 2.0), (-1.5, -1.5), ("1e3", 1000.0)],
)
def test_json_numbers_come_as_numbers_or_decimal_text(value: object, number: float) -> None:
    assert json_number(value) == number


@pytest.mark.parametrize(
    "value", [True, False, None, "on", " 2 ", "1_000", "nan", math.inf, math.nan, [1], {"a": 1}]
)
def test_what_is_no_json_number(value: object) -> None:
    assert json_number(value) is None


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**63), 2**63 - 1) | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=20,
)


@given(json_values)
def test_json_within_the_depth_limit_is_read_as_written(value: object) -> None:
    assert parse_json(orjson.dumps(value)) == value


@given(st.binary())
def test_parse_json_raises_only_its_own_error(raw: bytes) -> None:
    try:
        parse_json(raw)
    except MalformedJson as error:
        message = str(error)
    else:
        message = "The request body parsed"
    assert message.startswith("The request body ")


@pytest.mark.parametrize("depth", [MAX_JSON_DEPTH + 1, 1000, 1024])
def test_deep_nesting_is_refused_before_anything_walks_it(depth: int) -> None:
    with pytest.raises(MalformedJson, match="nests deeper than"):
        parse_json("[" * depth + "]" * depth)
    assert parse_json("[" * MAX_JSON_DEPTH + "]" * MAX_JSON_DEPTH) is not None


@pytest.mark.parametrize(
    "line",
    [
        '127.0.0.1:5 - "WebSocket /nuheat/hubs/notifications?id=x&access_token=SECRET" [accepted]',
        "GET /x?token=SECRET&a=1",
        "/cb?code=SECRET&state=s",
        "/x?a=1&Access_Token=SECRET",
    ],
)
def test_credentials_in_query_strings_are_redacted(line: str) -> None:
    cleaned = redact(line)
    assert "SECRET" not in cleaned
    assert "[redacted]" in cleaned


def test_other_query_parameters_stay() -> None:
    assert redact("/x?page=2&state=s&id=7") == "/x?page=2&state=s&id=7"
