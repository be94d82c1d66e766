"""The catalogue homecloud serves: the Open API Gateway (model 52), its device model and the 63
sensor types of its device model, as the vendor's registered-model table lists them.

Values travel as strings for numeric types and as objects for ``location`` and
``accelerometer``; ``kind`` says which, and how a value of the type is checked and stored.
Model names other than ``openApiTemp``, ``openApiHumi`` and ``openApiConductivity`` (the
vendor's guide shows only those) follow the vendor's pattern: ``openApi`` + the type in
UpperCamelCase.
"""

from __future__ import annotations

import importlib.resources
import tomllib
from dataclasses import dataclass
from typing import Any, ClassVar, Final, Literal

from pydantic import ConfigDict, TypeAdapter

ValueKind = Literal["number", "string", "object"]

GATEWAY_MODEL_ID: Final = "52"
DEVICE_MODEL_ID: Final = "open-api-device-v1.0"
SENSOR_DRIVER: Final = "openApiSensor"
SENSOR_NETWORK: Final = "daliworks"
DEFAULT_REPORT_INTERVAL_MS: Final = 300_000
MAX_DEVICES: Final = 99
# The vendor's catalogue records were made once, long ago; their stamps never change.
CATALOG_TIME: Final = "1495609234518"


@dataclass(frozen=True, slots=True)
class SensorType:
    """One row of ``sensor_types.toml`` (the file says what each field means)."""

    __pydantic_config__: ClassVar[ConfigDict] = ConfigDict(extra="forbid")

    id: str
    kind: ValueKind
    unit: str
    data_type: Literal["series", "event"] = "series"
    name: str | None = None
    model_name: str | None = None

    @property
    def model(self) -> str:
        return self.model_name or "openApi" + "".join(
            part[:1].upper() + part[1:] for part in self.id.split("-")
        )

    @property
    def display_name(self) -> str:
        if self.name is not None:
            return self.name
        words: list[str] = []
        for char in self.id.replace("-", " "):
            if char.isupper() and words and words[-1] != " ":
                words.append(" ")
            words.append(char)
        text = "".join(words)
        return text[:1].upper() + text[1:]


def read_sensor_type(type_id: str, fields: dict[str, Any]) -> SensorType:
    """A row of ``sensor_types.toml``, checked: a kind or data type it does not know, or a
    field it does not have, fails naming the row."""
    row = {"id": type_id, **fields}
    row["model_name"] = row.pop("model", None)
    return _SENSOR_TYPE.validate_python(row)


def _read_sensor_types() -> tuple[SensorType, ...]:
    text = importlib.resources.files(__package__).joinpath("sensor_types.toml").read_text("utf-8")
    return tuple(read_sensor_type(*row) for row in tomllib.loads(text).items())


_SENSOR_TYPE = TypeAdapter(SensorType)
# Read at import: a typo in the file fails the start, not a later answer.
SENSOR_TYPES: Final[tuple[SensorType, ...]] = _read_sensor_types()
SENSOR_TYPES_BY_ID: Final = {sensor_type.id: sensor_type for sensor_type in SENSOR_TYPES}
# The model's sensor entries, by (driverName, type): what a registration must match.
MODEL_SENSORS: Final = {
    (SENSOR_DRIVER, sensor_type.id): sensor_type for sensor_type in SENSOR_TYPES
}


def sensor_type_record(sensor_type: SensorType) -> dict[str, Any]:
    return {
        "id": sensor_type.id,
        "name": sensor_type.display_name,
        "unit": sensor_type.unit,
        "type": sensor_type.kind,
        "category": "sensor",
        "chart": {"dataType": sensor_type.data_type},
        "ctime": CATALOG_TIME,
        "mtime": CATALOG_TIME,
    }


def device_model_record() -> dict[str, Any]:
    return {
        "id": DEVICE_MODEL_ID,
        "displayName": "Open API Device",
        "idTemplate": "{gatewayId}-{deviceAddress}",
        "discoverable": "y",
        "sensors": [
            {
                "network": SENSOR_NETWORK,
                "driverName": SENSOR_DRIVER,
                "model": sensor_type.model,
                "type": sensor_type.id,
                "category": "sensor",
            }
            for sensor_type in SENSOR_TYPES
        ],
        "max": MAX_DEVICES,
    }


def gateway_model_record() -> dict[str, Any]:
    """``GET /v2/gatewayModels/52`` as the vendor's guide shows it."""
    unsupported = {"support": "n"}
    return {
        "reportInterval": str(DEFAULT_REPORT_INTERVAL_MS),
        "displayName": "Open API Gateway",
        "id": GATEWAY_MODEL_ID,
        "model": "open-api-gateway-v1.0",
        "deviceModels": [device_model_record()],
        "gatewayIdConfig": "n",
        "mtime": CATALOG_TIME,
        "idFormat": "uuid",
        "vendor": "OPEN API",
        "ctime": CATALOG_TIME,
        "deviceMgmt": {
            "reportInterval": {"show": "y", "change": "y"},
            "DM": {
                name: dict(unsupported)
                for name in ("poweroff", "reboot", "restart", "swUpdate", "swInfo")
            },
        },
    }
