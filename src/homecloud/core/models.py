"""Core tables shared by every face: users, devices, series and their points.

Timestamps are integer milliseconds since the Unix epoch (UTC) throughout: every vendor API
speaks milliseconds or ISO strings, and integers compare and index the same on every database.
"""

from __future__ import annotations

import time
from typing import Annotated, Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Double,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# One id type for every surrogate key: BIGINT on PostgreSQL, INTEGER (the rowid alias, which
# autoincrements) on SQLite.
Id = BigInteger().with_variant(Integer(), "sqlite")


def now_ms() -> int:
    return time.time_ns() // 1_000_000


# A moment column set to the time its row is inserted (``created_at``, ``issued_at``, ...).
NowOnInsert = Annotated[int, mapped_column(BigInteger, default=now_ms)]


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {dict[str, Any]: JSON, list[str]: JSON}


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    email: Mapped[str] = mapped_column(String(320))
    # The lower-cased e-mail carries the unique index: addresses are unique regardless of case.
    email_key: Mapped[str] = mapped_column(String(320), unique=True)
    username: Mapped[str | None] = mapped_column(String(150), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    # Argon2id of the hex MD5 of the password, for clients that send md5(password) instead of
    # the password (Thing+'s password grant). As slow to attack as the main hash; filled in
    # whenever the clear password is at hand (set, change, sign-in).
    password_md5_hash: Mapped[str | None] = mapped_column(String(255))
    first_name: Mapped[str] = mapped_column(String(100), default="")
    last_name: Mapped[str] = mapped_column(String(100), default="")
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    locale: Mapped[str] = mapped_column(String(16), default="en")
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Per-face account preferences (a Nuheat account's energy rate, a temperature scale, ...).
    preferences: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[NowOnInsert]
    password_changed_at: Mapped[NowOnInsert]


class Device(Base):
    __tablename__ = "devices"
    __table_args__ = (
        UniqueConstraint("face", "serial", name="uq_devices_face_serial"),
        Index("ix_devices_owner_face", "owner_id", "face"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    face: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(64))
    serial: Mapped[str] = mapped_column(String(128))
    name: Mapped[str] = mapped_column(String(200), default="")
    attributes: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[NowOnInsert]
    updated_at: Mapped[int] = mapped_column(BigInteger, default=now_ms, onupdate=now_ms)


class Series(Base):
    """One measured quantity of one device (a floor temperature, an energy counter, ...)."""

    __tablename__ = "series"
    __table_args__ = (UniqueConstraint("device_id", "key", name="uq_series_device_key"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    device_id: Mapped[int] = mapped_column(ForeignKey("devices.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(128))
    value_kind: Mapped[str] = mapped_column(String(8), default="number")  # number | json
    unit: Mapped[str] = mapped_column(String(32), default="")
    created_at: Mapped[NowOnInsert]


class SeriesPoint(Base):
    """A point of a series. The primary key makes re-sending a point a no-op, and on SQLite
    the table is clustered on it (WITHOUT ROWID), so a range read of one series is one scan."""

    __tablename__ = "series_points"
    __table_args__ = {"sqlite_with_rowid": False}  # noqa: RUF012

    series_id: Mapped[int] = mapped_column(
        Id, ForeignKey("series.id", ondelete="CASCADE"), primary_key=True
    )
    ts: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    num: Mapped[float | None] = mapped_column(Double)
    doc: Mapped[str | None] = mapped_column(Text)  # JSON text for object values
