from __future__ import annotations

import pytest

from homecloud.core.database import Database
from homecloud.core.users import (
    UserError,
    authenticate,
    create_user,
    find_by_login,
    list_users,
    remove_user,
    set_password,
)


async def test_created_user_signs_in_by_email_in_any_case(database: Database) -> None:
    async with database.session(write=True) as session:
        user = await create_user(session, "Jane.Doe@Example.com", "correct horse")
        assert user.password_hash.startswith("$argon2id$")
    async with database.session() as session:
        found = await authenticate(session, "jane.doe@EXAMPLE.com", "correct horse")
        assert found is not None
        assert found.email == "Jane.Doe@Example.com"


async def test_wrong_password_and_unknown_login_are_refused(database: Database) -> None:
    async with database.session(write=True) as session:
        await create_user(session, "a@example.com", "password-1")
    async with database.session() as session:
        assert await authenticate(session, "a@example.com", "password-2") is None
        assert await authenticate(session, "nobody@example.com", "password-1") is None


async def test_email_is_unique_regardless_of_case(database: Database) -> None:
    async with database.session(write=True) as session:
        await create_user(session, "a@example.com", "password-1")
    with pytest.raises(UserError, match="exists already"):
        async with database.session(write=True) as session:
            await create_user(session, "A@EXAMPLE.COM", "password-2")


async def test_username_is_a_second_login(database: Database) -> None:
    async with database.session(write=True) as session:
        await create_user(session, "a@example.com", "password-1", username="alice")
    async with database.session() as session:
        user = await find_by_login(session, "alice")
        assert user is not None
        assert user.email == "a@example.com"
    with pytest.raises(UserError, match="exists already"):
        async with database.session(write=True) as session:
            await create_user(session, "b@example.com", "password-2", username="alice")


@pytest.mark.parametrize(
    ("email", "password", "timezone", "message"),
    [
        ("not-an-address", "password-1", "UTC", "not an e-mail address"),
        ("a@example.com", "short", "UTC", "at least 8 characters"),
        ("a@example.com", "password-1", "Mars/Olympus", "not an IANA time zone"),
    ],
)
async def test_bad_account_details_are_refused_and_nothing_is_stored(
    database: Database, email: str, password: str, timezone: str, message: str
) -> None:
    with pytest.raises(UserError, match=message):
        async with database.session(write=True) as session:
            await create_user(session, email, password, timezone=timezone)
    async with database.session() as session:
        assert list(await list_users(session)) == []


async def test_password_change_and_removal(database: Database) -> None:
    async with database.session(write=True) as session:
        user = await create_user(session, "a@example.com", "password-1")
        await set_password(session, user, "password-2")
    async with database.session(write=True) as session:
        assert await authenticate(session, "a@example.com", "password-1") is None
        user2 = await authenticate(session, "a@example.com", "password-2")
        assert user2 is not None
        await remove_user(session, user2)
    async with database.session() as session:
        assert await find_by_login(session, "a@example.com") is None
