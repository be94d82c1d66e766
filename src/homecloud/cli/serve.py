"""``homecloud serve``: the server, and the banner of its URLs and demo credentials."""

from __future__ import annotations

import errno
import os
import socket
from pathlib import Path
from typing import Annotated, Any

import typer

from homecloud import __version__
from homecloud.apis import FACES
from homecloud.cli.common import (
    current_settings,
    database_display,
    err,
    fail,
    out,
    run_on_database,
)
from homecloud.core.database import Database
from homecloud.demo import Demo, prepare_demo
from homecloud.settings import Settings

# Exit code of a server that cannot listen where it was told to (1 is the database, 2 bad input).
EXIT_CANNOT_LISTEN = 4


def serve(
    ctx: typer.Context,
    host: Annotated[
        str | None,
        typer.Option(help="Interface to listen on (default 127.0.0.1, or HOMECLOUD_HOST)."),
    ] = None,
    port: Annotated[
        int | None, typer.Option(help="TCP port (default 8080, or HOMECLOUD_PORT).")
    ] = None,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes.")] = 1,
    reload: Annotated[
        bool, typer.Option("--reload", help="Restart when the source changes (development).")
    ] = False,
    demo: Annotated[
        bool,
        typer.Option(
            "--demo",
            help="Create the demo account (demo@homecloud.local; password from "
            "HOMECLOUD_DEMO_PASSWORD or generated) and print every URL and credential.",
        ),
    ] = False,
) -> None:
    """Run the server. On SQLite the schema is brought up to date first.

    Exits with 4 when the port is taken, before touching the database or the demo.
    """
    overrides: dict[str, Any] = {}
    if host is not None:
        overrides["host"] = host
    if port is not None:
        overrides["port"] = port
    settings = current_settings(ctx, **overrides)
    from homecloud.core.observability import configure_logging

    configure_logging(settings.log_level, settings.log_format)
    # Before the demo is prepared: a second `serve --demo` on a taken port would otherwise
    # reset the secrets that the running server's banner printed, and then fail anyway.
    check_port(settings.host, settings.port)

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


def check_port(host: str, port: int) -> None:
    """Binds the address as uvicorn will (SO_REUSEADDR, so a socket in TIME_WAIT does not
    count), then lets it go for uvicorn."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    try:
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind((host, port))
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            fail(
                f"port {port} on {host} is taken (is homecloud already running?); "
                "choose another with --port or HOMECLOUD_PORT",
                code=EXIT_CANNOT_LISTEN,
            )
        fail(f"cannot listen on {host} port {port}: {exc.strerror or exc}", code=EXIT_CANNOT_LISTEN)


def banner_lines(settings: Settings, demo: Demo | None) -> list[tuple[str, str]]:
    """The banner as (label, value) pairs: URLs, then the demo credentials and one command per
    face that reads real data with them."""
    base = settings.base_url
    lines: list[tuple[str, str]] = []
    enabled = set(settings.faces.enabled())
    for face in FACES:
        if face.name in enabled:
            lines.append((f"{face.name} sign-in", base + face.sign_in))
            lines += [(f"{face.name} {link.label}", base + link.path) for link in face.links]
    lines += [
        ("health", f"{base}/healthz"),
        ("readiness", f"{base}/readyz"),
        ("metrics", f"{base}/metrics"),
        ("database", database_display(settings)),
    ]
    if demo is None:
        return lines
    lines += [("demo user", demo.user.email)]
    if demo.user.username:
        lines.append(("demo user name", demo.user.username))
    lines.append(("demo password", demo.password))
    faces = {face.name: face for face in FACES}
    for client in demo.clients:
        lines.append((f"{client.face} client", f"{client.client_id} / {client.client_secret}"))
        lines.append((f"{client.face} redirect URI", client.redirect_uris[0]))
    for client in demo.clients:
        try_it = faces[client.face].try_it
        label = "try it" if try_it.command is not None else "try it, open"
        lines.append((f"{client.face} {label}", try_it.banner_line(demo.access(client, base))))
    return lines


def print_banner(settings: Settings, demo: Demo | None) -> None:
    """One ``label: value`` line each, written as they are: a URL or command never breaks
    across lines, whatever the terminal's width, and copies whole out of a terminal or a log."""
    lines = banner_lines(settings, demo)
    width = max(len(label) for label, _ in lines)
    out.print(f"homecloud {__version__} at {settings.base_url}", markup=False, highlight=False)
    for label, value in lines:
        out.print(
            f"  {label + ':':<{width + 1}} {value}", markup=False, highlight=False, crop=False
        )
    if any(label.endswith("try it, open") for label, _ in lines):
        out.print(
            '  Open a "try it, open" page in a browser and sign in as the demo user: the page '
            "it lands on shows the code and the token request.",
            markup=False,
            highlight=False,
        )
