"""smart-me's rules: meters, their readings, switching, custom devices. Functions take the
request's :class:`~homecloud.core.unit_of_work.UnitOfWork`, never commit, and queue change
events with ``work.publish``."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final

from homecloud.apis.smartme import mbus, meter_model, obis, repository
from homecloud.apis.smartme.enums import ActionType, DeviceEnergyType, MeterSubType
from homecloud.apis.smartme.families import CUSTOM, MBUS, REST_API, Family, family_of
from homecloud.apis.smartme.models import SmartMeMeter
from homecloud.apis.smartme.readings import Reading, ReadingError, from_micros, micros_of
from homecloud.apis.smartme.repository import EVERY_METER, MeterFilter
from homecloud.apis.smartme.schemas import (
    ActionPost,
    CustomPost,
    DevicePost,
    MBusPost,
    NamePost,
    posted_values,
)
from homecloud.apis.smartme.webhooks import enqueue_deliveries
from homecloud.core.errors import ApiError
from homecloud.core.events import ChangeEvent
from homecloud.core.models import Device, User
from homecloud.core.unit_of_work import UnitOfWork
from homecloud.core.users import get_user
from homecloud.identity.credentials import issue_card_token

FACE = repository.FACE
# ValuesInPastMultiple answers at most this many values (smart-me's documented limit).
MAX_VALUES: Final = 1000
# Where each user's root folder GUID comes from (homecloud has one folder per user).
FOLDER_NAMESPACE: Final = uuid.UUID("8f3b1c2e-5d4a-4e6b-9c7d-1a2b3c4d5e6f")
# Serial numbers homecloud hands out to meters made without one (smart-me's are 8-10 digits).
SERIAL_RANGE: Final = (10_000_000, 9_999_999_999)


def not_found() -> ApiError:
    return ApiError.of(404, "The device was not found.")


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class Meter:
    device: Device
    row: SmartMeMeter

    @property
    def family(self) -> Family:
        return family_of(self.device.kind)

    @property
    def guid(self) -> str:
        return self.row.guid


async def record_readings(work: UnitOfWork, readings: Sequence[Reading]) -> list[Reading]:
    """Stores new readings of meters: the one way a reading enters homecloud, whoever made it
    (the simulation, ``POST /Devices``, switching).

    Each reading is stored once (one of a moment stored already is skipped), becomes its
    meter's latest values when it is the newest, and is published as a ``values`` change
    event after the commit. Returns the readings that were new, oldest first.
    """
    if not readings:
        return []
    session = await work.session()
    meters = await repository.meters_by_guid(session, {str(r.device_id) for r in readings})
    rows: list[repository.ReadingRow] = []
    for reading in readings:
        meter = meters.get(str(reading.device_id))
        if meter is None or meter.owner_id != reading.owner_id:
            raise ReadingError(f"no meter {reading.device_id} of user {reading.owner_id}")
        rows.append((meter.device_id, reading.micros, dict(reading.values)))
    stored = await repository.insert_readings(session, rows)
    fresh: list[Reading] = []
    for reading, (device_id, at_us, _) in zip(readings, rows, strict=True):
        if (device_id, at_us) in stored:
            stored.discard((device_id, at_us))  # twice in one batch: the first one counts
            fresh.append(reading)
    fresh.sort(key=lambda r: r.micros)
    for reading in fresh:
        meter = meters[str(reading.device_id)]
        if meter.value_date_us is None or reading.micros >= meter.value_date_us:
            # A new dict, so that SQLAlchemy sees the JSON column change; values a reading
            # lacks (a client posting only its counter) keep their last known value.
            meter.latest = {**meter.latest, **reading.values}
            meter.value_date_us = reading.micros
    for guid in dict.fromkeys(str(r.device_id) for r in fresh):
        meter = meters[guid]
        work.publish(ChangeEvent(FACE, "values", meter.owner_id, guid))
    # The realtime webhooks' outbox is written here, in this same transaction.
    await enqueue_deliveries(work, fresh)
    return fresh


# ------------------------------------------------------------------------------------ reads


async def meters(work: UnitOfWork, owner_id: int, only: MeterFilter = EVERY_METER) -> list[Meter]:
    rows = await repository.owner_meters(await work.session(), owner_id, only)
    return [Meter(device, row) for device, row in rows]


async def meter(work: UnitOfWork, owner_id: int, guid: uuid.UUID) -> Meter:
    """The owner's meter; 404 for any other (someone else's looks the same as none)."""
    found = await repository.owner_meter(await work.session(), owner_id, guid=str(guid))
    if found is None:
        raise not_found()
    return Meter(*found)


async def meter_by_serial(work: UnitOfWork, owner_id: int, serial: int) -> Meter:
    found = await repository.owner_meter(await work.session(), owner_id, serial=serial)
    if found is None:
        raise not_found()
    return Meter(*found)


async def reading_before(
    work: UnitOfWork, owner_id: int, guid: uuid.UUID, before: datetime
) -> tuple[Meter, tuple[int, dict[str, Any]] | None]:
    """The meter and its last reading before ``before`` (None when it has none)."""
    found = await meter(work, owner_id, guid)
    reading = await repository.reading_before(
        await work.session(), found.device.id, micros_of(before)
    )
    return found, reading


async def readings_in_past(
    work: UnitOfWork,
    owner_id: int,
    guid: uuid.UUID,
    start: datetime,
    end: datetime,
    interval_minutes: int,
) -> tuple[Meter, list[tuple[int, dict[str, Any]]]]:
    """``ValuesInPastMultiple``: with interval 0 every reading from ``start`` to ``end``;
    otherwise the last reading of each interval, the first interval ending at ``start``.
    More than :data:`MAX_VALUES` values is a 400, before anything is read."""
    if end < start:
        raise ApiError.of(400, "The request is invalid: endDate lies before startDate.")
    start_us, end_us = micros_of(start), micros_of(end)
    step_us = interval_minutes * 60_000_000
    if step_us and (end_us - start_us) // step_us + 1 > MAX_VALUES:
        raise too_many()
    found = await meter(work, owner_id, guid)
    session = await work.session()
    if not step_us:
        readings = await repository.readings_between(
            session, found.device.id, start_us, end_us, MAX_VALUES + 1
        )
        if len(readings) > MAX_VALUES:
            raise too_many()
        return found, readings
    picked: list[tuple[int, dict[str, Any]]] = []
    for slot in range(start_us, end_us + 1, step_us):
        reading = await repository.reading_before(
            session, found.device.id, slot + 1, after_us=slot - step_us
        )
        if reading is not None:
            picked.append(reading)
    return found, picked


def too_many() -> ApiError:
    return ApiError.of(
        400,
        f"The request is invalid: at most {MAX_VALUES} values can be read at once; "
        "shorten the period or lengthen the interval.",
    )


async def account(work: UnitOfWork, user_id: int) -> User:
    """The caller's account (gone only if it was deleted while its credentials still held)."""
    user = await get_user(await work.session(), user_id)
    if user is None:
        raise ApiError.of(404, "The user does not exist.")
    return user


