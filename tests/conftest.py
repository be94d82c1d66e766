"""Shared fixtures: databases on both back ends, the app in process and on a real socket
(the serving itself is tests/serving.py).

Lanes that need a server outside the test process are chosen by environment variables:
``HOMECLOUD_TEST_POSTGRES_URL`` (e.g. ``postgresql://postgres@127.0.0.1:5432/test``) and
``HOMECLOUD_TEST_REDIS_URL`` (e.g. ``redis://127.0.0.1:6379/15``). Without them those lanes
skip and say why; with ``CI=true`` they must be set and reachable, else the tests fail.
"""

from __future__ import annotations

import asyncio
import os
import threading
import uuid
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from argon2 import PasswordHasher
from argon2 import profiles as argon2_profiles
from sqlalchemy import text

from homecloud.app import create_app
from homecloud.core import migrations, passwords
from homecloud.core.database import Database
from homecloud.core.users import create_user
from homecloud.schema import metadata
from homecloud.services import Services
from homecloud.settings import Settings
from tests.serving import free_port, serving_in_a_thread

IN_CI = os.environ.get("CI", "").lower() == "true"

# Argon2id at RFC 9106's parameters costs ~0.15 s of CPU per hash; the suite creates hundreds
# of accounts. Tests hash with the cheapest parameters (the same algorithm and code path);
# test_passwords checks that the service itself uses the strong ones. Subprocess tests (the
# demo) run with the real parameters.
passwords.production_hasher = passwords._hasher
passwords._hasher = PasswordHasher.from_parameters(argon2_profiles.CHEAPEST)


def external_url(variable: str, what: str) -> str:
    """The URL of an external test server, or a skip (a failure under CI) explaining the lane."""
    url = os.environ.get(variable)
    if url:
        return url
    message = f"{what} lane: set {variable} to run it"
    if IN_CI:
        pytest.fail(f"CI=true requires the {message}", pytrace=False)
    pytest.skip(message)


def run_in_own_loop(work: Callable[[], Coroutine[Any, Any, None]]) -> None:
    """Runs a coroutine to the end on a loop of its own, in a thread, so that it can be
    called from fixtures that are themselves running inside the test's event loop."""
    failure: list[BaseException] = []

    def target() -> None:
        try:
            asyncio.run(work())
        except BaseException as exc:
            failure.append(exc)

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    if failure:
        raise failure[0]


@pytest.fixture(scope="session")
def postgres_schema() -> Iterator[tuple[str, str]]:
    """A fresh schema on the test PostgreSQL, migrated once for the whole run, then dropped."""
    url = external_url("HOMECLOUD_TEST_POSTGRES_URL", "PostgreSQL")
    async_url = "postgresql+asyncpg://" + url.split("://", 1)[1]
    schema = f"homecloud_test_{uuid.uuid4().hex[:10]}"

    async def create() -> None:
        database = Database(async_url)
        try:
            async with database.engine.begin() as connection:
                await connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        except Exception as exc:
            pytest.fail(f"PostgreSQL at {url} is unreachable: {exc}", pytrace=False)
        finally:
            await database.dispose()
        migrated = postgres_database(async_url, schema)
        await migrations.upgrade(migrated)
        await migrated.dispose()

    async def drop() -> None:
        database = Database(async_url)
        async with database.engine.begin() as connection:
            await connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        await database.dispose()

    run_in_own_loop(create)
    yield async_url, schema
    run_in_own_loop(drop)


def postgres_database(async_url: str, schema: str) -> Database:
    return Database(async_url, connect_args={"server_settings": {"search_path": schema}})


async def empty_tables(database: Database) -> None:
    tables = ", ".join(f'"{table.name}"' for table in metadata.sorted_tables)
    async with database.engine.begin() as connection:
        await connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def database(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    """A migrated, empty database: SQLite in a temporary directory, then PostgreSQL."""
    if request.param == "sqlite":
        db = Database(f"sqlite+aiosqlite:///{tmp_path / 'homecloud.db'}")
        await migrations.upgrade(db)
    else:
        async_url, schema = request.getfixturevalue("postgres_schema")
        db = postgres_database(async_url, schema)
        await empty_tables(db)
    yield db
    await db.dispose()


@pytest.fixture
def redis_url() -> str:
    return external_url("HOMECLOUD_TEST_REDIS_URL", "Redis")


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data", database_url=None, port=8080)


@pytest.fixture
async def services(settings: Settings) -> AsyncIterator[Services]:
    services = Services.from_settings(settings)
    await migrations.upgrade(services.database)
    await services.start()
    yield services
    await services.close()


@pytest.fixture
async def face_services(database: Database, settings: Settings) -> AsyncIterator[Services]:
    """The core over the ``database`` fixture: a test that asks for it runs on SQLite, then on
    PostgreSQL."""
    services = Services.over(database, settings)
    await services.start()
    yield services
    await services.close()


@asynccontextmanager
async def app_client(settings: Settings, services: Services) -> AsyncIterator[httpx.AsyncClient]:
    """The whole application, in process, without sockets: what ``client`` and every face's
    ``face`` fixture are."""
    transport = httpx.ASGITransport(app=create_app(settings, services))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


@pytest.fixture
async def client(settings: Settings, services: Services) -> AsyncIterator[httpx.AsyncClient]:
    """The whole application, in process, without sockets."""
    async with app_client(settings, services) as http:
        yield http


@dataclass
class LiveServer:
    url: str
    settings: Settings


@pytest.fixture
def live_server(tmp_path: Path) -> Iterator[LiveServer]:
    """The application under a real uvicorn on a free loopback port, in a thread."""
    port = free_port()
    settings = Settings(data_dir=tmp_path / "live", port=port, host="127.0.0.1")
    services = Services.from_settings(settings)

    async def prepare() -> None:
        await migrations.upgrade(services.database)
        await services.database.dispose()

    run_in_own_loop(prepare)
    with serving_in_a_thread(create_app(settings, services), port) as url:
        yield LiveServer(url=url, settings=settings)


@pytest.fixture
def cli_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The data directory of ``homecloud`` commands run in-process; no ``HOMECLOUD_*`` setting
    of the machine leaks into them."""
    for name in list(os.environ):
        if name.startswith("HOMECLOUD_"):
            monkeypatch.delenv(name)
    data = tmp_path / "data"
    monkeypatch.setenv("HOMECLOUD_DATA_DIR", str(data))
    return data


async def add_ann(data: Path) -> None:
    """The account ann@example.com (password-1) in the database of the data directory ``data``."""
    database = Database(Settings(data_dir=data).effective_database_url)
    await migrations.upgrade(database)
    async with database.session(write=True) as session:
        await create_user(session, "ann@example.com", "password-1")
    await database.dispose()
