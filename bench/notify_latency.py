"""Change-notification latency: thermostat PUTs at a steady rate, 1,000 SignalR subscribers.

The script starts homecloud under uvicorn in a child process (uvloop, httptools, one worker,
SQLite in a temporary data directory, thermostat simulation off so that only the PUTs cause
notifications, listening on 127.0.0.1 only), creates ``--users`` users with one thermostat
each and signs each in through the authorization-code flow, then starts ``--processes``
subscriber processes that together hold ``--connections`` hub connections (negotiate, the
WebSocket, the JSON handshake, ``Subscribe(["2"])``), spread evenly over the users: every PUT
notifies ``connections / users`` connections.

This process then sends ``PUT /nuheat/api/v1/Thermostat`` at ``--rate`` per second for
``--seconds`` seconds, round-robin over the thermostats, each PUT changing the set point. The
subscribers stamp every Notify on arrival; stamps are ``time.monotonic_ns()``, one clock for
every process on Linux. Printed, as p50 / p99 / max:

- PUT round trip (request sent -> 204 received): the baseline, measured in the same run;
- PUT response -> Notify received, per notified connection (the figure with the target:
  p99 under 50 ms); negative when the Notify beat the HTTP response to its client;
- PUT sent -> Notify received, and its p99 as a ratio of the PUT round trip's p99.

Server, subscribers and this load generator share the machine (2 cores here), so the figures
include their contention. Exit status 1 when a notification is missing or p99 misses 50 ms.

    python bench/notify_latency.py
    python bench/notify_latency.py --connections 2000 --users 100 --rate 100 --seconds 20
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import orjson
from argon2 import PasswordHasher
from argon2 import profiles as argon2_profiles

import live
from homecloud.apis.nuheat.provision import add_group, add_thermostat
from homecloud.apis.nuheat.settings import NuheatSettings
from homecloud.core import passwords
from homecloud.core.models import now_ms
from homecloud.core.users import create_user
from homecloud.services import Services
from homecloud.settings import Settings

TARGET_P99_MS = 50.0
HUB = "/nuheat/notificationsHost"
PUT_PATH = "/nuheat/api/v1/Thermostat"
RS = "\x1e"


def server_settings(data_dir: Path, port: int) -> Settings:
    return Settings(
        data_dir=data_dir,
        port=port,
        host=live.HOST,
        log_level="warning",
        nuheat=NuheatSettings(simulation=False),
    )


# ------------------------------------------------------------------------------- the server


def serve(data_dir: Path, port: int) -> None:
    """The child process: the app as ``homecloud serve`` runs it, on 127.0.0.1, built from
    settings that turn the thermostat simulation off, with room for a thousand connections
    arriving at once in the listen backlog."""
    from homecloud.app import create_app

    settings = server_settings(data_dir, port)
    live.run_uvicorn(create_app(settings, Services.from_settings(settings)), port, backlog=4096)


# ------------------------------------------------------------------------------- seeding


@dataclass
class Owner:
    email: str
    serial: str
    token: str = ""


async def seed(settings: Settings, users: int) -> tuple[list[Owner], live.CodeClient]:
    """Schema, users with one thermostat each, and a client for the code flow."""
    # Sign-in is not what this bench measures: users get the cheapest Argon2id parameters,
    # so that signing a hundred of them in takes seconds, not a minute.
    passwords._hasher = PasswordHasher.from_parameters(argon2_profiles.CHEAPEST)
    owners = [Owner(f"bench{n}@example.com", str(30_000_000 + n)) for n in range(users)]
    async with live.seeding(settings.effective_database_url) as session:
        for owner in owners:
            user = await create_user(session, owner.email, live.PASSWORD)
            group = await add_group(session, user.id, "Home")
            await add_thermostat(
                session, user.id, owner.serial, "Bench", group_id=group.id, started_ms=now_ms()
            )
        client = await live.register_code_client(session, live.NUHEAT, "openid openapi")
    return owners, client


async def sign_in(base: str, owner: Owner, client: live.CodeClient) -> None:
    """The authorization-code flow with PKCE, as an app would run it for its user."""
    async with live.browser(base) as browser:
        owner.token = str((await live.authorize(browser, client, owner.email))["access_token"])


# ------------------------------------------------------------------------------- subscribers


async def subscriber(base: str, tokens: list[str]) -> None:
    """A child process: one hub connection per token; prints ``ready``, then, once stdin
    closes, every Notify it got as JSON ``[serial, monotonic_ns]`` pairs."""
    from websockets.asyncio.client import connect

    received: list[tuple[str, int]] = []
    ws_base = base.replace("http://", "ws://", 1) + HUB

    opening = asyncio.Semaphore(16)  # do not open hundreds of sockets in one burst

    async def listen(token: str, ready: asyncio.Event) -> None:
        async with opening:
            negotiated = await http.post(
                f"{base}{HUB}/negotiate?negotiateVersion=1",
                headers={"Authorization": f"Bearer {token}"},
            )
        connection_token = negotiated.json()["connectionToken"]
        url = f"{ws_base}?id={connection_token}&access_token={token}"
        async with connect(url, ping_interval=None, max_queue=None) as websocket:
            async with opening:
                await websocket.send('{"protocol":"json","version":1}' + RS)
                await websocket.recv()
                await websocket.send(
                    '{"type":1,"invocationId":"1","target":"Subscribe","arguments":[["2"]]}' + RS
                )
                await websocket.recv()
            ready.set()
            async for frame in websocket:
                arrived = time.monotonic_ns()
                for record in str(frame).split(RS)[:-1]:
                    message = orjson.loads(record)
                    if message.get("target") == "Notify":
                        received.extend((n["id"], arrived) for n in message["arguments"][0])
                    elif message.get("type") == 6:
                        await websocket.send('{"type":6}' + RS)

    readiness = [asyncio.Event() for _ in tokens]
    async with httpx.AsyncClient(timeout=30) as http:
        tasks = [
            asyncio.create_task(listen(token, ready))
            for token, ready in zip(tokens, readiness, strict=True)
        ]
        async with asyncio.timeout(120):
            await asyncio.gather(*(ready.wait() for ready in readiness))
        print("ready", flush=True)
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    print(json.dumps(received), flush=True)


# ------------------------------------------------------------------------------- the load


@dataclass
class Put:
    serial: str
    sent: int
    answered: int = 0


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(fraction * len(ordered)) - 1)]


def summary(values: list[float]) -> str:
    return (
        f"p50 {percentile(values, 0.5):7.2f}   p99 {percentile(values, 0.99):7.2f}   "
        f"max {max(values):7.2f} ms"
    )


async def put_load(base: str, owners: list[Owner], rate: float, seconds: float) -> list[Put]:
    puts: list[Put] = []
    count = int(rate * seconds)
    limits = httpx.Limits(max_connections=64, max_keepalive_connections=64)
    async with httpx.AsyncClient(base_url=base, limits=limits) as http:

        async def one(index: int) -> None:
            owner = owners[index % len(owners)]
            put = Put(owner.serial, time.monotonic_ns())
            puts.append(put)
            response = await http.put(
                PUT_PATH,
                json={
                    "serialNumber": owner.serial,
                    "setPointTemp": 2000 + 10 * (index % 50),
                    "scheduleMode": 3,
                },
                headers={"Authorization": f"Bearer {owner.token}"},
            )
            put.answered = time.monotonic_ns()
            if response.status_code != 204:
                raise SystemExit(f"PUT answered {response.status_code}: {response.text}")

        started = time.monotonic()
        tasks = []
        for index in range(count):
            delay = started + index / rate - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one(index)))
        await asyncio.gather(*tasks)
    return puts


def match(puts: list[Put], notifications: list[tuple[str, int]]) -> list[tuple[Put, int]]:
    """Each Notify belongs to the latest PUT of its thermostat sent before it arrived."""
    by_serial: dict[str, list[Put]] = {}
    for put in sorted(puts, key=lambda p: p.sent):
        by_serial.setdefault(put.serial, []).append(put)
    matched = []
    for serial, arrived in notifications:
        candidates = [p for p in by_serial.get(serial, []) if p.sent <= arrived]
        if candidates:
            matched.append((candidates[-1], arrived))
    return matched


async def bench(args: argparse.Namespace) -> int:
    port = live.free_port()
    base = live.base_url(port)
    with tempfile.TemporaryDirectory(prefix="homecloud-bench-") as tmp:
        data_dir = Path(tmp)
        owners, client = await seed(server_settings(data_dir, port), args.users)
        # An asyncio child: this loop keeps running the subscribers' pipes and the PUTs.
        server = await live.start_server_async(
            live.this_script(__file__, "--serve", data_dir, port)
        )
        subscribers: list[asyncio.subprocess.Process] = []
        try:
            await live.wait_until_up(base, server)
            started = time.monotonic()
            signing_in = asyncio.Semaphore(4)

            async def signed_in(owner: Owner) -> None:
                async with signing_in:
                    await sign_in(base, owner, client)

            await asyncio.gather(*(signed_in(owner) for owner in owners))
            print(f"signed {args.users} users in in {time.monotonic() - started:.1f} s")
            started = time.monotonic()
            tokens = [owners[n % len(owners)].token for n in range(args.connections)]
            for part in range(args.processes):
                share = tokens[part :: args.processes]
                process = await asyncio.create_subprocess_exec(
                    sys.executable,
                    __file__,
                    "--subscribe",
                    base,
                    stdin=asyncio.subprocess.PIPE,
                    stdout=asyncio.subprocess.PIPE,
                )
                assert process.stdin is not None
                process.stdin.write("\n".join(share).encode() + b"\n\n")
                await process.stdin.drain()
                subscribers.append(process)
            for process in subscribers:
                assert process.stdout is not None
                line = await process.stdout.readline()
                if line.strip() != b"ready":
                    raise SystemExit("a subscriber process failed to connect")
            print(f"connected and subscribed in {time.monotonic() - started:.1f} s")
            print(
                f"{args.connections} subscribers in {args.processes} processes, "
                f"{args.users} users ({args.connections // args.users} connections each); "
                f"{args.rate:g} PUT/s for {args.seconds:g} s"
            )
            puts = await put_load(base, owners, args.rate, args.seconds)
            await asyncio.sleep(1.0)  # let the last notifications arrive
            notifications: list[tuple[str, int]] = []
            for process in subscribers:
                assert process.stdin is not None
                assert process.stdout is not None
                process.stdin.close()
                notifications.extend(tuple(n) for n in json.loads(await process.stdout.read()))
                await process.wait()
        finally:
            for process in subscribers:
                if process.returncode is None:
                    process.kill()
            await live.stop_server_async(server)
    return report(args, puts, notifications)


def report(args: argparse.Namespace, puts: list[Put], notifications: list[tuple[str, int]]) -> int:
    expected = len(puts) * (args.connections // args.users)
    matched = match(puts, notifications)
    round_trip = [(p.answered - p.sent) / 1e6 for p in puts]
    after_response = [(arrived - p.answered) / 1e6 for p, arrived in matched]
    after_sent = [(arrived - p.sent) / 1e6 for p, arrived in matched]
    print(f"notifications: {len(matched)} of {expected} expected")
    if not matched:
        return 1
    print(f"PUT round trip (baseline)   {summary(round_trip)}")
    print(f"PUT response -> Notify      {summary(after_response)}")
    print(f"PUT sent -> Notify          {summary(after_sent)}")
    ratio = percentile(after_sent, 0.99) / percentile(round_trip, 0.99)
    p99 = percentile(after_response, 0.99)
    met = p99 < TARGET_P99_MS and len(matched) == expected
    print(
        f"p99 sent->Notify / p99 PUT round trip: {ratio:.2f}; "
        f"target p99 response->Notify < {TARGET_P99_MS:g} ms: {'met' if met else 'MISSED'}"
    )
    return 0 if met else 1


def main() -> None:
    if len(sys.argv) == 4 and sys.argv[1] == "--serve":
        serve(Path(sys.argv[2]), int(sys.argv[3]))
        return
    if len(sys.argv) == 3 and sys.argv[1] == "--subscribe":
        listed = []  # one token a line, then an empty line
        while line := sys.stdin.readline().strip():
            listed.append(line)
        asyncio.run(subscriber(sys.argv[2], listed))
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--connections", type=int, default=1000)
    parser.add_argument("--users", type=int, default=100)
    parser.add_argument("--processes", type=int, default=2, help="subscriber processes")
    parser.add_argument("--rate", type=float, default=50.0, help="PUTs per second")
    parser.add_argument("--seconds", type=float, default=10.0)
    args = parser.parse_args()
    if min(args.connections, args.users, args.processes, args.rate, args.seconds) <= 0:
        parser.error("counts must be positive")
    if args.connections % args.users:
        parser.error("--connections must be a multiple of --users")
    raise SystemExit(asyncio.run(bench(args)))


if __name__ == "__main__":
    main()
