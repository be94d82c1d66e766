"""The shapes of CKW's data responses, for the OpenAPI document. Routes render plain dicts
(keys from :mod:`.names`); these models describe the same shapes with the same names."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from homecloud.apis.ckw import names


class _Shape(BaseModel):
    model_config = ConfigDict(populate_by_name=True, extra="forbid")


class Address(_Shape):
    street: str = Field(alias=names.STREET)
    zip: str = Field(alias=names.ZIP)
    city: str = Field(alias=names.CITY)
    country: str = Field(alias=names.COUNTRY, description="ISO 3166-1 alpha-2")


class MeteringPoint(_Shape):
    metering_point_id: str = Field(
        alias=names.METERING_POINT_ID, description="Swiss metering point id (33 characters)"
    )
    meter_number: str = Field(alias=names.METER_NUMBER)
    energy_direction: names.Direction = Field(alias=names.ENERGY_DIRECTION)
    unit: str = Field(alias=names.UNIT)
    valid_from: str = Field(alias=names.VALID_FROM, description="ISO 8601 with offset")
    valid_to: str | None = Field(alias=names.VALID_TO, description="Exclusive; null: valid")


class Installation(_Shape):
    installation_id: str = Field(alias=names.INSTALLATION_ID)
    address: Address = Field(alias=names.ADDRESS)
    metering_points: list[MeteringPoint] = Field(alias=names.METERING_POINTS)


class CoreData(_Shape):
    customer_number: str = Field(alias=names.CUSTOMER_NUMBER)
    installations: list[Installation] = Field(alias=names.INSTALLATIONS)


class MeterValue(_Shape):
    start_timestamp: str = Field(alias=names.START, description="Inclusive, local with offset")
    end_timestamp: str = Field(alias=names.END, description="Exclusive, local with offset")
    consumption_kwh: float | None = Field(alias=names.CONSUMPTION_KWH)
    production_kwh: float | None = Field(alias=names.PRODUCTION_KWH)
    status: names.Status = Field(alias=names.STATUS)


class MeterData(_Shape):
    metering_point_id: str | None = Field(default=None, alias=names.METERING_POINT_ID)
    installation_id: str | None = Field(default=None, alias=names.INSTALLATION_ID)
    resolution: names.Resolution = Field(alias=names.RESOLUTION)
    unit: str = Field(alias=names.UNIT)
    timezone: str = Field(alias=names.TIMEZONE)
    start_timestamp: str = Field(alias=names.START)
    end_timestamp: str = Field(alias=names.END)
    values: list[MeterValue] = Field(alias=names.VALUES)


class Error(_Shape):
    message: str = Field(alias=names.ERROR_MESSAGE)
    detail: str = Field(alias=names.ERROR_DETAIL)


# Every data route's refusals, for the OpenAPI document.
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: {"model": Error, "description": "A bad parameter, named in the detail"},
    401: {"model": Error, "description": "Missing, invalid, expired or revoked credentials"},
    403: {"model": Error, "description": "Credentials that act for no user"},
    404: {"model": Error, "description": "Not one of the caller's metering points"},
    429: {"model": Error, "description": "Rate limit spent; see Retry-After"},
}
