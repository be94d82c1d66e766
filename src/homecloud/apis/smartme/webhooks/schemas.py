"""The realtime API's shapes: smart-me's ``RegisterRealtimeApiData``, and homecloud's view of
deliveries and receivers (``GET /RealtimeApiDeliveries``, ``GET /RealtimeApiReceivers``).
The models document the API; the ``*_body`` functions render the answers (PascalCase, enums
as integers, nulls left out)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from homecloud.apis.smartme import wire
from homecloud.apis.smartme.webhooks.models import WebhookRegistration
from homecloud.apis.smartme.webhooks.repository import DeliveryView
from homecloud.apis.smartme.webhooks.states import STATE_NAMES


class Model(BaseModel):
    model_config = ConfigDict(extra="allow")


class RegisterRealtimeApiDataModel(Model):
    Id: str | None = Field(
        default=None, description="The registration's GUID; give it to update one."
    )
    ApiUrl: str | None = Field(default=None, description="Your endpoint (http or https).")
    BasicAuthUsername: str | None = Field(
        default=None, description="The Basic user name of your endpoint; empty for none."
    )
    BasicAuthPassword: str | None = Field(
        default=None,
        description="The Basic password of your endpoint; empty for none. Stored encrypted and "
        "never shown again; left out on an update, the stored one is kept.",
    )
    RegistrationType: int | str | None = Field(
        default=None,
        description="0 Disabled, 1 SingleMeterRegistration, 2 UserRegistration (name or number).",
    )
    MeterId: str | None = Field(default=None, description="The meter, for a single meter.")
    SerialNumber: str | None = Field(
        default=None,
        description="The meter's serial number, when MeterId is not given "
        "(e.g. 1 SME 01 63000000 or 63000000).",
    )


class DeliveryModel(Model):
    Id: int
    RegistrationId: str
    MeterId: str
    ValueDate: str
    State: int = Field(description="0 Pending, 1 Delivered, 2 GivenUp, 3 Cancelled.")
    StateName: str
    Attempts: int
    CreatedDate: str
    FinishedDate: str | None = None
    LastStatusCode: int | None = None
    LastError: str | None = None
    Values: dict[str, float]


class ReceiverModel(Model):
    Id: str
    ApiUrl: str
    RegistrationType: int
    Pending: int
    ConsecutiveFailures: int
    NextAttemptDate: str | None = None
    DisabledReason: str | None = None


def _put(body: dict[str, Any], **fields: Any) -> dict[str, Any]:
    body.update({key: value for key, value in fields.items() if value is not None})
    return body


def registration_body(registration: WebhookRegistration) -> dict[str, Any]:
    """A registration as smart-me lists it; the password is never shown."""
    return _put(
        {},
        Id=registration.guid,
        ApiUrl=registration.api_url,
        BasicAuthUsername=registration.basic_username,
        RegistrationType=registration.registration_type,
        MeterId=registration.meter_guid,
        SerialNumber=registration.serial_number,
    )


def ms_date(milliseconds: int | None) -> str | None:
    return None if milliseconds is None else wire.format_date(milliseconds * 1000)


def delivery_body(delivery: DeliveryView) -> dict[str, Any]:
    return _put(
        {},
        Id=delivery.id,
        RegistrationId=delivery.registration_guid,
        MeterId=delivery.device_guid,
        ValueDate=wire.format_date(delivery.value_date_us),
        State=delivery.state,
        StateName=STATE_NAMES.get(delivery.state, "Unknown"),
        Attempts=delivery.attempts,
        CreatedDate=ms_date(delivery.created_at),
        FinishedDate=ms_date(delivery.finished_at),
        LastStatusCode=delivery.last_status,
        LastError=delivery.last_error,
        Values=delivery.values,
    )


def receiver_body(registration: WebhookRegistration, pending: int, *, now: int) -> dict[str, Any]:
    waiting = registration.next_attempt_at if registration.next_attempt_at > now else None
    return _put(
        {},
        Id=registration.guid,
        ApiUrl=registration.api_url,
        RegistrationType=registration.registration_type,
        Pending=pending,
        ConsecutiveFailures=registration.failures,
        NextAttemptDate=ms_date(waiting),
        DisabledReason=registration.disabled_reason,
    )
