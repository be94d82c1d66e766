"""CKW's own tables: the customer, its installations (addresses) and their metering points.

A metering point is also a core ``Device`` (kind ``metering_point``, serial = the metering
point id) whose 15-minute kWh values are a core ``Series`` (``energy``); the quarter-hours
whose value is an estimate are marked in a second, sparse series (``estimated``). The ids of
both series are kept here, so a meter-data call finds everything with one read. Each local
day's totals are kept too (:class:`CkwDailyTotal`), for the calendar sums.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Double, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from homecloud.core.models import Base, Id, NowOnInsert


class CkwCustomer(Base):
    __tablename__ = "ckw_customers"

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    customer_number: Mapped[str] = mapped_column(String(32), unique=True)
    created_at: Mapped[NowOnInsert]


class CkwInstallation(Base):
    __tablename__ = "ckw_installations"
    __table_args__ = (Index("ix_ckw_installations_customer", "customer_id"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("ckw_customers.id", ondelete="CASCADE"))
    installation_id: Mapped[str] = mapped_column(String(32), unique=True)
    street: Mapped[str] = mapped_column(String(200), default="")
    zip: Mapped[str] = mapped_column(String(16), default="")
    city: Mapped[str] = mapped_column(String(100), default="")
    country: Mapped[str] = mapped_column(String(2), default="CH")
    created_at: Mapped[NowOnInsert]


class CkwMeteringPoint(Base):
    __tablename__ = "ckw_metering_points"
    __table_args__ = (Index("ix_ckw_metering_points_installation", "installation_id"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    installation_id: Mapped[int] = mapped_column(
        ForeignKey("ckw_installations.id", ondelete="CASCADE")
    )
    device_id: Mapped[int] = mapped_column(ForeignKey("devices.id", ondelete="CASCADE"))
    energy_series_id: Mapped[int] = mapped_column(ForeignKey("series.id", ondelete="CASCADE"))
    estimated_series_id: Mapped[int] = mapped_column(ForeignKey("series.id", ondelete="CASCADE"))
    metering_point_id: Mapped[str] = mapped_column(String(33), unique=True)
    meter_number: Mapped[str] = mapped_column(String(32), default="")
    energy_direction: Mapped[str] = mapped_column(String(16))
    unit: Mapped[str] = mapped_column(String(8), default="kWh")
    # Milliseconds; valid_to is exclusive (None: still valid).
    valid_from: Mapped[int] = mapped_column(BigInteger)
    valid_to: Mapped[int | None] = mapped_column(BigInteger)
    # The meter has delivered its values up to here (ms, exclusive): later quarter-hours are
    # not reported at all, earlier ones without a value are reported missing.
    delivered_until: Mapped[int | None] = mapped_column(BigInteger)
    # Seed of the simulated household or PV plant behind this meter (None: not simulated).
    simulation_seed: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[NowOnInsert]


class CkwDailyTotal(Base):
    """Each local day's sum of a metering point's quarter-hours, kept with them: a year at day
    (or week, month, year) resolution reads 365 of these instead of 35,040 points. Derived
    from the stored points whenever values are recorded (:func:`service.record_values`)."""

    __tablename__ = "ckw_daily_totals"

    metering_point_id: Mapped[int] = mapped_column(
        Id, ForeignKey("ckw_metering_points.id", ondelete="CASCADE"), primary_key=True
    )
    # The local day's first instant (ms); the day ends at the next local midnight.
    day_start: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    day_end: Mapped[int] = mapped_column(BigInteger)
    kwh: Mapped[float] = mapped_column(Double)
    quarter_hours: Mapped[int] = mapped_column(Integer)
    estimated: Mapped[int] = mapped_column(Integer)
