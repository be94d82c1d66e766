"""Service calls in a unit of work of their own, as a route runs them."""

from __future__ import annotations

from typing import Any

from homecloud.core.database import Database
from homecloud.core.events import EventBus, InProcessBus
from homecloud.core.unit_of_work import UnitOfWork


async def within(
    database: Database, call: Any, *args: Any, bus: EventBus | None = None, **kwargs: Any
) -> Any:
    """``call(work, *args, **kwargs)`` in a unit of work committed when it returns."""
    async with UnitOfWork.begin(database, bus or InProcessBus()) as work:
        return await call(work, *args, **kwargs)
