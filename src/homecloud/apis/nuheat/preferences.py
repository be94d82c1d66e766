"""The account's Nuheat settings, kept in ``user.preferences["nuheat"]``: how the Account
resource shows temperatures and times, and what the energy log estimates kWh and cost from.

People set them on the console's settings page, administrators with ``homecloud nuheat
energy-settings``; both go through :func:`update_preferences`, which checks every value.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from homecloud.core.models import User

PREFERENCES = "nuheat"
TEMPERATURE_SCALES = ("Celsius", "Fahrenheit")
# The energy estimates' inputs: the price of a kWh in the currency's cents, the heated floor
# area, and the heating mat's watts per unit of that area. Bounds only catch typing mistakes.
NUMBERS: dict[str, tuple[str, float]] = {
    "kwhRate": ("Price of a kWh", 100_000.0),
    "floorArea": ("Heated floor area", 1_000_000.0),
    "wattDensity": ("Watt density", 10_000.0),
}
FLAGS = ("use12Hour", "mondayIsFirstDay")


class PreferenceError(ValueError):
    """Values that cannot be stored; ``problems`` names each one, for the person to fix."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


def preferences_of(user: User) -> dict[str, Any]:
    return dict((user.preferences or {}).get(PREFERENCES, {}))


def checked(changes: Mapping[str, Any]) -> dict[str, Any]:
    """``changes`` as they will be stored. ``None`` for a number clears it (the estimates are
    zero again, as the vendor's are for an account without them). Raises
    :class:`PreferenceError` listing every value that is not acceptable."""
    problems: list[str] = []
    accepted: dict[str, Any] = {}
    for key, value in changes.items():
        if key in NUMBERS:
            label, ceiling = NUMBERS[key]
            if value is None:
                accepted[key] = None
            elif (
                isinstance(value, bool)
                or not isinstance(value, int | float)
                or not math.isfinite(value)
            ):
                problems.append(f"{label} must be a number.")
            elif not 0 <= value <= ceiling:
                problems.append(f"{label} must be between 0 and {ceiling:,.0f}.")
            else:
                accepted[key] = float(value)
        elif key in FLAGS:
            if not isinstance(value, bool):
                problems.append(f"{key} must be true or false.")
            else:
                accepted[key] = value
        elif key == "temperatureScale":
            if value not in TEMPERATURE_SCALES:
                problems.append("The temperature scale must be Celsius or Fahrenheit.")
            else:
                accepted[key] = value
        else:
            problems.append(f"There is no setting {key!r}.")
    if problems:
        raise PreferenceError(problems)
    return accepted


def update_preferences(user: User, changes: Mapping[str, Any]) -> dict[str, Any]:
    """Applies ``changes`` (checked first: nothing is stored unless all are acceptable) to
    ``user``'s Nuheat settings in the caller's session; returns the settings now in force."""
    accepted = checked(changes)
    ours = preferences_of(user)
    for key, value in accepted.items():
        if value is None:
            ours.pop(key, None)
        else:
            ours[key] = value
    # A new dict, so that SQLAlchemy sees the JSON column change.
    user.preferences = {**(user.preferences or {}), PREFERENCES: ours}
    return ours
