"""All of the Thing+ face's SQL. Functions take a synchronous ``Session``: writes run in
``Database.run_in_transaction`` (one worker-thread hop per request on SQLite), reads through
``AsyncSession.run_sync``."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any, Final, NamedTuple, TypeVar

from sqlalchemy import JSON, BigInteger, Select, bindparam, delete, func, select, text
from sqlalchemy.orm import Session

from homecloud.apis.thingplus.models import ThingplusDevice, ThingplusSensor
from homecloud.core.models import Device, Series, User
from homecloud.core.series import tidy
from homecloud.identity.models import AuthorizationCode, OAuthClient
from homecloud.identity.secrets import digest

FACE: Final = "thingplus"
# What sits on a gateway: the tables that share its gateway_id column.
Child = TypeVar("Child", ThingplusDevice, ThingplusSensor)
GATEWAY: Final = "gateway"


def find_gateway(session: Session, gateway_id: str, *, lock: bool = False) -> Device | None:
    """The gateway; ``lock`` holds its row until the transaction ends (PostgreSQL; SQLite's
    write transactions hold the whole database already) for a read-modify-write."""
    statement = select(Device).where(
        Device.face == FACE, Device.kind == GATEWAY, Device.serial == gateway_id
    )
    return session.scalar(statement.with_for_update() if lock else statement)


def user_gateways(session: Session, user_id: int) -> Sequence[Device]:
    return session.scalars(
        select(Device)
        .where(Device.owner_id == user_id, Device.face == FACE, Device.kind == GATEWAY)
        .order_by(Device.id)
    ).all()


def children_ids(
    session: Session, gateway_pks: Sequence[int]
) -> tuple[dict[int, list[str]], dict[int, list[str]]]:
    """The device ids and sensor ids under each gateway, in creation order."""
    devices: dict[int, list[str]] = defaultdict(list)
    sensors: dict[int, list[str]] = defaultdict(list)
    if not gateway_pks:
        return devices, sensors
    for gateway_pk, device_id in session.execute(
        select(ThingplusDevice.gateway_id, ThingplusDevice.device_id)
        .where(ThingplusDevice.gateway_id.in_(gateway_pks))
        .order_by(ThingplusDevice.id)
    ):
        devices[gateway_pk].append(device_id)
    for gateway_pk, sensor_id in session.execute(
        select(ThingplusSensor.gateway_id, ThingplusSensor.sensor_id)
        .where(ThingplusSensor.gateway_id.in_(gateway_pks))
        .order_by(ThingplusSensor.id)
    ):
        sensors[gateway_pk].append(sensor_id)
    return devices, sensors


def find_device(session: Session, gateway_pk: int, device_id: str) -> ThingplusDevice | None:
    return session.scalar(
        select(ThingplusDevice).where(
            ThingplusDevice.gateway_id == gateway_pk, ThingplusDevice.device_id == device_id
        )
    )


def gateway_devices(session: Session, gateway_pk: int) -> Sequence[ThingplusDevice]:
    return _on_gateway(session, ThingplusDevice, gateway_pk)


def _on_gateway(session: Session, table: type[Child], gateway_pk: int) -> Sequence[Child]:
    """A gateway's devices or sensors, oldest first."""
    return session.scalars(
        select(table).where(table.gateway_id == gateway_pk).order_by(table.id)
    ).all()


def find_sensor(
    session: Session, gateway_pk: int, sensor_id: str, *, lock: bool = False
) -> ThingplusSensor | None:
    statement = select(ThingplusSensor).where(
        ThingplusSensor.gateway_id == gateway_pk, ThingplusSensor.sensor_id == sensor_id
    )
    return session.scalar(statement.with_for_update() if lock else statement)


def sensor_by_pk(session: Session, pk: int) -> ThingplusSensor | None:
    return session.get(ThingplusSensor, pk)


def gateway_sensors(session: Session, gateway_pk: int) -> Sequence[ThingplusSensor]:
    return _on_gateway(session, ThingplusSensor, gateway_pk)


class IngestTarget(NamedTuple):
    """What the ingestion path needs of a sensor, read without loading the whole row."""

    pk: int
    sensor_id: str
    series_id: int
    type: str
    category: str
    latest: dict[str, Any] | None


# The ingestion path's two statements, written out once: built per request with the query
# builder they cost more CPU than the rest of a 1,000-value request short of the insert.
_INGEST_TARGET_SQL: Final = (
    text(
        "SELECT d.owner_id, s.id, s.series_id, s.type, s.category, s.latest"
        " FROM devices d LEFT JOIN thingplus_sensors s"
        " ON s.gateway_id = d.id AND s.sensor_id = :sensor_id"
        " WHERE d.face = :face AND d.kind = :kind AND d.serial = :gateway_id"
    )
    .bindparams(face=FACE, kind=GATEWAY)
    .columns(latest=JSON)
)
_SET_LATEST_SQL: Final = text(
    "UPDATE thingplus_sensors SET latest = :latest, updated_at = COALESCE(:mtime, updated_at)"
    " WHERE id = :pk"
).bindparams(bindparam("latest", type_=JSON), bindparam("mtime", type_=BigInteger))


