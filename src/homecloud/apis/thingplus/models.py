"""Thing+'s own tables. A gateway is a core ``Device`` (kind ``gateway``, serial = the gateway
id) and each sensor's values are a core ``Series`` of it; what has no core counterpart lives
here: the devices a gateway reports (logical groupings of its sensors) and the sensors with
their vendor fields and their status and latest-value leaves."""

from __future__ import annotations

from typing import Any, ClassVar

from sqlalchemy import JSON, BigInteger, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from homecloud.core.models import Base, Id, now_ms


class GatewayChild:
    """What a gateway's devices and sensors both are: a row of one gateway (a core device),
    known by an id unique on that gateway (``child_key``: ``device_id`` or ``sensor_id``),
    with the times it was made and last changed."""

    child_key: ClassVar[str]

    @declared_attr.directive
    @classmethod
    def __table_args__(cls) -> tuple[UniqueConstraint]:
        kind = cls.child_key.removesuffix("_id")
        name = f"uq_{cls.__tablename__}_gateway_{kind}"  # type: ignore[attr-defined]
        return (UniqueConstraint("gateway_id", cls.child_key, name=name),)

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True, sort_order=-2)
    gateway_id: Mapped[int] = mapped_column(
        ForeignKey("devices.id", ondelete="CASCADE"), sort_order=-1
    )
    created_at: Mapped[int] = mapped_column(BigInteger, default=now_ms, sort_order=1)
    updated_at: Mapped[int] = mapped_column(BigInteger, default=now_ms, sort_order=1)


class ThingplusDevice(GatewayChild, Base):
    __tablename__ = "thingplus_devices"
    child_key = "device_id"

    device_id: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(200))
    model: Mapped[str] = mapped_column(String(100))
    # Optional vendor fields the client sent (address, ...), echoed back as sent.
    extra: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class ThingplusSensor(GatewayChild, Base):
    __tablename__ = "thingplus_sensors"
    child_key = "sensor_id"

    series_id: Mapped[int] = mapped_column(ForeignKey("series.id", ondelete="CASCADE"))
    sensor_id: Mapped[str] = mapped_column(String(100))
    device_id: Mapped[str | None] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(200))
    type: Mapped[str] = mapped_column(String(64))
    category: Mapped[str] = mapped_column(String(16))
    driver_name: Mapped[str] = mapped_column(String(100))
    model: Mapped[str] = mapped_column(String(100))
    extra: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # The status leaf {id, value, time, expireAt, vtime, ctime, mtime}, once a status came.
    status: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # The series leaf {id, value, time, ctime, mtime}: the latest value, once one came.
    latest: Mapped[dict[str, Any] | None] = mapped_column(JSON)