async def card_token(work: UnitOfWork, owner_id: int, card_id: int) -> str:
    """``PUT /AccessToken``: a new card access token for the owner's card ``card_id``."""
    return await issue_card_token(
        await work.session(), face=FACE, user_id=owner_id, card_id=card_id
    )


# What a user's root folder is called until they name it.
ROOT_FOLDER_NAME: Final = "All meters"


def root_folder(owner_id: int) -> uuid.UUID:
    return uuid.uuid5(FOLDER_NAMESPACE, f"smartme-folder-{owner_id}")


async def folder_or_meter(work: UnitOfWork, owner_id: int, guid: uuid.UUID) -> str | Meter:
    """What ``MeterFolderInformation`` describes: the user's root folder (its name) or one
    of their meters; 404 for anything else."""
    if guid == root_folder(owner_id):
        return await repository.folder_name(await work.session(), owner_id) or ROOT_FOLDER_NAME
    return await meter(work, owner_id, guid)


async def rename(work: UnitOfWork, owner_id: int, post: NamePost) -> None:
    """``POST /MeterFolderInformation``: names the user's root folder or one of their meters."""
    if post.id == root_folder(owner_id):
        await repository.name_folder(await work.session(), owner_id, post.name)
        return
    found = await meter(work, owner_id, post.id)
    found.device.name = post.name
    work.publish(ChangeEvent(FACE, "device", owner_id, found.guid))


