"""The webhooks' enumerations: smart-me's ``RegistrationType`` and homecloud's delivery
states."""

from __future__ import annotations

from enum import IntEnum
from typing import Final


class RegistrationType(IntEnum):
    """smart-me's ``RegistrationType``, numbered as its API lists it (integers on output,
    names or integers on input)."""

    Disabled = 0
    SingleMeterRegistration = 1
    UserRegistration = 2


DISABLED: Final = RegistrationType.Disabled.value
SINGLE_METER: Final = RegistrationType.SingleMeterRegistration.value
USER: Final = RegistrationType.UserRegistration.value
ACTIVE_TYPES: Final = (SINGLE_METER, USER)

# A delivery (one reading to one receiver).
PENDING: Final = 0
DELIVERED: Final = 1
GIVEN_UP: Final = 2
CANCELLED: Final = 3
DELIVERY_STATES: Final = {
    "Pending": PENDING,
    "Delivered": DELIVERED,
    "GivenUp": GIVEN_UP,
    "Cancelled": CANCELLED,
}
STATE_NAMES: Final = {number: name for name, number in DELIVERY_STATES.items()}
