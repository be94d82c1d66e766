"""The unit of work: one transaction, committed once, events published only after the commit."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.orm import Session
from starlette.responses import JSONResponse

from homecloud.core.database import Database
from homecloud.core.errors import ApiError, install_error_shape
from homecloud.core.events import ChangeEvent, InProcessBus
from homecloud.core.unit_of_work import (
    ReadWork,
    UnitOfWork,
    UnitOfWorkError,
    WriteWork,
    bind_unit_of_work,
    units_router,
)
from homecloud.core.users import create_user, find_by_login


def changed(owner_id: int) -> ChangeEvent:
    return ChangeEvent(face="probe", kind="thing", owner_id=owner_id, resource_id="1")


async def user_count(database: Database) -> int:
    async with database.session() as session:
        return int((await session.execute(text("SELECT count(*) FROM users"))).scalar_one())


async def test_events_are_published_after_the_commit_and_see_its_data(database: Database) -> None:
    bus = InProcessBus()
    subscription = bus.subscribe(lambda _event: True)
    async with UnitOfWork.begin(database, bus) as work:
        user = await create_user(await work.session(), "ada@example.com", "correct horse")
        work.publish(changed(user.id))
        # Queued, not yet published: the transaction has not committed.
        assert subscription.pending() == 0
    assert subscription.pending() == 1
    assert (await subscription.get()).owner_id == user.id
    assert await user_count(database) == 1


async def test_a_failing_unit_publishes_nothing_and_writes_nothing(database: Database) -> None:
    bus = InProcessBus()
    subscription = bus.subscribe(lambda _event: True)

    async def fail_after_writing() -> None:
        async with UnitOfWork.begin(database, bus) as work:
            user = await create_user(await work.session(), "bob@example.com", "correct horse")
            work.publish(changed(user.id))
            raise RuntimeError("relay stuck")

    with pytest.raises(RuntimeError, match="relay"):
        await fail_after_writing()
    assert subscription.pending() == 0
    assert await user_count(database) == 0


async def test_synchronous_work_is_the_whole_transaction(database: Database) -> None:
    bus = InProcessBus()
    async with UnitOfWork.begin(database, bus) as work:
        await create_user(await work.session(), "sync@example.com", "correct horse")

    def rename(session: Session) -> int:
        return session.execute(text("UPDATE users SET first_name = 'Sync'")).rowcount

    async with UnitOfWork.begin(database, bus) as work:
        assert await work.run_sync(rename) == 1
        # A second transaction inside the same unit would break "commits once".
        with pytest.raises(UnitOfWorkError):
            await work.session()
        with pytest.raises(UnitOfWorkError):
            await work.run_sync(rename)
    async with database.session() as session:
        names = (await session.execute(text("SELECT first_name FROM users"))).scalars().all()
    assert names == ["Sync"]


def probe_app(database: Database, bus: InProcessBus) -> FastAPI:
    app = FastAPI()
    install_error_shape(
        app,
        lambda error: JSONResponse({"errors": error.messages}, status_code=error.status),
        max_body_bytes=4096,
    )
    bind_unit_of_work(app.state, database, bus)
    routes = units_router()

    @routes.post("/users/{email}")
    async def add(email: str, work: WriteWork) -> dict[str, int]:
        user = await create_user(await work.session(), email, "correct horse")
        work.publish(changed(user.id))
        if email.startswith("refused"):
            raise ApiError.of(409, "refused after writing")
        return {"id": user.id}

    @routes.get("/users/{email}")
    async def read(email: str, work: ReadWork) -> dict[str, bool]:
        return {"found": await find_by_login(await work.session(), email) is not None}

    @routes.get("/probe")
    async def probe(work: ReadWork) -> dict[str, bool]:
        return {"write": work.write}

    app.include_router(routes)

    @app.get("/outside")
    async def outside(work: WriteWork) -> dict[str, bool]:
        return {"write": work.write}

    return app


async def test_a_route_commits_before_answering_and_rolls_back_its_errors(
    database: Database,
) -> None:
    bus = InProcessBus()
    subscription = bus.subscribe(lambda _event: True)
    transport = httpx.ASGITransport(app=probe_app(database, bus))
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
        created = await http.post("/users/carol@example.com")
        # Committed before the response: the next request sees the account.
        assert (await http.get("/users/carol@example.com")).json() == {"found": True}
        assert subscription.pending() == 1
        refused = await http.post("/users/refused@example.com")
        assert (await http.get("/users/refused@example.com")).json() == {"found": False}
    assert created.status_code == 200
    assert refused.status_code == 409
    assert refused.json() == {"errors": ["refused after writing"]}
    assert subscription.pending() == 1


async def test_readers_never_open_a_write_transaction(database: Database) -> None:
    transport = httpx.ASGITransport(app=probe_app(database, InProcessBus()))
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
        assert (await http.get("/probe")).json() == {"write": False}


async def test_a_unit_outside_a_units_router_is_refused_not_left_open(database: Database) -> None:
    """Nothing would commit a unit opened by a route of a plain router: it fails loudly."""
    transport = httpx.ASGITransport(
        app=probe_app(database, InProcessBus()), raise_app_exceptions=False
    )
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
        response = await http.get("/outside")
    assert response.status_code == 500
