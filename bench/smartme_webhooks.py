"""smart-me realtime webhooks end to end: readings of many meters recorded through
``record_readings`` (so each is written to the outbox in its own transaction), delivered by
the delivery worker to a local receiver; next to the same receiver fed by a bare loop (encode
and POST, no database, no outbox), in one run.

Prints readings/s delivered and the receiver's p50/p99 delay from each reading's time (the
moment it was recorded) to its arrival, for both. Target: at least 1,000 readings/s
delivered through homecloud with p99 under 1 s; exits 1 on a miss.

    python bench/smartme_webhooks.py                    # 1,500 meters, once a second, 10 s
    python bench/smartme_webhooks.py --meters 3000 --seconds 20
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx

from homecloud.apis.smartme import repository as meters_repository
from homecloud.apis.smartme import service
from homecloud.apis.smartme.models import SmartMeMeter
from homecloud.apis.smartme.readings import Reading
from homecloud.apis.smartme.settings import SmartMeSettings
from homecloud.apis.smartme.webhooks import payload, registrations
from homecloud.apis.smartme.webhooks.receivers import AddressPolicy
from homecloud.apis.smartme.webhooks.secrets import SecretBox
from homecloud.apis.smartme.webhooks.worker import DeliveryWorker
from homecloud.core import migrations
from homecloud.core.database import Database
from homecloud.core.events import InProcessBus
from homecloud.core.unit_of_work import UnitOfWork
from homecloud.core.users import create_user

TARGET_RATE = 1000.0
TARGET_P99 = 1.0
ENERGY, POWER = "0100010800FF", "0100010700FF"


@dataclass
class Arrivals:
    """What the receiver got: (arrival time, body), decoded after the run."""

    bodies: list[tuple[float, bytes]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def clear(self) -> None:
        with self.lock:
            self.bodies.clear()

    def readings(self) -> list[tuple[float, payload.DeviceReading]]:
        with self.lock:
            bodies = list(self.bodies)
        return [(at, item) for at, body in bodies for item in payload.decode(body)]


def start_receiver(arrivals: Arrivals) -> tuple[ThreadingHTTPServer, str]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length") or 0))
            at = time.time()
            with arrivals.lock:
                arrivals.bodies.append((at, body))
            self.send_response(204)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


@dataclass
class Result:
    name: str
    readings: int
    rate: float
    p50: float
    p99: float

    def line(self) -> str:
        return (
            f"{self.name:<28} {self.readings:>7} readings  {self.rate:>8.0f} readings/s  "
            f"delay p50 {self.p50 * 1000:>6.1f} ms  p99 {self.p99 * 1000:>7.1f} ms"
        )


def summarise(name: str, arrivals: Arrivals, started: float, expected: int) -> Result:
    got = arrivals.readings()
    delays = sorted(at - item.ticks / 10_000_000 for at, item in got)
    last = max(at for at, _ in got)
    quantiles = statistics.quantiles(delays, n=100)
    return Result(name, len(got), len(got) / (last - started), quantiles[49], quantiles[98])


async def produce(
    database: Database,
    bus: InProcessBus,
    meters: list[tuple[int, uuid.UUID]],
    seconds: float,
    ticks_per_second: int,
) -> int:
    """Every meter reports once a second, spread over ``ticks_per_second`` transactions."""
    written = 0
    slices = [meters[i::ticks_per_second] for i in range(ticks_per_second)]
    step = 1.0 / ticks_per_second
    start = time.monotonic()
    tick = 0
    while tick < seconds * ticks_per_second:
        now = datetime.now(UTC)
        readings = [
            Reading(meter, owner, 1, now, {ENERGY: 1000.0 + tick, POWER: 420.0})
            for owner, meter in slices[tick % ticks_per_second]
        ]
        async with UnitOfWork.begin(database, bus) as work:
            await service.record_readings(work, readings)
        written += len(readings)
        tick += 1
        await asyncio.sleep(max(0.0, start + tick * step - time.monotonic()))
    return written


async def through_homecloud(
    url: str, arrivals: Arrivals, count: int, users: int, seconds: float, batch: int
) -> Result:
    with tempfile.TemporaryDirectory() as directory:
        database = Database(f"sqlite+aiosqlite:///{Path(directory) / 'homecloud.db'}")
        await migrations.upgrade(database)
        bus = InProcessBus()
        settings = SmartMeSettings(
            simulation=False,
            webhook_allow_private=True,
            webhook_batch_size=batch,
            webhook_concurrency=users,
        )
        box = SecretBox(bytes(32))
        policy = AddressPolicy(allow_private=True)
        setup = registrations.Realtime(settings=settings, policy=policy, secrets=box)
        meters: list[tuple[int, uuid.UUID]] = []
        async with UnitOfWork.begin(database, bus) as work:
            session = await work.session()
            for number in range(users):
                user = await create_user(session, f"bench{number}@example.com", "password-1")
                for index in range(count // users):
                    guid = uuid.uuid4()
                    await meters_repository.add_meter(
                        session,
                        SmartMeMeter(
                            owner_id=user.id,
                            guid=str(guid),
                            serial=number * 1_000_000 + index + 1,
                            energy_type=1,
                            sub_type=4,
                            family_type=12,
                        ),
                        kind="three_phase",
                        name=f"Meter {index}",
                        attributes={},
                    )
                    meters.append((user.id, guid))
                await registrations.register(
                    work, user.id, {"apiurl": f"{url}/user/{user.id}"}, setup
                )
        worker = DeliveryWorker(database, bus, settings, box, policy=policy)
        delivering = asyncio.create_task(worker.run())
        started = time.time()
        written = await produce(database, bus, meters, seconds, ticks_per_second=10)
        for _ in range(600):  # at most a minute for the last deliveries
            if len(arrivals.readings()) >= written:
                break
            await asyncio.sleep(0.1)
        delivering.cancel()
        await asyncio.gather(delivering, return_exceptions=True)
        await database.dispose()
    if len(arrivals.readings()) < written:
        print(
            f"homecloud delivered {len(arrivals.readings())} of {written} readings", file=sys.stderr
        )
    return summarise("homecloud (outbox + worker)", arrivals, started, written)


async def bare_loop(url: str, arrivals: Arrivals, count: int, seconds: float, batch: int) -> Result:
    """The same readings, made and POSTed in a plain loop: no database, no outbox."""
    guids = [uuid.uuid4() for _ in range(count)]
    started = time.time()
    sent = 0
    async with httpx.AsyncClient(trust_env=False) as client:
        start = time.monotonic()
        ticks_per_second = 10
        slices = [guids[i::ticks_per_second] for i in range(ticks_per_second)]
        for tick in range(int(seconds * ticks_per_second)):
            now_micros = time.time_ns() // 1000
            items = [
                payload.DeviceReading.at_micros(
                    guid, now_micros, {ENERGY: 1000.0 + tick, POWER: 420.0}
                )
                for guid in slices[tick % ticks_per_second]
            ]
            for first in range(0, len(items), batch):
                await client.post(
                    f"{url}/bare",
                    content=payload.encode(items[first : first + batch]),
                    headers={"Content-Type": payload.CONTENT_TYPE},
                )
            sent += len(items)
            await asyncio.sleep(max(0.0, start + (tick + 1) / ticks_per_second - time.monotonic()))
    return summarise("bare loop (same receiver)", arrivals, started, sent)


async def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--meters", type=int, default=1500, help="meters, each reporting once a second"
    )
    parser.add_argument(
        "--users", type=int, default=10, help="users, each with one UserRegistration"
    )
    parser.add_argument("--seconds", type=float, default=10.0, help="how long readings are made")
    parser.add_argument("--batch", type=int, default=100, help="most readings in one POST")
    options = parser.parse_args()

    arrivals = Arrivals()
    server, url = start_receiver(arrivals)
    try:
        baseline = await bare_loop(url, arrivals, options.meters, options.seconds, options.batch)
        arrivals.clear()
        ours = await through_homecloud(
            url, arrivals, options.meters, options.users, options.seconds, options.batch
        )
    finally:
        server.shutdown()
        server.server_close()
    print(
        f"{options.meters} meters x 1 reading/s for {options.seconds:g} s, {options.users} receivers, batches <= {options.batch}"
    )
    print(baseline.line())
    print(ours.line())
    print(f"homecloud / bare loop: {ours.rate / baseline.rate:.2f} of the rate")
    missed = []
    if ours.rate < TARGET_RATE:
        missed.append(f"{ours.rate:.0f} readings/s < {TARGET_RATE:.0f}")
    if ours.p99 >= TARGET_P99:
        missed.append(f"p99 {ours.p99:.3f} s >= {TARGET_P99} s")
    if ours.readings < baseline.readings:
        missed.append(f"only {ours.readings} of {baseline.readings} readings delivered")
    if missed:
        print("MISSED: " + "; ".join(missed))
        return 1
    print(f"target met: >= {TARGET_RATE:.0f} readings/s, p99 < {TARGET_P99} s")
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
