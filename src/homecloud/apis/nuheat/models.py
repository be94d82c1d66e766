"""The Nuheat face's own table: thermostat groups (a house), with their away mode.

Thermostats themselves are core devices (face ``nuheat``, kind ``thermostat``); their group
is the ``group_id`` attribute.
"""

from __future__ import annotations

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from homecloud.core.models import Base, Id, NowOnInsert

DEFAULT_AWAY_SET_POINT = 1500  # centi-°C, as the vendor's example group has


class NuheatGroup(Base):
    __tablename__ = "nuheat_groups"
    __table_args__ = (Index("ix_nuheat_groups_owner", "owner_id"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    away_mode: Mapped[bool] = mapped_column(Boolean, default=False)
    away_set_point: Mapped[int] = mapped_column(Integer, default=DEFAULT_AWAY_SET_POINT)
    created_at: Mapped[NowOnInsert]
