"""What every MClimate device type has in common, and the registry of the types served.

A type describes one kind of controller: its first simulated state (drawn from the
simulation's seed and the serial number, so the same seed gives the same devices), how its
state moves forward in time, what ``provider/fetch`` and ``controller_log`` show of it, and
what each of its ``provider/send`` commands does and answers. States are plain JSON-able
dicts, stored as JSON text; every function here is pure, so a read can show a device as of
now without writing anything, and a simulation step from the same state gives the same
result.
"""

from __future__ import annotations

import functools
import hashlib
import random
from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, ClassVar

from homecloud.apis.mclimate.commands import Fields, out_of_range
from homecloud.sim.weather import OutdoorCurve

State = dict[str, Any]
CommandLog = dict[str, Any]

# Time is moved forward in chunks of at most this, each with the outdoor temperature of its
# start: inputs that change over a day are re-read often enough.
CHUNK_MS = 300_000
# A device not simulated for longer than this resumes from this long ago (a server that was
# stopped for a month does not spend a minute catching up on one read).
MAX_CATCH_UP_MS = 2 * 86_400_000

OUTDOOR = OutdoorCurve()


def outdoor_c(at_ms: int) -> float:
    return OUTDOOR.temperature_c(datetime.fromtimestamp(at_ms / 1000, UTC))


def iso_ms(at_ms: int) -> str:
    """``2018-01-16T18:02:36.735Z``, as the vendor writes record times."""
    moment = datetime.fromtimestamp(at_ms / 1000, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{at_ms % 1000:03d}Z"


@functools.lru_cache(maxsize=65_536)
def vendor_datetime(at_ms: int) -> str:
    """``2016-07-06 18:59:46``, as the vendor writes entity dates (MySQL's DATETIME)."""
    return datetime.fromtimestamp(at_ms / 1000, UTC).strftime("%Y-%m-%d %H:%M:%S")


def seeded(seed: int, serial: str) -> random.Random:
    """The random source of one device: the same seed and serial, the same device."""
    digest = hashlib.sha256(f"{seed}:{serial}".encode()).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))


@dataclass(frozen=True, slots=True)
class Identity:
    """What a device's answers name it by."""

    serial: str
    mac: str


@dataclass(frozen=True, slots=True)
class Outcome:
    """A command's result: the device's new state and last AC command, and its
    acknowledgement (the ``provider`` of ``provider/send``)."""

    state: State
    command_log: CommandLog | None
    ack: Any


@dataclass(frozen=True, slots=True)
class Command:
    """One ``provider/send`` as a device type sees it: a command it knows, the command's
    fields, the device it goes to and the moment it lands."""

    name: str
    fields: Fields
    device: Identity
    at_ms: int


class DeviceType(ABC):
    """One kind of controller. What every kind answers alike lives here: a command it does not
    know is refused before its fields are read, a sensor record is the live data with its
    time, and only the kinds with an AC command log or a shown relay say otherwise."""

    name: ClassVar[str]
    firmware_version: ClassVar[str]
    # Whether the vendor shows this type's relay in the controller entity (smart plugs).
    shows_relay: ClassVar[bool] = False
    # The ``provider/send`` commands of this type, in the order a refusal lists them.
    commands: ClassVar[tuple[str, ...]]

    def __init_subclass__(
        cls,
        *,
        name: str,
        firmware_version: str,
        commands: Iterable[str],
        shows_relay: bool = False,
        **kwargs: Any,
    ) -> None:
        """A type states what names it in its class line (``class Vicki(DeviceType,
        name="vicki", ...)``), so one that leaves a part out fails when it is defined, not
        at its first command."""
        super().__init_subclass__(**kwargs)
        cls.name = name
        cls.firmware_version = firmware_version
        cls.commands = tuple(commands)
        cls.shows_relay = shows_relay

    @abstractmethod
    def initial(self, rng: random.Random, at_ms: int) -> State: ...

    def initial_command_log(self) -> CommandLog | None:
        return None

    @abstractmethod
    def tick(
        self, state: State, command_log: CommandLog | None, at_ms: int, seconds: float
    ) -> None:
        """Moves ``state`` (in place) ``seconds`` forward from ``at_ms``."""

    @abstractmethod
    def provider(self, state: State, device: Identity, at_ms: int) -> dict[str, Any]: ...

    def controller_log(self, state: State, device: Identity, at_ms: int) -> dict[str, Any]:
        return {**self.provider(state, device, at_ms), "created": iso_ms(at_ms)}

    def command(
        self,
        name: str,
        fields: Fields,
        state: State,
        command_log: CommandLog | None,
        device: Identity,
        at_ms: int,
    ) -> Outcome:
        """Carries out ``name``; ``state`` is left as it is, the outcome holds the new one."""
        if name not in self.commands:
            raise out_of_range(
                "command",
                f"{name!r} is not a command of {self.name} (one of {', '.join(self.commands)}).",
            )
        return self.carry_out(Command(name, fields, device, at_ms), state, command_log)

    @abstractmethod
    def carry_out(self, command: Command, state: State, command_log: CommandLog | None) -> Outcome:
        """Carries out one of :attr:`commands`."""

    def relay_state(self, state: State) -> bool | None:
        return None

    def schedule_command(
        self, state: State, *, target: float | None = None, end_state: str | None = None
    ) -> ScheduledCommand | None:
        """The command that starts a schedule holding this device at ``target``, or (given
        ``end_state``, ``on`` or ``off``) the one that ends it; None where it does nothing.
        Values are brought into the device's ranges: a schedule never fails on the device."""
        return None


# A command a schedule gives (see :mod:`homecloud.apis.mclimate.scheduling`): its name and
# its fields as a client would send them.
ScheduledCommand = tuple[str, dict[str, Any]]


# The relay command of the types that are a relay (the smart plug, Bobbie).
RELAY_SWITCH = "switch_on_off"


class RelaySwitched:
    """What the types that are a relay (``state["relay"]``, switched by
    :data:`RELAY_SWITCH`) answer alike: their relay state, and a schedule switching the relay
    on for a non-zero target and to its end state (``on``/``off``) at its end."""

    def relay_state(self, state: State) -> bool | None:
        return bool(state["relay"])

    def schedule_command(
        self, state: State, *, target: float | None = None, end_state: str | None = None
    ) -> ScheduledCommand | None:
        if end_state is None:
            on = None if target is None else bool(target)
        else:
            on = {"on": True, "off": False}.get(end_state)
        return None if on is None else (RELAY_SWITCH, {"state": int(on)})


def clamped(value: float, low: int, high: int) -> int:
    return max(low, min(high, round(value)))


def advance(
    kind: DeviceType, state: Mapping[str, Any], command_log: CommandLog | None, since: int, now: int
) -> State:
    """A copy of ``state`` moved from ``since`` to ``now``."""
    moved: State = dict(state)
    start = max(since, now - MAX_CATCH_UP_MS)
    at = start
    while at < now:
        span = min(CHUNK_MS, now - at)
        kind.tick(moved, command_log, at, span / 1000)
        at += span
    return moved


def wifi_ack(code: int) -> list[int]:
    """The Wi-Fi devices' acknowledgement: four integers, the second the command's code."""
    return [254, code, 0, 0]
