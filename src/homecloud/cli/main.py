"""The ``homecloud`` command: serve, migrate, manage accounts, and each face's own commands.

Every command reads the same settings as ``serve`` (``HOMECLOUD_*`` variables and the optional
``--config`` TOML file), so ``homecloud user add`` works on the database the server uses.
Faces contribute their command groups (``homecloud nuheat ...``) and simulators
(``homecloud simulate thingplus``) through their descriptions.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from homecloud import __version__
from homecloud.apis import FACES
from homecloud.cli.clients import client_app
from homecloud.cli.common import out
from homecloud.cli.credentials import apikey_app, cardtoken_app
from homecloud.cli.db import db_app
from homecloud.cli.keys import keys_app
from homecloud.cli.serve import serve
from homecloud.cli.users import user_app

app = typer.Typer(
    name="homecloud",
    help="A self-hosted cloud for thermostats, AC controllers, IoT gateways and energy meters.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    # Plain click help: Rich's renders flags as `<bool>` and reads "[default: ...]" in a help
    # text as markup (leaving a stray " ."); sub-commands inherit this.
    rich_markup_mode=None,
)
simulate_app = typer.Typer(
    help="Simulated devices that talk to homecloud through a face's public API.",
    no_args_is_help=True,
)
app.command()(serve)
app.add_typer(db_app, name="db")
app.add_typer(user_app, name="user")
app.add_typer(client_app, name="client")
app.add_typer(keys_app, name="keys")
app.add_typer(apikey_app, name="apikey")
app.add_typer(cardtoken_app, name="cardtoken")
for face in FACES:
    if face.cli is not None:
        app.add_typer(face.cli.load(), name=face.name)
    if face.simulate is not None:
        simulate_app.command(face.name)(face.simulate.load())
app.add_typer(simulate_app, name="simulate")


def version_callback(value: bool) -> None:
    if value:
        out.print(f"homecloud {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    ctx: typer.Context,
    config: Annotated[
        Path | None,
        typer.Option(
            "--config", "-c", help="TOML file with settings (overridden by HOMECLOUD_* variables)."
        ),
    ] = None,
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=version_callback, is_eager=True, help="Print the version."
        ),
    ] = False,
) -> None:
    ctx.obj = config


def main() -> None:
    app()
