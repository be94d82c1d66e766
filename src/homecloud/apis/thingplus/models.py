"""Thing+'s own tables. A gateway is a core ``Device`` (kind ``gateway``, serial = the gateway
id) and each sensor's values are a core ``Series`` of it; what has no core counterpart lives
here: the devices a gateway reports (logical groupings of its sensors) and the sensors with
their vendor fields and their status and latest-value leaves."""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from homecloud.core.models import Base, Id, now_ms


class ThingplusDevice(Base):
    __tablename__ = "thingplus_devices"
    __table_args__ = (
        UniqueConstraint("gateway_id", "device_id", name="uq_thingplus_devices_gateway_device"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    gateway_id: Mapped[int] = mapped_column(ForeignKey("devices.id", ondelete="CASCADE"))
    device_id: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(200))
    model: Mapped[str] = mapped_column(String(100))
    # Optional vendor fields the client sent (address, ...), echoed back as sent.
    extra: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[int] = mapped_column(BigInteger, default=now_ms)
    updated_at: Mapped[int] = mapped_column(BigInteger, default=now_ms)


class ThingplusSensor(Base):
    __tablename__ = "thingplus_sensors"
    __table_args__ = (
        UniqueConstraint("gateway_id", "sensor_id", name="uq_thingplus_sensors_gateway_sensor"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    gateway_id: Mapped[int] = mapped_column(ForeignKey("devices.id", ondelete="CASCADE"))
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
    created_at: Mapped[int] = mapped_column(BigInteger, default=now_ms)
    updated_at: Mapped[int] = mapped_column(BigInteger, default=now_ms)
