"""``homecloud simulate thingplus``: runs the gateway simulation (``simulation.py``) against
a homecloud server. Light to import: the simulation and its HTTP client load when it runs."""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer


def simulate_thingplus(
    login: Annotated[str, typer.Option(help="The account the gateways belong to.")],
    password: Annotated[
        str,
        typer.Option(
            prompt=True,
            hide_input=True,
            envvar="HOMECLOUD_SIMULATE_PASSWORD",
            show_default=False,
            help="Its password (asked for when not given).",
        ),
    ] = "",
    url: Annotated[
        str, typer.Option(help="Base URL of the homecloud server.")
    ] = "http://127.0.0.1:8080",
    gateways: Annotated[int, typer.Option(min=1, help="Gateways to run.")] = 1,
    sensors: Annotated[int, typer.Option(min=1, help="Sensors per gateway.")] = 3,
    rate: Annotated[
        float, typer.Option(min=0.0001, help="Values per second each sensor measures.")
    ] = 1.0,
    interval: Annotated[
        int, typer.Option(min=60, max=604_800, help="Report interval in seconds.")
    ] = 60,
    duration: Annotated[
        float | None, typer.Option(help="Stop after this many seconds (default: run until Ctrl-C).")
    ] = None,
    seed: Annotated[int | None, typer.Option(help="Random seed, for a repeatable run.")] = None,
) -> None:
    """Run Thing+ Open API gateways: register them, then push status and sensor values at
    each report interval (every sensor's values since the last report in one array)."""
    # Imported here: the CLI starts without the simulator's HTTP client.
    import httpx

    from homecloud.apis.thingplus.simulation import SimulationError, simulate

    try:
        asyncio.run(
            simulate(
                url, login, password, gateways, sensors, rate, interval, duration, seed, typer.echo
            )
        )
    except SimulationError as exc:
        typer.echo(f"homecloud: {exc}", err=True)
        raise typer.Exit(1) from None
    except httpx.TransportError as exc:
        typer.echo(f"homecloud: cannot reach {url}: {exc}", err=True)
        raise typer.Exit(1) from None
    except KeyboardInterrupt:
        raise typer.Exit(130) from None
