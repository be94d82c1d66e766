"""Reading the fields of a command or record body the way MClimate's clients write them.

Clients are loose about types: Home Assistant sends ``25.0`` for a temperature and sends the
whole ``command_log`` back with each command, geofence payloads carry ``"mode": "2"``, and
Homebridge adds ``"executor"``. So numbers come as ints, integral floats or numeric strings
(:func:`homecloud.core.parsing.json_number`), and keys a command does not use are ignored.

What a field gets when it is wrong:

- missing where it is required, or of a type that cannot be a value of it (an object for a
  temperature, ``true`` for a mode): 400, the body is malformed;
- a number or word of the right type outside what the device takes (``temp`` 35, ``mode``
  7, ``temp`` 22.5, ``state`` "maybe"): 422, naming the field.

Texts are JSON strings, and words (``"on"``, ``"last"``) are written as the vendor writes
them, in lower case; switches also take ``true``/``false`` and 0/1.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from homecloud.core.errors import ApiError
from homecloud.core.parsing import MalformedJson, json_number, parse_json


def malformed(detail: str) -> ApiError:
    return ApiError.of(400, detail)


def out_of_range(field: str, detail: str) -> ApiError:
    return ApiError.of(422, f"{field}: {detail}", field=field)


def json_object(raw: bytes) -> dict[str, Any]:
    """The request body as a JSON object, or 400."""
    try:
        value = parse_json(raw)
    except MalformedJson as error:
        raise malformed(str(error)) from None
    if not isinstance(value, dict):
        raise malformed("The request body must be a JSON object.")
    return value


class Fields:
    """The fields of one body, read by name with the rules above."""

    def __init__(self, body: Mapping[str, Any]) -> None:
        self.body = body

    def has(self, name: str) -> bool:
        return self.body.get(name) is not None

    def text(self, name: str, *, max_length: int = 200) -> str:
        value = self.body.get(name)
        if value is None:
            raise malformed(f"{name} is required.")
        if not isinstance(value, str):
            raise malformed(f"{name} must be a string.")
        text = value
        if not text.strip():
            raise out_of_range(name, "must not be empty.")
        if len(text) > max_length:
            raise out_of_range(name, f"must be at most {max_length} characters.")
        return text

    def optional_text(self, name: str, default: str | None = None) -> str | None:
        return self.text(name) if self.has(name) else default

    def number(self, name: str, minimum: float, maximum: float) -> float:
        value = self.body.get(name)
        if value is None:
            raise malformed(f"{name} is required.")
        number = json_number(value)
        if number is None:
            raise malformed(f"{name} must be a number.")
        if not minimum <= number <= maximum:
            raise out_of_range(name, f"must be between {minimum:g} and {maximum:g}.")
        return number

    def integer(self, name: str, minimum: int, maximum: int) -> int:
        number = self.number(name, minimum, maximum)
        if not number.is_integer():
            raise out_of_range(name, "must be a whole number.")
        return int(number)

    def optional_integer(
        self, name: str, minimum: int, maximum: int, default: int | None = None
    ) -> int | None:
        return self.integer(name, minimum, maximum) if self.has(name) else default

    def flag(self, name: str) -> bool:
        """A 0/1 (or true/false) switch."""
        value = self.body.get(name)
        if isinstance(value, bool):
            return value
        if value in ("true", "false"):
            return bool(value == "true")
        return self.integer(name, 0, 1) == 1

    def optional_flag(self, name: str, default: bool) -> bool:
        return self.flag(name) if self.has(name) else default

    def choice(self, name: str, choices: Iterable[str]) -> str:
        """One of the words ``choices``, as the vendor writes them (lower case)."""
        allowed = tuple(choices)
        value = self.body.get(name)
        if value is None:
            raise malformed(f"{name} is required.")
        if not isinstance(value, str):
            raise malformed(f"{name} must be one of {', '.join(allowed)}.")
        if value not in allowed:
            raise out_of_range(name, f"must be one of {', '.join(allowed)}.")
        return value

    def switch(self, name: str) -> bool:
        """``"on"``/``"off"`` as the vendor documents it, also 1/0 and true/false."""
        value = self.body.get(name)
        if isinstance(value, bool):
            return value
        if json_number(value) is not None:
            return self.integer(name, 0, 1) == 1
        return self.choice(name, ("on", "off")) == "on"

    def serial_number(self, name: str = "serial_number") -> str:
        return self.text(name, max_length=128)
