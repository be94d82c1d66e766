"""Thing+ Open API gateways that behave like real ones, through the
public API only, so it runs against any homecloud (or as a load generator).

It signs in on the face's sign-in page as the given user, makes itself an authClient
(``/v2/authClients``, scope ``gateway``), takes a token with the MD5 password grant, registers
``--gateways`` gateways (model 52) with one device and ``--sensors`` sensors each in one
``registerGateway`` call, and then every gateway, once per report interval, sends its status,
its sensors' statuses and, per sensor, the values measured since its last report as one array.
"""

from __future__ import annotations

import asyncio
import hashlib
import math
import random
import secrets
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Final
from urllib.parse import urlencode

import httpx

from homecloud.apis.thingplus.catalog_data import DEVICE_MODEL_ID, SENSOR_DRIVER, SENSOR_TYPES_BY_ID
from homecloud.identity.person import fill_sign_in

CLIENT_ID: Final = "homecloud-simulator"
DAY_S: Final = 86_400.0

Signal = Callable[[float, random.Random], str]


def daily(mean: float, swing: float, noise: float, decimals: int = 1) -> Signal:
    """A value that follows the day (lowest at 04:00, highest at 16:00) with some noise."""

    def value(at: float, rng: random.Random) -> str:
        phase = 2 * math.pi * ((at % DAY_S) / DAY_S - 10 / 24)
        return f"{mean + swing * math.sin(phase) + rng.gauss(0, noise):.{decimals}f}"

    return value


# The sensors a simulated gateway carries, in order; more sensors than kinds repeat them.
SIGNALS: Final[dict[str, Signal]] = {
    "temperature": daily(21.0, 3.0, 0.2),
    "humidity": daily(45.0, -10.0, 1.0, 0),
    "co2": daily(600.0, 250.0, 20.0, 0),
    "light": daily(300.0, 300.0, 10.0, 0),
    "noise": daily(40.0, 8.0, 2.0, 0),
    "voltage": daily(230.0, 2.0, 0.5, 0),
    "power": daily(1.2, 0.8, 0.05, 2),
}


@dataclass
class Stats:
    values: int = 0
    requests: int = 0
    errors: int = 0
    started: float = field(default_factory=time.monotonic)

    def line(self) -> str:
        elapsed = max(time.monotonic() - self.started, 1e-9)
        return (
            f"{self.values:,} values in {self.requests:,} requests"
            f" ({self.values / elapsed:,.0f} values/s), {self.errors} errors"
        )


@dataclass
class SimulatedGateway:
    id: str
    sensors: list[tuple[str, Signal]]
    last_report: float


async def sign_in_and_get_token(http: httpx.AsyncClient, login: str, password: str) -> str:
    """The guide's setup: a portal session makes the client, the MD5 password gets a token."""
    portal = "/thingplus/login?" + urlencode({"ReturnUrl": "/thingplus/v2/authClients"})
    signed_in = await fill_sign_in(http, portal, login, password)
    if signed_in.status_code != 302:
        raise SimulationError(f"cannot sign in as {login} (HTTP {signed_in.status_code})")
    secret = secrets.token_urlsafe(24)
    # A client left by an earlier run has a secret nobody knows any more: make it anew.
    await http.delete(f"/thingplus/v2/authClients/{CLIENT_ID}")
    client = {
        "name": "homecloud gateway simulator",
        "reqId": CLIENT_ID,
        "clientSecret": secret,
        "scopes": ["gateway"],
    }
    await posted(
        http, "/thingplus/v2/authClients", client, 201, "cannot create the simulator's client"
    )
    http.cookies.clear()
    md5 = hashlib.md5(password.encode()).hexdigest()
    grant = {"grant_type": "password", "client_id": CLIENT_ID, "client_secret": secret}
    token = await posted(
        http,
        "/thingplus/v2/oauth2/token",
        {**grant, "username": login, "password": md5},
        200,
        "no token",
    )
    return str(token.json()["access_token"])


async def posted(
    http: httpx.AsyncClient, path: str, body: Any, status: int, failure: str
) -> httpx.Response:
    """POSTs ``body``; an answer other than ``status`` stops the simulation with ``failure``."""
    response = await http.post(path, json=body)
    if response.status_code != status:
        raise SimulationError(f"{failure}: {response.text}")
    return response


class SimulationError(Exception):
    """The simulation cannot go on; the message says why."""