# ``FolderData``: what each kind of meter adds to which field, from which code, scaled from
# homecloud's units to the folder's (kWh and kW; m3 and m3/h as they are).
FOLDER_SUMS: Final[dict[int, tuple[tuple[str, obis.Obis, float], ...]]] = {
    DeviceEnergyType.MeterTypeElectricity: (
        ("ElectricityCounterValue", obis.ENERGY_IMPORT, 1e-3),
        ("ElectricityPower", obis.POWER_TOTAL, 1e-3),
    ),
    DeviceEnergyType.MeterTypeGas: (
        ("GasCounterValue", obis.GAS_VOLUME, 1.0),
        ("GasFlowRate", obis.GAS_FLOW, 1.0),
    ),
    DeviceEnergyType.MeterTypeHeat: (
        ("HeatCounterValue", obis.HEAT_ENERGY, 1e-3),
        ("HeatPower", obis.HEAT_POWER, 1e-3),
    ),
    DeviceEnergyType.MeterTypeWater: (
        ("WaterCounterValue", obis.WATER_VOLUME, 1.0),
        ("WaterFlowRate", obis.WATER_FLOW, 1.0),
    ),
}
FOLDER_FIELDS: Final = tuple(sorted(field for sums in FOLDER_SUMS.values() for field, *_ in sums))


async def folder(work: UnitOfWork, owner_id: int, folder_id: uuid.UUID) -> dict[str, float]:
    """``FolderData``: the sums over the user's root folder (all their meters) or over one
    meter."""
    if folder_id == root_folder(owner_id):
        members = await meters(work, owner_id)
    else:
        members = [await meter(work, owner_id, folder_id)]
    sums = dict.fromkeys(FOLDER_FIELDS, 0.0)
    for member in members:
        for field, code, factor in FOLDER_SUMS.get(member.row.energy_type, ()):
            sums[field] += member.row.latest.get(code.hex, 0.0) * factor
    return {name: round(value, 6) for name, value in sums.items()}


# ----------------------------------------------------------------------------------- writes


async def _new_identity(work: UnitOfWork, serial: int | None) -> tuple[str, int]:
    session = await work.session()
    if serial is not None and await repository.serial_taken(session, serial):
        raise ApiError.of(400, f"The request is invalid: the serial {serial} is taken.")
    while serial is None:
        candidate = SERIAL_RANGE[0] + secrets.randbelow(SERIAL_RANGE[1] - SERIAL_RANGE[0])
        if not await repository.serial_taken(session, candidate):
            serial = candidate
    return str(uuid.uuid4()), serial