def ingest_target(
    session: Session, gateway_id: str, sensor_id: str
) -> tuple[int, IngestTarget | None] | None:
    """(the gateway owner's id, the sensor or None) in one query, or None without the gateway:
    the ingestion path's only read."""
    row = session.execute(
        _INGEST_TARGET_SQL, {"gateway_id": gateway_id, "sensor_id": sensor_id}
    ).first()
    if row is None:
        return None
    owner_id, pk, series_id, sensor_type, category, latest = row
    if pk is None:
        return owner_id, None
    return owner_id, IngestTarget(pk, sensor_id, series_id, sensor_type, category, latest)


def locked_latest(session: Session, pk: int) -> dict[str, Any] | None:
    """A sensor's series leaf read again under a row lock, on PostgreSQL, where two uploads to
    one sensor may run at once and the later commit must see the earlier one's leaf."""
    return session.scalar(
        select(ThingplusSensor.latest).where(ThingplusSensor.id == pk).with_for_update()
    )


def set_latest(session: Session, pk: int, latest: dict[str, Any], mtime: int | None) -> None:
    """Stores a sensor's series leaf, and its new mtime when the leaf is new."""
    session.execute(_SET_LATEST_SQL, {"latest": latest, "mtime": mtime, "pk": pk})


def _count(session: Session, statement: Select[int]) -> int:
    return session.scalar(statement) or 0


def count_gateways(session: Session, user_id: int) -> int:
    owned = (Device.owner_id == user_id, Device.face == FACE, Device.kind == GATEWAY)
    return _count(session, select(func.count()).select_from(Device).where(*owned))


def count_devices(session: Session, user_id: int) -> int:
    return _count_on_gateways_of(session, ThingplusDevice, user_id)


def count_sensors(session: Session, user_id: int) -> int:
    return _count_on_gateways_of(session, ThingplusSensor, user_id)


def _count_on_gateways_of(session: Session, table: type[Child], user_id: int) -> int:
    """The devices or sensors on all of the user's gateways (the plan's limits count them)."""
    on_gateway = Device.id == table.gateway_id
    statement = select(func.count()).select_from(table).join(Device, on_gateway)
    return _count(session, statement.where(Device.owner_id == user_id))


def count_model_devices(session: Session, gateway_pk: int, model: str) -> int:
    of_model = (ThingplusDevice.gateway_id == gateway_pk, ThingplusDevice.model == model)
    return _count(session, select(func.count()).select_from(ThingplusDevice).where(*of_model))


def user_exists(session: Session, user_id: int) -> bool:
    return session.get(User, user_id) is not None


def user_created_at(session: Session, user_id: int) -> int | None:
    return session.scalar(select(User.created_at).where(User.id == user_id))


def user_timezone(session: Session, user_id: int) -> str:
    return session.scalar(select(User.timezone).where(User.id == user_id)) or "UTC"


def add_series(session: Session, gateway_pk: int, key: str, value_kind: str, unit: str) -> Series:
    series = Series(device_id=gateway_pk, key=key, value_kind=value_kind, unit=unit)
    session.add(series)
    session.flush()
    return series


def delete_sensor(session: Session, sensor: ThingplusSensor) -> None:
    # The sensor row and its points go with its series (foreign keys cascade).
    session.execute(delete(Series).where(Series.id == sensor.series_id))


def delete_device(session: Session, device: ThingplusDevice) -> None:
    session.execute(delete(ThingplusDevice).where(ThingplusDevice.id == device.id))


def delete_gateway(session: Session, gateway: Device) -> None:
    # Its devices, sensors, series and points go with it (foreign keys cascade).
    session.execute(delete(Device).where(Device.id == gateway.id))


# Fixed-width buckets aligned on multiples of the width since the epoch (as the vendor's
# ``interval`` buckets are); the integer division is exact on both databases.
_BUCKETS_SQL: Final = text(
    "SELECT (ts / :width) * :width AS bucket, AVG(num), SUM(num), COUNT(num)"
    " FROM series_points WHERE series_id = :series_id AND ts >= :start AND ts < :end"
    " AND num IS NOT NULL GROUP BY bucket ORDER BY bucket"
)


def interval_buckets(
    session: Session, series_id: int, start_ms: int, end_ms: int, width_ms: int
) -> list[tuple[int, float, float, int]]:
    """(bucket start, average, sum, count) of each non-empty bucket of the range."""
    rows = session.execute(
        _BUCKETS_SQL,
        {"width": width_ms, "series_id": series_id, "start": start_ms, "end": end_ms},
    )
    return [
        (int(bucket), tidy(float(avg)), tidy(float(total)), int(count))
        for bucket, avg, total, count in rows
    ]


# ------------------------------------------------------------------------- OAuth clients, codes


def find_authorization_code(session: Session, code: str) -> AuthorizationCode | None:
    """The stored authorization code (used, expired or not), by the code itself."""
    return session.scalar(
        select(AuthorizationCode).where(AuthorizationCode.code_hash == digest(code))
    )


def delete_client(session: Session, client_pk: int) -> None:
    """Deletes an OAuth client; its codes, tokens and consents go with it (foreign keys), so
    they stop working at once."""
    session.execute(delete(OAuthClient).where(OAuthClient.id == client_pk))
