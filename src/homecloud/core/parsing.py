"""Whole numbers and ids from the outside world, parsed once, the same way, by every face.

``str.isdigit()`` and ``int()`` disagree about what a digit is: ``"²".isdigit()`` is True but
``int("²")`` raises, and ``int()`` takes ``"١٢"``, ``" 12 "`` and ``"1_000"`` that no vendor
takes. Here a number is optional ``-`` then ASCII digits, nothing else, and always checked
against its bounds, so a 20-digit page number is refused before it reaches SQL.

The error is neutral: each face catches :class:`NumberError` where its input enters and
renders it in its own shape.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any, Literal

import orjson

# Ids are stored as signed 64-bit integers in both databases.
MAX_ID = 2**63 - 1

_INTEGER = re.compile(r"-?[0-9]+", re.ASCII)
# No number we accept has more digits than this; longer text is refused before int() runs,
# which keeps int()'s own length limit (and its cost) out of reach.
_MAX_DIGITS = 19

Problem = Literal["integer", "minimum", "maximum"]


@dataclass(eq=False)
class NumberError(ValueError):
    """``text`` given for ``name`` is not an integer (``problem="integer"``) or lies outside
    its bounds (``"minimum"``/``"maximum"``, ``limit`` being the bound broken)."""

    name: str
    text: str
    problem: Problem
    limit: int | None = None

    def __str__(self) -> str:
        if self.problem == "minimum":
            return f"{self.name} must be at least {self.limit}."
        if self.problem == "maximum":
            return f"{self.name} must be at most {self.limit}."
        return f"{self.name} must be a whole number written in digits 0-9."


def is_integer_text(text: str) -> bool:
    """True for optional ``-`` and ASCII digits only (what :func:`parse_int` could accept)."""
    return _INTEGER.fullmatch(text) is not None and len(text.lstrip("-")) <= _MAX_DIGITS


def parse_int(text: str, *, name: str, minimum: int | None, maximum: int | None) -> int:
    """``text`` as an int within ``[minimum, maximum]`` (None: unbounded on that side)."""
    if _INTEGER.fullmatch(text) is None:
        raise NumberError(name, text, "integer")
    if len(text.lstrip("-")) > _MAX_DIGITS:
        # Past any bound we use; int() is not even asked (it refuses 4,300 digits and more).
        if text.startswith("-") and minimum is not None:
            raise NumberError(name, text, "minimum", minimum)
        if not text.startswith("-") and maximum is not None:
            raise NumberError(name, text, "maximum", maximum)
        raise NumberError(name, text, "integer")
    value = int(text)
    if minimum is not None and value < minimum:
        raise NumberError(name, text, "minimum", minimum)
    if maximum is not None and value > maximum:
        raise NumberError(name, text, "maximum", maximum)
    return value


def parse_id(text: str, *, name: str) -> int | None:
    """A stored row id (1 .. 2**63-1) or None when ``text`` cannot name one.

    Lookups by id answer "not found" for any text that is not an id, so callers want None
    rather than an error here.
    """
    try:
        return parse_int(text, name=name, minimum=1, maximum=MAX_ID)
    except NumberError:
        return None


# A decimal number as JSON writes one, plus leading zeros ("007") that gateways send. Python's
# float() also takes " 12 ", "1_000", "١٢", "inf" and "nan", which no vendor stores as numbers.
_DECIMAL = re.compile(r"-?[0-9]+(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?", re.ASCII)


def parse_decimal(text: str) -> float | None:
    """``text`` as a finite float when it is a plain decimal number, else None."""
    if _DECIMAL.fullmatch(text) is None:
        return None
    number = float(text)
    return number if math.isfinite(number) else None


# orjson reads up to 1024 levels but writes only 254, and Python code that walks a value
# recursively stops near 1000: a body nested deeper than any vendor's is refused on entry.
MAX_JSON_DEPTH = 64


class MalformedJson(ValueError):
    """A body that is not JSON, or nests deeper than :data:`MAX_JSON_DEPTH`; ``problem``
    completes "the body ..." for faces that word it their own way."""

    def __init__(self, problem: str) -> None:
        super().__init__(f"The request body {problem}.")
        self.problem = problem


def parse_json(raw: bytes | str) -> Any:
    """``raw`` as a JSON value; :class:`MalformedJson` (its text fit for a client) otherwise."""
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise MalformedJson("is not valid JSON") from None
    if _deeper_than(value, MAX_JSON_DEPTH):
        raise MalformedJson(f"nests deeper than {MAX_JSON_DEPTH} levels")
    return value


def _deeper_than(value: Any, limit: int) -> bool:
    # Iterative, so that the check itself cannot hit the recursion limit it guards against.
    stack: list[tuple[Any, int]] = [(value, 1)] if isinstance(value, dict | list) else []
    while stack:
        item, depth = stack.pop()
        if depth > limit:
            return True
        children = item.values() if isinstance(item, dict) else item
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False


def json_number(value: Any) -> float | None:
    """A number a JSON body gave, leniently: an int, a finite float, or a string holding a
    plain decimal number (clients send ``25.0`` for 25, and ``"2"`` from form-built
    payloads). None for anything else, booleans included (JSON's ``true`` is no number,
    though Python's ``True`` is an int)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return float(value) if abs(value) <= 2**63 else None
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, str):
        return parse_decimal(value) if len(value) <= 64 else None
    return None
