"""The device registry, scoped by owner.

A :class:`DeviceRegistry` is made for one owner and adds that owner to every statement it
runs, so no call on it can read or change another user's device. Faces that must tell
"someone else's" from "missing" (Thing+ answers 403 for the first, 404 for the second) ask
:func:`owner_of`, which reveals only the owner's id.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Select, delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from homecloud.core.models import Device
from homecloud.core.statements import inserted


class DeviceError(ValueError):
    """A device request that cannot be carried out."""


class DeviceRegistry:
    def __init__(self, session: AsyncSession, owner_id: int) -> None:
        self.session = session
        self.owner_id = owner_id

    def _owned(self) -> Select[Device]:
        return select(Device).where(Device.owner_id == self.owner_id)

    async def add(
        self,
        face: str,
        kind: str,
        serial: str,
        *,
        name: str = "",
        attributes: Mapping[str, Any] | None = None,
    ) -> Device:
        if not serial:
            raise DeviceError("a device needs a serial")
        if await owner_of(self.session, face, serial) is not None:
            raise DeviceError(f"{face} device {serial!r} is registered already")
        return await inserted(
            self.session,
            Device(
                owner_id=self.owner_id,
                face=face,
                kind=kind,
                serial=serial,
                name=name,
                attributes=dict(attributes or {}),
            ),
        )

    async def get(self, face: str, serial: str) -> Device | None:
        return await self.session.scalar(
            self._owned().where(Device.face == face, Device.serial == serial)
        )

    async def get_by_id(self, device_id: int) -> Device | None:
        return await self.session.scalar(self._owned().where(Device.id == device_id))

    async def list(self, face: str | None = None, kind: str | None = None) -> Sequence[Device]:
        statement = self._owned()
        if face is not None:
            statement = statement.where(Device.face == face)
        if kind is not None:
            statement = statement.where(Device.kind == kind)
        return (await self.session.scalars(statement.order_by(Device.id))).all()

    async def update(
        self,
        device: Device,
        *,
        name: str | None = None,
        attributes: Mapping[str, Any] | None = None,
    ) -> Device:
        """Renames the device and/or merges ``attributes`` into its attributes."""
        if device.owner_id != self.owner_id:
            raise DeviceError("not this owner's device")
        if name is not None:
            device.name = name
        if attributes:
            # A new dict, so that SQLAlchemy sees the JSON column change.
            device.attributes = {**device.attributes, **attributes}
        await self.session.flush()
        return device

    async def remove(self, face: str, serial: str) -> bool:
        result = await self.session.execute(
            delete(Device).where(
                Device.owner_id == self.owner_id, Device.face == face, Device.serial == serial
            )
        )
        return bool(getattr(result, "rowcount", 0))


async def owner_of(session: AsyncSession, face: str, serial: str) -> int | None:
    """The id of the user who owns ``face`` device ``serial``, or None if nobody does."""
    return await session.scalar(
        select(Device.owner_id).where(Device.face == face, Device.serial == serial)
    )
