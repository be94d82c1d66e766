"""Every CKW name that is a design choice, in one place.

CKW's data specification is not public (spec ckw.md §7): the two resources "core data" and
"meter data" and the ``/api/v1`` prefix are grounded, every path, parameter, field and value
word below is homecloud's proposal, in the snake_case the sibling CKW API uses. When the real
names surface they are corrected here, and only here; ``docs/ckw.md`` lists them.
"""

from __future__ import annotations

from typing import Final, Literal

# Paths, below the face's mount point (``/ckw``). The first of each pair is the documented one.
API_PREFIX: Final = "/api/v1"
CORE_DATA_PATHS: Final = (API_PREFIX + "/core-data", API_PREFIX + "/coredata")
METER_DATA_PATHS: Final = (API_PREFIX + "/meter-data", API_PREFIX + "/meterdata")

# Query parameters of meter data.
METERING_POINT_ID: Final = "metering_point_id"
INSTALLATION_ID: Final = "installation_id"
START: Final = "start_timestamp"
END: Final = "end_timestamp"
RESOLUTION: Final = "resolution"

# Resolutions (the values of ``resolution``), finest first; 15min is the default.
Resolution = Literal["15min", "hour", "day", "week", "month", "year"]
RESOLUTIONS: Final[tuple[Resolution, ...]] = ("15min", "hour", "day", "week", "month", "year")
DEFAULT_RESOLUTION: Final[Resolution] = "15min"

# Core data fields.
CUSTOMER_NUMBER: Final = "customer_number"
INSTALLATIONS: Final = "installations"
ADDRESS: Final = "address"
STREET: Final = "street"
ZIP: Final = "zip"
CITY: Final = "city"
COUNTRY: Final = "country"
METERING_POINTS: Final = "metering_points"
METER_NUMBER: Final = "meter_number"
ENERGY_DIRECTION: Final = "energy_direction"
UNIT: Final = "unit"
VALID_FROM: Final = "valid_from"
VALID_TO: Final = "valid_to"

# Meter data fields.
TIMEZONE: Final = "timezone"
VALUES: Final = "values"
CONSUMPTION_KWH: Final = "consumption_kwh"
PRODUCTION_KWH: Final = "production_kwh"
STATUS: Final = "status"

# Value words.
Direction = Literal["consumption", "production"]
CONSUMPTION: Final[Direction] = "consumption"
PRODUCTION: Final[Direction] = "production"
VALUE_FIELD: Final[dict[Direction, str]] = {
    CONSUMPTION: CONSUMPTION_KWH,
    PRODUCTION: PRODUCTION_KWH,
}
Status = Literal["measured", "estimated", "missing"]
MEASURED: Final[Status] = "measured"
ESTIMATED: Final[Status] = "estimated"
MISSING: Final[Status] = "missing"
KWH: Final = "kWh"

# Error body (MuleSoft APIkit style): ``{"message": ..., "detail": ...}``.
ERROR_MESSAGE: Final = "message"
ERROR_DETAIL: Final = "detail"

# Rate-limit headers (MuleSoft's, lower case as HTTP/2 sends them).
RATE_LIMIT: Final = "x-ratelimit-limit"
RATE_REMAINING: Final = "x-ratelimit-remaining"
RATE_RESET: Final = "x-ratelimit-reset"

# Backend app credentials in headers (MuleSoft's client-ID enforcement default).
CLIENT_ID_HEADER: Final = "client_id"
CLIENT_SECRET_HEADER: Final = "client_secret"
