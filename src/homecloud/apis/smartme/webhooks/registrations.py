"""The rules of ``RegisterForRealtimeApi``: a user registers receivers for one of their
meters or for all of them; each is checked before it is stored (:mod:`.receivers`), its
password sealed (:mod:`.secrets`)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from homecloud.apis.smartme import wire
from homecloud.apis.smartme.settings import SmartMeSettings
from homecloud.apis.smartme.webhooks import repository
from homecloud.apis.smartme.webhooks.models import WebhookRegistration
from homecloud.apis.smartme.webhooks.receivers import (
    AddressPolicy,
    ReceiverRefused,
    check_receiver_url,
)
from homecloud.apis.smartme.webhooks.secrets import SecretBox
from homecloud.apis.smartme.webhooks.states import RegistrationType
from homecloud.core.errors import ApiError
from homecloud.core.models import now_ms
from homecloud.core.unit_of_work import UnitOfWork

MAX_CREDENTIAL = 255
# "1 SME 01 63000000" (as printed on the meter) or "63000000": the meter's number is the
# last group of digits.
SERIAL_TEXT = re.compile(r"^[0-9A-Za-z ]{1,64}$")


@dataclass(frozen=True)
class Realtime:
    """What the registration rules need from outside: settings, the address rules, the key."""

    settings: SmartMeSettings
    policy: AddressPolicy
    secrets: SecretBox


def _text(body: Mapping[str, Any], name: str, limit: int) -> str | None:
    value = body.get(name.lower())
    if value is None:
        return None
    return wire.parse_text(value, name, limit=limit)


def parse_serial(text: str) -> int:
    if not SERIAL_TEXT.fullmatch(text.strip()):
        raise wire.invalid(f"'{text[:64]}' is not a meter serial number for SerialNumber.")
    last = text.split()[-1]
    if not (last.isascii() and last.isdigit()) or len(last) > 18:
        raise wire.invalid(f"'{text[:64]}' is not a meter serial number for SerialNumber.")
    return int(last)


async def registrations(work: UnitOfWork, owner_id: int) -> list[WebhookRegistration]:
    return await repository.registrations_of(await work.session(), owner_id)


async def registration(work: UnitOfWork, owner_id: int, guid: uuid.UUID) -> WebhookRegistration:
    found = await repository.registration_of(await work.session(), owner_id, str(guid))
    if found is None:
        raise ApiError.of(404, f"There is no realtime API registration {guid}.")
    return found


async def register(
    work: UnitOfWork, owner_id: int, body: Mapping[str, Any], realtime: Realtime
) -> WebhookRegistration:
    """Creates a registration, or updates the caller's registration ``Id``.

    ``RegistrationType`` defaults to a single meter when ``MeterId`` or ``SerialNumber`` is
    given, else to the whole user. A password left out on an update keeps the stored one;
    an empty one removes it."""
    session = await work.session()
    now = now_ms()
    existing: WebhookRegistration | None = None
    if body.get("id") not in (None, ""):
        guid = wire.parse_guid(wire.parse_text(body["id"], "Id", limit=40), "Id")
        existing = await repository.registration_of(session, owner_id, str(guid))
        if existing is None:
            raise ApiError.of(404, f"There is no realtime API registration {guid}.")
    elif await repository.count_registrations(session, owner_id) >= (
        realtime.settings.webhook_max_registrations
    ):
        raise wire.invalid(
            f"A user can have at most {realtime.settings.webhook_max_registrations} realtime "
            "API registrations."
        )

    api_url = _text(body, "ApiUrl", 4096)
    if api_url is None:
        if existing is None:
            raise wire.invalid("ApiUrl is required.")
        api_url = existing.api_url
    try:
        api_url = await check_receiver_url(api_url, realtime.policy)
    except ReceiverRefused as exc:
        raise wire.invalid(f"{exc}.") from None

    meter_text = _text(body, "MeterId", 40) or None
    serial_text = _text(body, "SerialNumber", 64) or None
    kind_value = body.get("registrationtype")
    if kind_value is not None:
        kind = wire.parse_enum(RegistrationType, kind_value, "RegistrationType")
    elif existing is not None:
        kind = RegistrationType(existing.registration_type)
    elif meter_text or serial_text:
        kind = RegistrationType.SingleMeterRegistration
    else:
        kind = RegistrationType.UserRegistration

    meter_guid: str | None = None
    serial_number: str | None = None
    if kind == RegistrationType.SingleMeterRegistration or meter_text or serial_text:
        if meter_text:
            wanted = str(wire.parse_guid(meter_text, "MeterId"))
            meter_guid = await repository.owned_meter(session, owner_id, wanted)
            if meter_guid is None:
                raise ApiError.of(404, f"There is no meter {wanted} of yours.")
        elif serial_text:
            serial = parse_serial(serial_text)
            meter_guid = await repository.owned_meter_by_serial(session, owner_id, serial)
            if meter_guid is None:
                raise ApiError.of(404, f"There is no meter with serial number {serial} of yours.")
            serial_number = serial_text.strip()
        elif existing is not None and existing.meter_guid is not None:
            meter_guid, serial_number = existing.meter_guid, existing.serial_number
        else:
            raise wire.invalid(
                "A SingleMeterRegistration needs the meter: MeterId or SerialNumber."
            )
    if kind == RegistrationType.UserRegistration:
        meter_guid = serial_number = None

    username = _text(body, "BasicAuthUsername", MAX_CREDENTIAL)
    password = _text(body, "BasicAuthPassword", MAX_CREDENTIAL)
    if username is not None and ":" in username:
        raise wire.invalid("BasicAuthUsername cannot contain a colon (RFC 7617).")

    target = existing or WebhookRegistration(
        guid=str(uuid.uuid4()),
        owner_id=owner_id,
        failures=0,
        next_attempt_at=0,
        lease_holder="",
        lease_until=0,
        created_at=now,
    )
    changed_receiver = existing is None or existing.api_url != api_url
    target.api_url = api_url
    target.registration_type = int(kind)
    target.meter_guid = meter_guid
    target.serial_number = serial_number
    target.updated_at = now
    if username is not None or existing is None:
        target.basic_username = username or None
    if password is not None:
        target.basic_password_sealed = (
            realtime.secrets.seal(password, target.guid) if password else None
        )
    if target.basic_username is None:
        target.basic_password_sealed = None
    if kind == RegistrationType.Disabled:
        if existing is not None:
            await repository.cancel_pending(session, existing.id, now, "registration disabled")
    else:
        target.disabled_reason = None
    if changed_receiver or kind != RegistrationType.Disabled:
        # A new or re-enabled receiver starts without the old one's backoff.
        target.failures = 0
        target.next_attempt_at = 0
    if existing is None:
        session.add(target)
    await session.flush()
    return target


async def unregister(work: UnitOfWork, owner_id: int, guid: uuid.UUID) -> None:
    """Deletes the registration and its deliveries."""
    if not await repository.delete_registration(await work.session(), owner_id, str(guid)):
        raise ApiError.of(404, f"There is no realtime API registration {guid}.")
