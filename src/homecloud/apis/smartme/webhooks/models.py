"""The realtime webhooks' tables: the receivers users registered, and the outbox of
deliveries (one row per reading and receiver), written in the transaction that stores the
reading.

A registration is also its receiver's delivery state: the backoff gate (``next_attempt_at``,
``failures``) and the lease a worker holds while it delivers (``lease_holder``,
``lease_until``). Claiming a receiver rather than single deliveries is what keeps each
receiver's deliveries in order across workers and processes.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, Integer, SmallInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from homecloud.core.models import Base, Id, NowOnInsert, now_ms


class WebhookRegistration(Base):
    __tablename__ = "smartme_webhook_registrations"
    __table_args__ = (Index("ix_smartme_webhook_registrations_owner", "owner_id"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    # The registration's ``Id`` in the API: a GUID, as smart-me's.
    guid: Mapped[str] = mapped_column(String(36), unique=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    # RegistrationType: 0 Disabled, 1 SingleMeterRegistration, 2 UserRegistration.
    registration_type: Mapped[int] = mapped_column(SmallInteger)
    meter_guid: Mapped[str | None] = mapped_column(String(36))
    serial_number: Mapped[str | None] = mapped_column(String(64))
    api_url: Mapped[str] = mapped_column(String(2048))
    basic_username: Mapped[str | None] = mapped_column(String(255))
    # The receiver's Basic password, sealed with AES-GCM (see .secrets); never in clear.
    basic_password_sealed: Mapped[str | None] = mapped_column(Text)
    # Why deliveries stopped (the receiver answered 410 Gone), shown to the user.
    disabled_reason: Mapped[str | None] = mapped_column(String(300))
    failures: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[int] = mapped_column(BigInteger, default=0)
    lease_holder: Mapped[str] = mapped_column(String(128), default="")
    lease_until: Mapped[int] = mapped_column(BigInteger, default=0)
    created_at: Mapped[NowOnInsert]
    updated_at: Mapped[int] = mapped_column(BigInteger, default=now_ms, onupdate=now_ms)


class WebhookDelivery(Base):
    """One reading due to one receiver. ``values`` are the reading's, in homecloud's units;
    the protobuf body is encoded when it is sent (with the scale the settings name)."""

    __tablename__ = "smartme_webhook_deliveries"
    __table_args__ = (
        # The worker's read: a receiver's pending deliveries, oldest first.
        Index("ix_smartme_webhook_deliveries_pending", "registration_id", "state", "id"),
        Index("ix_smartme_webhook_deliveries_finished", "finished_at"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    registration_id: Mapped[int] = mapped_column(
        ForeignKey("smartme_webhook_registrations.id", ondelete="CASCADE")
    )
    device_guid: Mapped[str] = mapped_column(String(36))
    value_date_us: Mapped[int] = mapped_column(BigInteger)
    values: Mapped[dict[str, Any]] = mapped_column(JSON)
    # 0 pending, 1 delivered, 2 given up, 3 cancelled (see .states).
    state: Mapped[int] = mapped_column(SmallInteger, default=0)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[NowOnInsert]
    finished_at: Mapped[int | None] = mapped_column(BigInteger)
    last_status: Mapped[int | None] = mapped_column(SmallInteger)
    last_error: Mapped[str | None] = mapped_column(String(300))
    # The worker (host:pid:random) whose POST was answered 2xx.
    delivered_by: Mapped[str | None] = mapped_column(String(128))
