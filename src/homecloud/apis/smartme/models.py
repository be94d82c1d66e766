"""smart-me's own tables. A meter is a core ``Device`` (face ``smartme``, serial = the meter's
number as digits) with a ``smartme_meters`` row for what smart-me adds: its GUID, its enum
types, its switches and simulation state, and its latest reading; every reading it ever
sent is a ``smartme_readings`` row (all OBIS values of one moment together, because every
read path wants them together: ``Values``, ``ValuesInPast``, ``MeterValues``)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from homecloud.core.models import Base, Id


class SmartMeMeter(Base):
    __tablename__ = "smartme_meters"
    __table_args__ = (Index("ix_smartme_meters_owner", "owner_id"),)

    device_id: Mapped[int] = mapped_column(
        Id, ForeignKey("devices.id", ondelete="CASCADE"), primary_key=True
    )
    # The owner again (the core device has it too), so every list is one indexed scan.
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    guid: Mapped[str] = mapped_column(String(36), unique=True)
    serial: Mapped[int] = mapped_column(BigInteger, unique=True)
    energy_type: Mapped[int] = mapped_column(Integer)
    sub_type: Mapped[int] = mapped_column(Integer, default=0)
    family_type: Mapped[int] = mapped_column(Integer, default=0)
    is_custom: Mapped[bool] = mapped_column(Boolean, default=False)
    # Switch states and the simulation's parameters (see simulation.py); {} for meters that
    # only report what clients post.
    state: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # The latest reading: OBIS hex code -> value, and its time (µs since the epoch).
    latest: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    value_date_us: Mapped[int | None] = mapped_column(BigInteger)
    # A custom device's named values, [{"Name": ..., "Value": ...}], as last posted.
    custom_values: Mapped[list[Any]] = mapped_column(JSON, default=list)


class SmartMeReading(Base):
    """One reading of one meter; re-sending a reading of the same moment is a no-op."""

    __tablename__ = "smartme_readings"
    __table_args__ = {"sqlite_with_rowid": False}  # noqa: RUF012

    device_id: Mapped[int] = mapped_column(
        Id, ForeignKey("devices.id", ondelete="CASCADE"), primary_key=True
    )
    at_us: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    values: Mapped[dict[str, Any]] = mapped_column(JSON)


class SmartMeFolder(Base):
    """A user's root folder once it has been named (``POST /MeterFolderInformation``); until
    then it has :data:`~homecloud.apis.smartme.service.ROOT_FOLDER_NAME`. homecloud gives
    each user one folder holding all their meters, so the owner is its key."""

    __tablename__ = "smartme_folders"

    owner_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    name: Mapped[str] = mapped_column(String(200))


# The realtime webhooks' tables are the face's too: importing them here puts them in the
# metadata that ``homecloud.schema`` collects through the face's ``models`` reference.
from homecloud.apis.smartme.webhooks import models as webhook_models  # noqa: E402

__all__ = ["SmartMeFolder", "SmartMeMeter", "SmartMeReading", "webhook_models"]
