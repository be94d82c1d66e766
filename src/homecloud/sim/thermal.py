"""A heated floor and the room above it, as two lumped heat capacities.

The floor takes the heater's power while the relay is on and gives heat to the room air;
the room loses heat to the outdoors through its envelope. Values are per square metre of
floor, so the model fits any room size. The defaults describe an electric mat of 150 W/m²
under a thin screed in an averagely insulated room: with the heater on all the time the floor
settles about 15 K above the room, and holding a room at 21 °C against 0 °C outside takes the
relay on roughly a third of the time.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class RoomParameters:
    heater_w_per_m2: float = 150.0
    floor_capacity_j_per_m2k: float = 80_000.0
    room_capacity_j_per_m2k: float = 100_000.0
    floor_to_room_w_per_m2k: float = 10.0
    room_to_outdoor_w_per_m2k: float = 2.5


@dataclass(frozen=True, slots=True)
class RoomState:
    floor_c: float
    room_c: float


# Explicit Euler is stable while a step is well below the shortest time constant (the room's,
# about two hours with the defaults); longer spans are cut into steps of at most this.
MAX_STEP_SECONDS = 300.0


def step(
    state: RoomState,
    seconds: float,
    *,
    heating: bool,
    outdoor_c: float,
    parameters: RoomParameters = RoomParameters(),
) -> RoomState:
    """The room ``seconds`` later, with the heater on or off and the outdoor temperature fixed."""
    if seconds < 0:
        raise ValueError("a room cannot be stepped backwards")
    floor, room = state.floor_c, state.room_c
    p = parameters
    remaining = seconds
    while remaining > 0:
        dt = min(remaining, MAX_STEP_SECONDS)
        to_room = p.floor_to_room_w_per_m2k * (floor - room)
        to_outdoor = p.room_to_outdoor_w_per_m2k * (room - outdoor_c)
        heat_in = p.heater_w_per_m2 if heating else 0.0
        floor += dt * (heat_in - to_room) / p.floor_capacity_j_per_m2k
        room += dt * (to_room - to_outdoor) / p.room_capacity_j_per_m2k
        remaining -= dt
    return RoomState(floor_c=floor, room_c=room)
