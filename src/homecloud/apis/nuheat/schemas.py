"""The vendor's models, under the names and camelCase fields of its Swagger documents, so
that this face's OpenAPI documents describe the same models.

Update models accept what real clients send: numbers or strings for ids, empty strings and
zeros where the seed's own examples send them (they mean "not given"), unknown fields
ignored. Response models are for the documents; routes write their JSON directly.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic.config import JsonDict


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore")


class _Request(_Model):
    """A body a client sends. Strict, as the vendor's ASP.NET deserialiser is: no "yes" for a
    boolean, no true for a number, no "12" for either (ids excepted, see the validators).
    Text must be valid Unicode: a lone surrogate ("\\ud800") cannot be stored or sent."""

    model_config = ConfigDict(extra="ignore", strict=True)

    @field_validator("*", mode="after")
    @classmethod
    def _encodable(cls, value: Any) -> Any:
        if isinstance(value, str):
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                raise ValueError("text must not hold lone UTF-16 surrogates") from None
        return value


def _blank_is_none(value: Any) -> Any:
    return None if value == "" else value


def _requires(*names: str) -> Callable[[JsonDict], None]:
    """Documents ``names`` as required ids (text with a non-blank character, or a number).
    The model keeps them optional so that the service words a missing one as the vendor does
    ("serialNumber is required.")."""

    def document(schema: JsonDict) -> None:
        properties = schema["properties"]
        assert isinstance(properties, dict)
        for name in names:
            properties[name] = {
                "title": name,
                "anyOf": [{"type": "string", "pattern": "\\S"}, {"type": "integer"}],
            }
        schema["required"] = list(names)

    return document


SCHEDULE_MODES: JsonDict = {"enum": [1, 2, 3]}
TEMPERATURE_TYPES: JsonDict = {"enum": [0, 1]}
DATE_TIME: JsonDict = {"format": "date-time"}


class AccountModel(_Model):
    firstName: str | None = None
    lastName: str | None = None
    email: str | None = None
    use12Hour: bool = False
    temperatureScale: str | None = None


class ThermostatModel(_Model):
    serialNumber: str | None = None
    name: str | None = None
    setPointTemp: int | None = None
    scheduleMode: int = Field(1, description="1 Auto, 2 Hold, 3 Permanent Hold")
    holdSetPointDateTime: str | None = None
    groupId: str | None = None
    swVersion: str | None = None
    online: bool = True
    operatingMode: int = Field(1, description="1 Auto (schedule), 2 Manual")
    isHeating: bool = False
    currentTemperature: int = 0
    tzOffset: str | None = None
    error: str | None = None


class ThermostatUpdateModel(_Request):
    model_config = ConfigDict(json_schema_extra=_requires("serialNumber"))
    serialNumber: str | None = None
    # Blank means "not given"; otherwise 1 to 200 characters once trimmed.
    name: str | None = Field(None, json_schema_extra={"pattern": "^$|\\S", "maxLength": 200})
    setPointTemp: int | None = None
    scheduleMode: int | None = Field(
        None, description="1 Auto, 2 Hold, 3 Permanent Hold", json_schema_extra=SCHEDULE_MODES
    )
    holdSetPointDateTime: str | None = Field(None, json_schema_extra=DATE_TIME)

    _blank = field_validator("serialNumber", "name", "holdSetPointDateTime", mode="before")(
        _blank_is_none
    )

    @field_validator("serialNumber", mode="before")
    @classmethod
    def _serial_as_text(cls, value: Any) -> Any:
        return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


class GroupModel(_Model):
    groupId: str | None = None
    groupName: str | None = None
    awayMode: bool = False
    awaySetPointTemp: int = 0


class GroupUpdateModel(_Request):
    model_config = ConfigDict(json_schema_extra=_requires("groupId"))
    groupId: str | None = None
    awayMode: bool = False

    @field_validator("groupId", mode="before")
    @classmethod
    def _id_as_text(cls, value: Any) -> Any:
        # senorshaun's homebridge plugin sends the id as an unquoted number.
        return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


class ScheduleDayEventModel(_Request):
    clock: str | None = None
    scheduleType: int = Field(0, description="0 WAKE, 1 LEAVE, 2 RETURN, 3 SLEEP")
    active: bool = False
    temperature: int = 0


class ScheduleDayModel(_Request):
    weekDay: int = Field(0, description="1 Monday ... 7 Sunday")
    weekDayGroupNumber: int = 0
    events: list[ScheduleDayEventModel] | None = None


class ScheduleModel(_Request):
    model_config = ConfigDict(json_schema_extra=_requires("serialNumber"))
    serialNumber: str | None = None
    days: list[ScheduleDayModel] | None = None

    @field_validator("serialNumber", mode="before")
    @classmethod
    def _serial_as_text(cls, value: Any) -> Any:
        return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


class EnergyUsageEntryModel(_Model):
    entry: str | None = None
    minutes: int = 0
    energyKWattHour: float = 0.0
    chargeKWattHour: float = 0.0


class EnergyUsageModel(_Model):
    energyUsageType: str | None = None
    energyUsageFrom: str | None = None
    energyUsageTo: str | None = None
    mondayIsFirstDay: bool = True
    energyUsage: list[EnergyUsageEntryModel] | None = None


# v2: the "minimalistic" API. Its documents name the thermostat model as v1 does; the v2
# document is built from these under the vendor's names (see openapi.py).
class AccountModelV2(_Model):
    model_config = ConfigDict(title="AccountModel")
    userName: str | None = None
    temperatureScale: str | None = None
    language: str | None = None


class ThermostatModelV2(_Model):
    model_config = ConfigDict(title="ThermostatModel")
    serialNumber: str | None = None
    name: str | None = None
    currentTemperature: int = 0
    online: bool = True
    isHeating: bool = False
    setPointTemperature: int = 0
    holdUntil: str | None = None
    mode: int = Field(1, description="1 Auto, 2 Hold, 3 Manual (permanent)")
    errorState: str | None = None


class AutoModeModel(_Request):
    serialNumber: str = Field(min_length=1)


class HoldModeModel(_Request):
    serialNumber: str = Field(min_length=1)
    temperature: int | None = None
    holdUntil: str | None = Field(None, json_schema_extra=DATE_TIME)
    temperatureType: int = Field(
        0,
        description="0 absolute, 1 relative to the current one",
        json_schema_extra=TEMPERATURE_TYPES,
    )

    _blank = field_validator("holdUntil", mode="before")(_blank_is_none)


class ManualModeModel(_Request):
    serialNumber: str = Field(min_length=1)
    temperature: int | None = None
    temperatureType: int = Field(
        0,
        description="0 absolute, 1 relative to the current one",
        json_schema_extra=TEMPERATURE_TYPES,
    )
