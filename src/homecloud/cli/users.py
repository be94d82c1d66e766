"""``homecloud user``: accounts."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from homecloud.cli.common import (
    AsJson,
    Yes,
    account,
    current_settings,
    out,
    print_json,
    print_records,
    read_password,
    remove_after_asking,
    run_on_database,
)
from homecloud.core.database import Database
from homecloud.core.models import User
from homecloud.core.users import (
    UserError,
    create_user,
    find_by_login,
    list_users,
    remove_user,
    set_password,
)

user_app = typer.Typer(
    help="User accounts (one per person, shared by every face).", no_args_is_help=True
)


def user_record(user: User) -> dict[str, Any]:
    return {
        "id": user.id,
        "email": user.email,
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "timezone": user.timezone,
        "active": user.is_active,
        "created_at": user.created_at,
    }


@user_app.command("add")
def user_add(
    ctx: typer.Context,
    email: Annotated[str, typer.Argument(help="E-mail address; unique regardless of case.")],
    password_stdin: Annotated[
        bool,
        typer.Option(
            "--password-stdin", help="Read the password from the first line of standard input."
        ),
    ] = False,
    username: Annotated[
        str | None, typer.Option(help="Optional user name, a second login.")
    ] = None,
    first_name: Annotated[str, typer.Option(help="First name.")] = "",
    last_name: Annotated[str, typer.Option(help="Last name.")] = "",
    timezone: Annotated[str, typer.Option(help="IANA time zone of the account.")] = "UTC",
    as_json: Annotated[bool, typer.Option("--json", help="Print the new account as JSON.")] = False,
) -> None:
    """Create an account."""
    settings = current_settings(ctx)
    password = read_password(password_stdin)

    async def work(database: Database) -> User:
        async with database.session(write=True) as session:
            return await create_user(
                session,
                email,
                password,
                username=username,
                first_name=first_name,
                last_name=last_name,
                timezone=timezone,
            )

    user = run_on_database(settings, work, refusing=UserError)
    if as_json:
        print_json(user_record(user))
    else:
        out.print(f"created user {user.id} {user.email}")


@user_app.command("list")
def user_list(
    ctx: typer.Context,
    as_json: AsJson = False,
) -> None:
    """List the accounts."""
    settings = current_settings(ctx)

    async def work(database: Database) -> list[dict[str, Any]]:
        async with database.session() as session:
            return [user_record(user) for user in await list_users(session)]

    records = run_on_database(settings, work)
    headers = ("id", "email", "username", "name", "time zone", "active")
    print_records(records, as_json, headers, user_row)


def user_row(record: dict[str, Any]) -> list[str]:
    name = f"{record['first_name']} {record['last_name']}".strip()
    active = "yes" if record["active"] else "no"
    return [
        str(record["id"]),
        record["email"],
        record["username"] or "",
        name,
        record["timezone"],
        active,
    ]


async def _require_user(database: Database, login: str) -> None:
    async with database.session() as session:
        await account(session, login)


@user_app.command("passwd")
def user_passwd(
    ctx: typer.Context,
    login: Annotated[str, typer.Argument(help="E-mail address or user name.")],
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the new password from standard input.")
    ] = False,
) -> None:
    """Set an account's password."""
    settings = current_settings(ctx)
    run_on_database(settings, lambda database: _require_user(database, login))
    password = read_password(password_stdin)

    async def work(database: Database) -> None:
        async with database.session(write=True) as session:
            await set_password(session, await account(session, login), password)

    run_on_database(settings, work, refusing=UserError)
    out.print(f"password of {login} changed")


@user_app.command("remove")
def user_remove(
    ctx: typer.Context,
    login: Annotated[str, typer.Argument(help="E-mail address or user name.")],
    yes: Yes = False,
) -> None:
    """Delete an account with all its devices and their data."""
    remove_after_asking(
        ctx,
        f"Delete {login} with all its devices and data?",
        yes,
        lambda session: find_by_login(session, login),
        remove_user,
        UserError(f"no account {login!r}"),
        f"removed {login}",
    )