async def add_meter(
    work: UnitOfWork,
    owner_id: int,
    family: Family,
    *,
    name: str,
    serial: int | None = None,
    guid: uuid.UUID | None = None,
    energy_type: DeviceEnergyType | None = None,
    sub_type: MeterSubType | None = None,
    profile: meter_model.Profile | None = None,
    attributes: dict[str, Any] | None = None,
) -> Meter:
    """A new meter of ``family`` for ``owner_id``; a simulated family also gets its switches
    and its ``profile``."""
    new_guid, serial = await _new_identity(work, serial)
    session = await work.session()
    if guid is not None:
        if await repository.guid_taken(session, str(guid)):
            raise ApiError.of(400, f"The request is invalid: the Id {guid} is taken.")
        new_guid = str(guid)
    state: dict[str, Any] = {}
    if family.simulated:
        state = {
            **(profile or meter_model.Profile(seed=serial)).to_state(),
            "switches": meter_model.initial_switches(family),
        }
    info = {
        "hardware_version": family.hardware_version,
        "firmware_version": family.firmware_version,
        "network": int(family.network),
        "rssi": 70,
        **(attributes or {}),
    }
    meter = SmartMeMeter(
        owner_id=owner_id,
        guid=new_guid,
        serial=serial,
        energy_type=int(energy_type if energy_type is not None else family.energy_type),
        sub_type=int(sub_type if sub_type is not None else family.sub_type),
        family_type=int(family.family_type),
        is_custom=family is CUSTOM,
        state=state,
        latest={},
        value_date_us=None,
        custom_values=[],
    )
    device, row = await repository.add_meter(
        session, meter, kind=family.key, name=name, attributes=info
    )
    work.publish(ChangeEvent(FACE, "device", owner_id, new_guid))
    return Meter(device, row)


async def post_device(work: UnitOfWork, owner_id: int, post: DevicePost) -> Meter:
    """``POST /Devices``: a new meter without ``Id`` (``DeviceEnergyType`` required), else an
    update of the owner's meter; the posted values become a reading at ``ValueDate`` (now
    when not given)."""
    if post.id is None:
        if post.energy_type is None:
            raise ApiError.of(400, "The request is invalid: DeviceEnergyType is required.")
        found = await add_meter(
            work,
            owner_id,
            REST_API,
            name=post.name or "",
            serial=post.serial,
            energy_type=post.energy_type,
            sub_type=post.sub_type,
        )
    else:
        found = await meter(work, owner_id, post.id)
        if post.serial is not None and post.serial != found.row.serial:
            raise ApiError.of(400, "The request is invalid: a meter's Serial cannot change.")
        if post.name is not None:
            found.device.name = post.name
        if post.energy_type is not None and post.energy_type != found.row.energy_type:
            raise ApiError.of(400, "The request is invalid: DeviceEnergyType cannot change.")
        if post.sub_type is not None:
            found.row.sub_type = int(post.sub_type)
        work.publish(ChangeEvent(FACE, "device", owner_id, found.guid))
    values = posted_values(found.row.energy_type, post.fields)
    if values:
        at = post.value_date or utcnow()
        _check_counters(found.row, values, micros_of(at))
        await record_readings(work, [reading_of(found, at, values)])
    return found


async def post_mbus(work: UnitOfWork, owner_id: int, post: MBusPost) -> Meter:
    """``POST /MBus``: the telegram's current values become a reading of the caller's meter
    with the telegram's identification number as its serial, made on its first telegram
    (named after its manufacturer and number, typed by its medium)."""
    telegram = post.telegram
    energy_type, sub_type = mbus.meter_types(telegram)
    values = mbus.obis_values(telegram)
    if not values:
        raise ApiError.of(
            400, "The request is invalid: the Telegram holds no current value to store."
        )
    serial = telegram.identification
    existing = await repository.owner_meter(await work.session(), owner_id, serial=serial)
    if existing is None:
        found = await add_meter(
            work,
            owner_id,
            MBUS,
            name=f"{telegram.manufacturer} {serial:08d}",
            serial=serial,
            energy_type=energy_type,
            sub_type=sub_type,
            attributes={"hardware_version": telegram.version, "firmware_version": None},
        )
    else:
        found = Meter(*existing)
        if found.family is not MBUS or found.row.energy_type != energy_type:
            raise ApiError.of(
                400,
                f"The request is invalid: your meter with the serial {serial} is not this "
                "M-Bus meter.",
            )
    at = post.date or utcnow()
    _check_counters(found.row, values, micros_of(at))
    await record_readings(work, [reading_of(found, at, values)])
    return found


