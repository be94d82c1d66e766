"""The migrations build exactly the schema the models declare: a model changed without a
migration (a column, a type, an index, a key) is caught here, on both databases, rather than
on a user's upgraded database."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy.engine import Connection

from homecloud.core.database import Database
from homecloud.schema import metadata


async def test_the_migrated_schema_is_the_models_schema(database: Database) -> None:
    def differences(connection: Connection) -> list[Any]:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "compare_server_default": False}
        )
        found: list[Any] = compare_metadata(context, metadata)
        return found

    async with database.engine.connect() as connection:
        found = await connection.run_sync(differences)
    assert found == []
