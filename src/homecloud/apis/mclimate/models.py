"""MClimate's own tables. A controller is a core ``Device`` (face ``mclimate``, kind = the
vendor's device type, serial = its serial number); what the vendor shows of it besides lives
in :class:`MClimateController`, one row per device, in columns so that the collection's query
options (filters, sort) are plain indexed SQL. Its simulated state, its last command and its
latest sensor record are JSON text, read as text on the hot path and parsed with orjson.

The records a user keeps about their controllers (schedules, thermostat modes, schedule
profiles, geofences) are JSON documents in :class:`MClimateRecord`; a controller's sensor
history is :class:`MClimateControllerLog`.
"""

from __future__ import annotations

import secrets

from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from homecloud.core.models import Base, Id, NowOnInsert


def new_version() -> int:
    return secrets.randbits(62)


class MClimateController(Base):
    __tablename__ = "mclimate_controllers"

    device_id: Mapped[int] = mapped_column(
        Id, ForeignKey("devices.id", ondelete="CASCADE"), primary_key=True
    )
    mac: Mapped[str] = mapped_column(String(32))
    firmware_version: Mapped[str] = mapped_column(String(32))
    room_id: Mapped[int | None] = mapped_column(BigInteger)
    brand_id: Mapped[int | None] = mapped_column(Integer)
    online: Mapped[bool] = mapped_column(Boolean, default=True)
    assigned_at: Mapped[int | None] = mapped_column(BigInteger)
    relay_state: Mapped[bool | None] = mapped_column(Boolean)
    # The last AC command (state, mode, temp, fan) as JSON text; null for other types.
    command_log: Mapped[str | None] = mapped_column(Text)
    # The latest sensor record in the type's shape, JSON text.
    controller_log: Mapped[str] = mapped_column(Text, default="{}")
    # The simulated device (room, relay, motor, ...), JSON text.
    state: Mapped[str] = mapped_column(Text, default="{}")
    simulated_until: Mapped[NowOnInsert]
    # A fresh random number at every write of a field the controller collection shows (the
    # service's ``store`` and ``change_controller``): with the id, the key of the rendered
    # items' cache. Random rather than counted, so that a controller made anew under a
    # reused id never meets the old one's key.
    version: Mapped[int] = mapped_column(BigInteger, default=new_version)


class MClimateRecord(Base):
    """A schedule, thermostat mode, schedule profile or geofence (``kind``) of a user."""

    __tablename__ = "mclimate_records"
    __table_args__ = (Index("ix_mclimate_records_owner_kind", "owner_id", "kind", "device_id"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))
    device_id: Mapped[int | None] = mapped_column(Id, ForeignKey("devices.id", ondelete="CASCADE"))
    data: Mapped[str] = mapped_column(Text)
    created_at: Mapped[NowOnInsert]


class MClimateControllerLog(Base):
    """One past sensor record of a controller, as its ``controller_log`` showed it then."""

    __tablename__ = "mclimate_controller_logs"
    __table_args__ = (Index("ix_mclimate_controller_logs_device", "device_id", "created_at"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    device_id: Mapped[int] = mapped_column(Id, ForeignKey("devices.id", ondelete="CASCADE"))
    created_at: Mapped[int] = mapped_column(BigInteger)
    data: Mapped[str] = mapped_column(Text)
