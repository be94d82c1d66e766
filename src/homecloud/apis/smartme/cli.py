"""``homecloud smartme ...``: the smart-me face's commands. So far the realtime webhooks'
``deliveries`` and ``receivers`` (see :mod:`.webhooks.cli`)."""

from __future__ import annotations

import typer

from homecloud.apis.smartme.webhooks.cli import add_commands

app = typer.Typer(help="smart-me meters and realtime webhooks.", no_args_is_help=True)
add_commands(app)
