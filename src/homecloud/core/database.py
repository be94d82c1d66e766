"""The database: one async engine, SQLite (WAL) embedded or PostgreSQL through asyncpg.

Services receive an ``AsyncSession`` and never commit; the request boundary opens a unit of
work with :meth:`Database.session` and commits when the block ends without an exception.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import os
import threading
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import ConnectionPoolEntry, PoolProxiedConnection
from sqlalchemy.util import await_

# Pragmas for a server-side SQLite: WAL lets readers run beside the one writer, NORMAL
# synchronous is durable across application crashes in WAL mode (and only loses the last
# commits on power loss), and the busy timeout makes concurrent writers queue up instead of
# failing with "database is locked".
SQLITE_PRAGMAS: tuple[str, ...] = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=NORMAL",
    "PRAGMA foreign_keys=ON",
    "PRAGMA busy_timeout=10000",
    "PRAGMA temp_store=MEMORY",
    "PRAGMA cache_size=-32000",
    "PRAGMA mmap_size=268435456",
)


T = TypeVar("T")


class DatabaseUnavailable(Exception):
    """The database cannot be reached or opened."""


def _configure_sqlite(engine: Engine, *, driver_is_async: bool) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
        # Take transaction control away from the sqlite3 module so that BEGIN is ours to
        # emit (below): its implicit BEGIN cannot be made IMMEDIATE.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        for pragma in SQLITE_PRAGMAS:
            cursor.execute(pragma)
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        # A read-then-write transaction that began DEFERRED fails at once with SQLITE_BUSY
        # when another writer committed meanwhile; writers ask for IMMEDIATE so they wait
        # for the lock (busy_timeout) before reading anything.
        mode = connection.get_execution_options().get("sqlite_begin", "DEFERRED")
        driver: Any = connection.connection.driver_connection
        if driver_is_async:
            # Straight to aiosqlite: one thread round trip, where SQLAlchemy's cursor
            # (open, execute, close) would make three.
            await_(driver.execute(f"BEGIN {mode}"))
        else:
            driver.execute(f"BEGIN {mode}")


class WriterTurns:
    """Synchronous SQLite write transactions take turns before they ask SQLite for its lock.

    Within the process they run on one thread; between processes (``serve --workers N``) they
    queue on an exclusive ``flock`` of a file beside the database. SQLite's own busy handler
    makes a writer that finds the lock taken sleep and retry (1, 2, 5, 10, ... ms), so under
    load the lock sat free while every writer slept; a blocked ``flock`` wakes as soon as it is
    released. Writers on other paths (async sessions) still meet SQLite's lock as before.
    """

    def __init__(self, lock_path: str | None) -> None:
        self._executor: ThreadPoolExecutor | None = None
        self._lock_path = lock_path
        self._lock_fd: int | None = None

    @property
    def executor(self) -> ThreadPoolExecutor:
        # Made on first use, and again after close(): like the engine, a disposed database
        # serves again when it is used again.
        if self._executor is None:
            self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sqlite-writer")
        return self._executor

    @contextmanager
    def turn(self) -> Iterator[None]:
        """Held for one transaction; called on the writer thread only."""
        if self._lock_path is None:
            yield
            return
        import fcntl

        if self._lock_fd is None:
            self._lock_fd = os.open(self._lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        fcntl.flock(self._lock_fd, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(self._lock_fd, fcntl.LOCK_UN)

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True)
            self._executor = None
        if self._lock_fd is not None:
            os.close(self._lock_fd)
            self._lock_fd = None


def missing_sqlite_directory(url: str) -> Path | None:
    """The directory that a SQLite URL's file would be created in, when it does not exist.

    homecloud creates its own data directory on first use, but never the directories of a
    database path that the operator wrote: a mistyped path should fail, not appear."""
    if not url.startswith("sqlite"):
        return None
    database = make_url(url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    parent = Path(database).expanduser().parent
    return None if parent.is_dir() else parent


class Database:
    """Owns the engine and hands out units of work."""

    def __init__(
        self,
        url: str,
        *,
        pool_size: int = 10,
        echo: bool = False,
        connect_args: dict[str, Any] | None = None,
    ) -> None:
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        options: dict[str, Any] = {"echo": echo, "pool_pre_ping": not self.is_sqlite}
        if connect_args:
            options["connect_args"] = connect_args
        if self.is_sqlite:
            database = make_url(url).database
            if database and database != ":memory:":
                Path(database).parent.mkdir(parents=True, exist_ok=True)
        else:
            options.update(pool_size=pool_size, max_overflow=pool_size)
        self.engine: AsyncEngine = create_async_engine(url, **options)
        self._sync_write_sessions: sessionmaker[Session] | None = None
        self._sync_read_engine: Engine | None = None
        self._sync_read_sessions: sessionmaker[Session] | None = None
        self._reader: PoolProxiedConnection | None = None
        self._reader_lock = threading.Lock()
        self._writer_turns: WriterTurns | None = None
        if self.is_sqlite:
            database = make_url(url).database
            # The lock file sits beside the database (as SQLite's -wal and -shm do); flock
            # is POSIX, elsewhere processes fall back on SQLite's busy handler.
            on_disk = bool(database) and database != ":memory:" and os.name == "posix"
            self._writer_turns = WriterTurns(f"{database}-writers" if on_disk else None)
            _configure_sqlite(self.engine.sync_engine, driver_is_async=True)
            # A plain pysqlite engine on the same file, for synchronous units of work (see
            # run_in_transaction): one thread hop per transaction instead of one per statement.
            sync_engine = create_engine(self.url.replace("+aiosqlite", "+pysqlite", 1), echo=echo)
            _configure_sqlite(sync_engine, driver_is_async=False)
            self._sync_write_sessions = sessionmaker(
                sync_engine.execution_options(sqlite_begin="IMMEDIATE"), expire_on_commit=False
            )
            self._sync_read_engine = sync_engine
            self._sync_read_sessions = sessionmaker(sync_engine, expire_on_commit=False)
        self._write_engine = (
            self.engine.execution_options(sqlite_begin="IMMEDIATE")
            if self.is_sqlite
            else self.engine
        )
        self._sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        self._write_sessions = async_sessionmaker(self._write_engine, expire_on_commit=False)

    @asynccontextmanager
    async def session(self, *, write: bool = False) -> AsyncIterator[AsyncSession]:
        """A unit of work: committed when the block ends, rolled back on an exception.

        ``write=True`` marks a transaction that reads before it writes, so that on SQLite it
        takes the write lock up front.
        """
        factory = self._write_sessions if write else self._sessions
        async with factory() as session, session.begin():
            yield session

    async def run_in_transaction(self, work: Callable[[Session], T]) -> T:
        """Runs synchronous ``work`` (Authlib's grant code, say) in one write transaction.

        On SQLite it runs on a worker thread with a plain sqlite3 connection, so its statements
        cost no event-loop round trips; on PostgreSQL it runs through ``AsyncSession.run_sync``
        on the request's own connection. Committed when ``work`` returns, rolled back if it raises.
        """
        factory, turns = self._sync_write_sessions, self._writer_turns
        if factory is None or turns is None:
            async with self.session(write=True) as session:
                return await session.run_sync(work)

        def in_thread() -> T:
            with turns.turn(), factory() as session, session.begin():
                return work(session)

        context = contextvars.copy_context()
        return await asyncio.get_running_loop().run_in_executor(
            turns.executor, context.run, in_thread
        )

    async def run_read_only(self, work: Callable[[Session], T], *, inline: bool = False) -> T:
        """Runs synchronous ``work`` in a transaction that only reads, outside the writers'
        turns: for checks whose outcome a short write afterwards records (a client's secret,
        a password's slow hash, a signature). Holding the write lock through them would make
        every other writer of every process wait. ``work`` must not write.

        It runs on a worker thread, unless ``inline``: then (on SQLite) right here on the
        event loop, for work of a fraction of a millisecond that may not read at all (the
        session connects on its first statement). The hop to a thread and back costs about
        as much, and under load the two threads' turns at the GIL cost more.
        """
        factory = self._sync_read_sessions
        if factory is None:
            async with self.session() as session:
                return await session.run_sync(work)
        if inline:
            with factory() as sync_session:
                return work(sync_session)

        def in_thread() -> T:
            with factory() as sync_session, sync_session.begin():
                return work(sync_session)

        context = contextvars.copy_context()
        return await asyncio.get_running_loop().run_in_executor(None, context.run, in_thread)

    async def fetch(self, sql: str, parameters: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """The rows of one short read-only statement, for a hot read path. ``sql`` is plain
        SQL with ``?`` placeholders (rewritten to ``$1``, ``$2``, ... for PostgreSQL), sent to
        the driver as it is: no statement compilation, no ORM.

        On SQLite it runs right here, on the event loop, over a plain sqlite3 connection: in
        WAL mode a reader never waits for the writer, and an indexed read of a few rows takes
        microseconds, where aiosqlite hands every statement to a thread and back (about a
        millisecond on a busy machine). So keep such reads small.
        """
        if self._sync_read_engine is None:
            async with self.engine.connect() as connection:
                result = await connection.exec_driver_sql(
                    _dollar_placeholders(sql), tuple(parameters)
                )
                return [tuple(row) for row in result]
        with self._reader_lock:
            if self._reader is None:
                # Kept for the Database's lifetime: these reads never overlap on one event
                # loop (they do not yield), so one connection serves them all, without a pool
                # checkout and reset per read. The lock is for loops on other threads.
                self._reader = self._sync_read_engine.raw_connection()
            cursor = self._reader.cursor()
            try:
                cursor.execute(sql, tuple(parameters))
                return [tuple(row) for row in cursor.fetchall()]
            finally:
                cursor.close()

    async def ping(self) -> None:
        """Raise :class:`DatabaseUnavailable` unless a trivial query succeeds."""
        try:
            async with self.engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
        except Exception as exc:  # any driver error means "not reachable"
            raise DatabaseUnavailable(describe_connection_error(exc)) from exc

    def pool_status(self) -> dict[str, int]:
        pool: Any = self.engine.sync_engine.pool
        counters = {"checked_out": 0, "size": 0, "overflow": 0}
        for name, method in (
            ("checked_out", "checkedout"),
            ("size", "size"),
            ("overflow", "overflow"),
        ):
            if hasattr(pool, method):
                counters[name] = int(getattr(pool, method)())
        return counters

    def display_url(self) -> str:
        return self.display_url_of(self.url)

    @staticmethod
    def display_url_of(url: str) -> str:
        """The URL without its password and without the async driver name."""
        parsed = make_url(url)
        return parsed.set(drivername=parsed.get_backend_name()).render_as_string(hide_password=True)

    async def dispose(self) -> None:
        if self._reader is not None:
            self._reader.close()
            self._reader = None
        await self.engine.dispose()
        if self._writer_turns is not None:
            self._writer_turns.close()
        if self._sync_write_sessions is not None:
            bind = self._sync_write_sessions.kw["bind"]
            bind.engine.dispose()


@functools.cache
def _dollar_placeholders(sql: str) -> str:
    """``?`` placeholders as asyncpg's ``$1``, ``$2``, ... (the SQL must hold no other ``?``)."""
    parts = sql.split("?")
    return parts[0] + "".join(f"${index}{part}" for index, part in enumerate(parts[1:], start=1))


def describe_connection_error(exc: BaseException) -> str:
    """The innermost driver message, without SQLAlchemy's wrapping and background links."""
    inner: BaseException = exc
    while getattr(inner, "orig", None) is not None:
        inner = inner.orig  # type: ignore[attr-defined]
    message = str(inner).strip().splitlines()[0] if str(inner).strip() else type(inner).__name__
    return message
