"""Deterministic noise: a number in [0, 1) for any tuple of integers, the same on every run
and every machine. Simulated meters compute any quarter-hour on its own (a back-fill and a
later daily delivery must agree), so their randomness is a hash of (seed, slot), not a
sequence drawn in order."""

from __future__ import annotations

_MASK = (1 << 64) - 1


def _mix(value: int) -> int:
    # splitmix64's finaliser: every input bit flips about half the output bits.
    value = (value + 0x9E3779B97F4A7C15) & _MASK
    value = ((value ^ (value >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    value = ((value ^ (value >> 27)) * 0x94D049BB133111EB) & _MASK
    return value ^ (value >> 31)


def uniform(*keys: int) -> float:
    """A uniform number in [0, 1) determined by ``keys`` alone."""
    state = 0
    for key in keys:
        state = _mix(state ^ (key & _MASK))
    return (state >> 11) / float(1 << 53)


def spread(center: float, relative: float, *keys: int) -> float:
    """``center`` varied by up to ``relative`` of itself either way, determined by ``keys``."""
    return center * (1 + relative * (2 * uniform(*keys) - 1))
