"""``homecloud serve``: the server, and the banner of its URLs and demo credentials."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from homecloud import __version__
from homecloud.apis import FACES
from homecloud.cli.common import (
    current_settings,
    database_display,
    err,
    out,
    run_on_database,
)
from homecloud.core.database import Database
from homecloud.demo import DEMO_REDIRECT_URIS, Demo, prepare_demo
from homecloud.settings import Settings


def serve(
    ctx: typer.Context,
    host: Annotated[
        str | None, typer.Option(help="Interface to listen on [default: 127.0.0.1].")
    ] = None,
    port: Annotated[int | None, typer.Option(help="TCP port [default: 8080].")] = None,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes.")] = 1,
    reload: Annotated[
        bool, typer.Option(help="Restart when the source changes (development).")
    ] = False,
    demo: Annotated[
        bool,
        typer.Option(
            help="Create the demo account (demo@homecloud.local; password from "
            "HOMECLOUD_DEMO_PASSWORD or generated) and print every URL and credential."
        ),
    ] = False,
) -> None:
    """Run the server. On SQLite the schema is brought up to date first."""
    overrides: dict[str, Any] = {}
    if host is not None:
        overrides["host"] = host
    if port is not None:
        overrides["port"] = port
    settings = current_settings(ctx, **overrides)
    from homecloud.core.observability import configure_logging

    configure_logging(settings.log_level, settings.log_format)

    async def prepare(database: Database) -> Demo | None:
        if demo:
            return await prepare_demo(database, settings, settings.faces.enabled())
        return None

    demo_setup = run_on_database(settings, prepare)
    if workers > 1 and not settings.redis_url:
        err.print(
            "homecloud: note: without HOMECLOUD_REDIS_URL each worker keeps its own rate limits "
            "and change notifications reach only clients of the same worker",
            markup=False,
        )
    print_banner(settings, demo_setup)

    # Workers (and the reloader) build the app from the environment: hand them these settings.
    config: Path | None = ctx.find_root().obj
    if config is not None:
        os.environ["HOMECLOUD_CONFIG"] = str(config.resolve())
    for name, value in overrides.items():
        os.environ[f"HOMECLOUD_{name.upper()}"] = str(value)
    import uvicorn

    from homecloud.app import WEBSOCKET_IMPLEMENTATION

    uvicorn.run(
        "homecloud.app:create_app_from_environment",
        factory=True,
        ws=WEBSOCKET_IMPLEMENTATION,
        host=settings.host,
        port=settings.port,
        workers=workers if not reload else None,
        reload=reload,
        log_config=None,
        access_log=False,
        server_header=False,
        proxy_headers=True,
    )


def print_banner(settings: Settings, demo: Demo | None) -> None:
    base = settings.base_url
    table = Table(title=f"homecloud {__version__} at {base}", show_lines=False)
    table.add_column("what")
    # Long URLs wrap on a narrow terminal instead of being cut short with an ellipsis.
    table.add_column("where", overflow="fold")
    enabled = set(settings.faces.enabled())
    for face in FACES:
        if face.name in enabled:
            table.add_row(f"{face.name} sign-in", base + face.sign_in)
            for link in face.links:
                table.add_row(f"{face.name} {link.label}", base + link.path)
    table.add_row("health", f"{base}/healthz")
    table.add_row("readiness", f"{base}/readyz")
    table.add_row("metrics", f"{base}/metrics")
    table.add_row("database", database_display(settings))
    if demo is not None:
        table.add_row("demo user", demo.user.email)
        table.add_row("demo password", demo.password)
        for client in demo.clients:
            table.add_row(f"{client.face} client", f"{client.client_id} / {client.client_secret}")
        table.add_row("demo redirect URIs", ", ".join(DEMO_REDIRECT_URIS))
    out.print(table)
