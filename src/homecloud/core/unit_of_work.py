"""One request's unit of work: one transaction, committed once, and the change events it made.

A route takes a :class:`UnitOfWork` (``work: ReadWork`` or ``work: WriteWork``) and hands it
to the face's service. The service reads and writes through ``await work.session()`` (or runs synchronous ORM code with
:meth:`UnitOfWork.run_sync`) and queues change events with :meth:`UnitOfWork.publish`; it
never commits. When the route returns, the transaction commits and only then are the events
published; when anything raises, it rolls back and the events are dropped, so no subscriber
ever hears of a change that did not happen.

The face's routes are made by :func:`units_router`, whose route class commits before the
response is sent, so a client never sees a success whose commit then failed.

Outside requests (simulations, the CLI, the demo) the same unit is opened with
:func:`UnitOfWork.begin`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Depends
from fastapi.routing import APIRoute
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import Response

from homecloud.core.database import Database
from homecloud.core.events import ChangeEvent, EventBus

T = TypeVar("T")


class UnitOfWorkError(RuntimeError):
    """The unit of work was used in a way that would split it into two transactions."""


class UnitOfWork:
    """A transaction opened on first use and the change events queued during it.

    ``write=True`` marks work that reads before it writes: on SQLite it takes the write lock
    when it begins (see :meth:`Database.session`). The transaction is either asynchronous
    (``session``) or synchronous (:meth:`run_sync`, SQLite's fast path on the writer thread),
    never both: each is one whole transaction.
    """

    def __init__(self, database: Database, events: EventBus, *, write: bool) -> None:
        self.database = database
        self.events = events
        self.write = write
        self.pending: list[ChangeEvent] = []
        self._session: AsyncSession | None = None
        self._transaction = AsyncExitStack()
        self._ran_sync = False

    @classmethod
    @asynccontextmanager
    async def begin(
        cls, database: Database, events: EventBus, *, write: bool = True
    ) -> AsyncIterator[UnitOfWork]:
        """The unit of work as a block: committed (then its events published) when the block
        ends, rolled back (and its events dropped) when it raises."""
        work = cls(database, events, write=write)
        try:
            yield work
        except BaseException as exc:
            await work.rollback(exc)
            raise
        await work.commit()

    async def session(self) -> AsyncSession:
        """The unit's session, its transaction begun on first use."""
        if self._ran_sync:
            raise UnitOfWorkError("this unit of work already ran as a synchronous transaction")
        if self._session is None:
            self._session = await self._transaction.enter_async_context(
                self.database.session(write=self.write)
            )
        return self._session

    async def run_sync(self, work: Callable[[Session], T]) -> T:
        """Runs synchronous ``work`` as this unit's whole transaction (committed when it
        returns, so call it once, last)."""
        if self._session is not None or self._ran_sync:
            raise UnitOfWorkError("a unit of work is one transaction: run_sync runs it whole")
        self._ran_sync = True
        if self.write:
            return await self.database.run_in_transaction(work)
        return await self.database.run_read_only(work)

    def publish(self, event: ChangeEvent) -> None:
        """Queues ``event``; it is published once the transaction has committed."""
        self.pending.append(event)

    async def commit(self) -> None:
        """Commits the transaction, then publishes the queued events."""
        self._session = None
        await self._transaction.aclose()
        events, self.pending = self.pending, []
        for event in events:
            await self.events.publish(event)

    async def rollback(self, reason: BaseException) -> None:
        """Rolls the transaction back (for ``reason``) and drops the queued events."""
        self.pending = []
        self._session = None
        try:
            await self._transaction.__aexit__(type(reason), reason, reason.__traceback__)
        except BaseException as raised:
            # The session's block re-raises the reason once it has rolled back.
            if raised is not reason:
                raise


def bind_unit_of_work(state: object, database: Database, events: EventBus) -> None:
    """Lets the dependencies below open units of work for a face's application: ``state`` is
    the face app's ``app.state``."""
    state.unit_of_work = (database, events)  # type: ignore[attr-defined]


UNITS = "homecloud.units_of_work"


class UnitOfWorkRoute(APIRoute):
    """A route that closes the units of work its endpoint opened: committed (then their
    events published) once the endpoint has returned its response and before anything is
    sent, rolled back when it raises. Cheaper per request than a generator dependency, which
    is why faces' routers are made with :func:`units_router`."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handle = super().get_route_handler()

        async def handle_in_units(request: Request) -> Response:
            units: list[UnitOfWork] = []
            request.scope[UNITS] = units
            try:
                response = await handle(request)
            except BaseException as exc:
                for unit in units:
                    await unit.rollback(exc)
                raise
            for unit in units:
                await unit.commit()
            return response

        return handle_in_units


def units_router(**options: Any) -> APIRouter:
    """An ``APIRouter`` whose routes may take :data:`ReadWork` and :data:`WriteWork`."""
    return APIRouter(route_class=UnitOfWorkRoute, **options)


def _opener(*, write: bool) -> Callable[[Request], Awaitable[UnitOfWork]]:
    async def open_unit_of_work(request: Request) -> UnitOfWork:
        units: list[UnitOfWork] | None = request.scope.get(UNITS)
        if units is None:
            # Nothing would commit it: the route was not made by units_router().
            raise UnitOfWorkError(f"{request.url.path} is not a UnitOfWorkRoute")
        database, events = request.app.state.unit_of_work
        unit = UnitOfWork(database, events, write=write)
        units.append(unit)
        return unit

    return open_unit_of_work


read_unit_of_work = _opener(write=False)
write_unit_of_work = _opener(write=True)

# ``work: ReadWork`` in a route that only reads, ``work: WriteWork`` in one that changes data.
ReadWork = Annotated[UnitOfWork, Depends(read_unit_of_work)]
WriteWork = Annotated[UnitOfWork, Depends(write_unit_of_work)]