def sensor_entries(count: int) -> list[tuple[str, Signal, dict[str, Any]]]:
    kinds = list(SIGNALS)
    entries = []
    for index in range(count):
        kind = kinds[index % len(kinds)]
        sensor_type = SENSOR_TYPES_BY_ID[kind]
        body = {
            "reqId": f"{kind}-{index}",
            "name": f"{sensor_type.display_name} {index + 1}",
            "type": kind,
            "driverName": SENSOR_DRIVER,
            "model": sensor_type.model,
            "category": "sensor",
            "deviceId": "device-0",
        }
        entries.append((body["reqId"], SIGNALS[kind], body))
    return entries


async def register(
    http: httpx.AsyncClient, sensors: int, interval_s: int, rng: random.Random
) -> SimulatedGateway:
    gateway_id = uuid.UUID(int=rng.getrandbits(128)).hex
    entries = sensor_entries(sensors)
    params = {
        "model": "52",
        "name": f"Simulated gateway {gateway_id[:6]}",
        "reportInterval": interval_s * 1000,
        "devices": [{"reqId": "device-0", "name": "Sensor box", "model": DEVICE_MODEL_ID}],
        "sensors": [body for _, _, body in entries],
    }
    registration = {"reqId": gateway_id, "params": params}
    await posted(http, "/thingplus/v2/registerGateway", registration, 201, "registerGateway failed")
    # The first report covers one interval of history, staggered across gateways.
    start = time.time() - interval_s * (1 + rng.random())
    return SimulatedGateway(gateway_id, [(sid, signal) for sid, signal, _ in entries], start)


async def report(
    http: httpx.AsyncClient,
    gateway: SimulatedGateway,
    rate: float,
    interval_s: int,
    rng: random.Random,
    stats: Stats,
) -> None:
    """One report: statuses valid for 1.5 intervals (as the guide advises), then the values
    since the last report, oldest first."""
    now = time.time()
    status = {"value": "on", "validDuration": int(interval_s * 1.5)}
    base = f"/thingplus/v2/gateways/{gateway.id}"
    calls: list[tuple[str, Any, int]] = [(base + "/status", status, 0)]
    step = 1 / rate
    count = int((now - gateway.last_report) * rate)
    for sensor_id, signal in gateway.sensors:
        calls.append((f"{base}/sensors/{sensor_id}/status", status, 0))
        points = [
            {"value": signal(at, rng), "time": int(at * 1000)}
            for at in (gateway.last_report + (index + 1) * step for index in range(count))
        ]
        if points:
            calls.append((f"{base}/sensors/{sensor_id}/series", points, len(points)))
    gateway.last_report += count * step
    for path, body, values in calls:
        response = await http.put(path, json=body)
        stats.requests += 1
        if response.status_code == 200:
            stats.values += values
        else:
            stats.errors += 1


async def simulate(
    url: str,
    login: str,
    password: str,
    gateways: int,
    sensors: int,
    rate: float,
    interval_s: int,
    duration_s: float | None,
    seed: int | None,
    echo: Callable[[str], None],
) -> Stats:
    rng = random.Random(seed)
    stats = Stats()
    limits = httpx.Limits(max_connections=max(gateways, 1))
    async with httpx.AsyncClient(base_url=url, timeout=60, limits=limits) as http:
        token = await sign_in_and_get_token(http, login, password)
        http.headers["Authorization"] = f"Bearer {token}"
        fleet = [await register(http, sensors, interval_s, rng) for _ in range(gateways)]
        echo(f"registered {gateways} gateways with {sensors} sensors each at {url}")
        deadline = None if duration_s is None else time.monotonic() + duration_s

        async def run(gateway: SimulatedGateway) -> None:
            # Every gateway reports at least once, then once per interval until the end.
            while True:
                await report(http, gateway, rate, interval_s, rng, stats)
                left = None if deadline is None else deadline - time.monotonic()
                if left is not None and left <= 0:
                    return
                await asyncio.sleep(interval_s if left is None else min(interval_s, left))

        async def progress() -> None:
            while True:
                await asyncio.sleep(10)
                echo(stats.line())

        ticker = asyncio.create_task(progress())
        try:
            await asyncio.gather(*(run(gateway) for gateway in fleet))
        finally:
            ticker.cancel()
    echo(stats.line())
    return stats
