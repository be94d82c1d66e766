"""``homecloud keys``: token signing keys."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from homecloud.cli.common import (
    AsJson,
    current_settings,
    fail,
    out,
    print_records,
    run_on_database,
)
from homecloud.core.database import Database

keys_app = typer.Typer(help="Token signing keys.", no_args_is_help=True)


@keys_app.command("list")
def keys_list(
    ctx: typer.Context,
    as_json: AsJson = False,
) -> None:
    """List signing keys: active ones sign, retired ones only verify until they expire."""
    from homecloud.identity.keys import KeyStore
    from homecloud.identity.provider import REQUIRED_KEYS

    settings = current_settings(ctx)

    async def work(database: Database) -> list[dict[str, Any]]:
        store = KeyStore(database)
        await store.load(ensure=REQUIRED_KEYS)
        return [
            {
                "kid": k.kid,
                "purpose": k.purpose,
                "alg": k.alg,
                "created_at": k.created_at,
                "retired_at": k.retired_at,
            }
            for k in store.all_keys()
        ]

    records = run_on_database(settings, work)
    print_records(records, as_json, ("kid", "purpose", "alg", "state"), key_row)


def key_row(record: dict[str, Any]) -> list[str]:
    state = "retired" if record["retired_at"] else "active"
    return [record["kid"], record["purpose"], record["alg"], state]


@keys_app.command("rotate")
def keys_rotate(
    ctx: typer.Context,
    purpose: Annotated[
        str, typer.Option(help="shared (RS256, the OIDC faces) or thingplus (HS256).")
    ] = "shared",
    keep_hours: Annotated[
        int | None,
        typer.Option(
            help="Hours the old key keeps verifying (default: as long as its longest token)."
        ),
    ] = None,
) -> None:
    """Start signing with a new key; the old one stays published until its tokens expire."""
    from homecloud.apis import ISSUERS
    from homecloud.identity.keys import KeyStore

    settings = current_settings(ctx)
    if purpose not in ("shared", "thingplus"):
        fail("purpose must be shared or thingplus", code=2)
    if keep_hours is not None and keep_hours < 1:
        fail("--keep-hours must be at least 1", code=2)
    alg = "RS256" if purpose == "shared" else "HS256"
    signed_by_it = [
        p
        for p in ISSUERS.values()
        if (p.signing_alg == "RS256") == (purpose == "shared") and p.token_format == "jwt"
    ]
    longest = max(
        max([p.access_token_lifetime, *p.lifetime_by_grant.values()]) for p in signed_by_it
    )
    keep = keep_hours * 3600 if keep_hours else max(longest, 3600)

    async def work(database: Database) -> str:
        return await KeyStore(database).rotate(purpose, alg, keep_published_seconds=keep)

    kid = run_on_database(settings, work)
    out.print(
        f"new {alg} key {kid} signs from now on; the previous one verifies for {keep // 3600} more hours"
    )