def _check_counters(row: SmartMeMeter, values: dict[str, float], at_us: int) -> None:
    """Counters only grow: a newer reading may not lower one."""
    if row.value_date_us is None or at_us < row.value_date_us:
        return
    for code in obis.COUNTERS.intersection(values):
        if code in row.latest and values[code] < row.latest[code]:
            raise ApiError.of(
                400,
                f"The request is invalid: the counter {code} cannot go down "
                f"(it stands at {row.latest[code]}).",
            )


# ``FastSendDeviceValues``: for this long a meter reports every second. The end is kept in
# the meter's state, so that whichever process simulates sees a request any process took.
FAST_SEND_SECONDS: Final = 30
FAST_UNTIL: Final = "fast_until_us"


async def fast_send(work: UnitOfWork, owner_id: int, guid: uuid.UUID) -> None:
    """``FastSendDeviceValues``: a simulated meter reports every second for the next 30 s,
    from the simulation's next turn. A meter that reports only what clients post has nothing
    to send faster, and the call changes nothing for it (smart-me: "if supported")."""
    found = await meter(work, owner_id, guid)
    if found.family.simulated:
        until = micros_of(utcnow()) + FAST_SEND_SECONDS * 1_000_000
        found.row.state = {**found.row.state, FAST_UNTIL: until}


def reading_of(found: Meter, at: datetime, values: dict[str, float]) -> Reading:
    return Reading(uuid.UUID(found.guid), found.row.owner_id, found.row.serial, at, values)


async def switch(
    work: UnitOfWork, owner_id: int, guid: uuid.UUID, actions: Sequence[tuple[str, float]]
) -> Meter:
    """Switches the meter's relays or outputs, and records a reading at once, so that every
    client and webhook sees the new state (a switched-off phase draws nothing from then on)."""
    found = await meter(work, owner_id, guid)
    family = found.family
    available = {action.code.hex: action for action in family.actions}
    switches = dict(found.row.state.get("switches", {}))
    for code, value in actions:
        action = available.get(code)
        if action is None:
            raise ApiError.of(400, f"The request is invalid: this device has no action {code}.")
        if action.type is ActionType.OnOffAction and value not in (0.0, 1.0):
            raise ApiError.of(400, "The request is invalid: an OnOffAction takes 0 or 1.")
        switches = meter_model.switch(family, switches, code, value == 1.0)
    found.row.state = {**found.row.state, "switches": switches}
    since = found.row.value_date_us
    # Never before the latest reading (a client may have posted one from its future clock),
    # so that the switched state is the meter's latest at once.
    now = max(utcnow(), from_micros(since + 1)) if since is not None else utcnow()
    values = meter_model.measure(
        family,
        meter_model.Profile.from_state(found.row.state),
        switches,
        dict(found.row.latest),
        None if since is None else from_micros(since),
        now,
    )
    await record_readings(work, [reading_of(found, now, values)])
    return found


async def switch_post(work: UnitOfWork, owner_id: int, post: ActionPost) -> Meter:
    return await switch(work, owner_id, post.device_id, post.actions)


async def post_custom(work: UnitOfWork, owner_id: int, post: CustomPost) -> Meter:
    """``POST /CustomDevice``: a custom device (a non-meter with named values) made or
    updated. Its values are named, not OBIS-coded, so they are kept with the device rather
    than as a reading."""
    if post.id is None:
        found = await add_meter(work, owner_id, CUSTOM, name=post.name or "", serial=post.serial)
    else:
        found = await meter(work, owner_id, post.id)
        if not found.row.is_custom:
            raise ApiError.of(400, "The request is invalid: this device is not a custom device.")
        if post.serial is not None and post.serial != found.row.serial:
            raise ApiError.of(400, "The request is invalid: a device's Serial cannot change.")
        if post.name is not None:
            found.device.name = post.name
    found.row.custom_values = post.values
    found.row.value_date_us = micros_of(post.value_date or utcnow())
    work.publish(ChangeEvent(FACE, "device", owner_id, found.guid))
    return found
