"""The catalogue homecloud serves: the Open API Gateway (model 52), its device model and the 63
sensor types of its device model, as the vendor's registered-model table lists them.

Values travel as strings for numeric types and as objects for ``location`` and
``accelerometer``; ``kind`` says which, and how a value of the type is checked and stored.
Model names other than ``openApiTemp``, ``openApiHumi`` and ``openApiConductivity`` (the
vendor's guide shows only those) follow the vendor's pattern: ``openApi`` + the type in
UpperCamelCase.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final, Literal

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
    id: str
    kind: ValueKind
    unit: str
    # "event" types (a door opening) are drawn as events, the others as a series.
    data_type: Literal["series", "event"] = "series"

    @property
    def model(self) -> str:
        return MODEL_NAMES.get(self.id) or "openApi" + "".join(
            part[:1].upper() + part[1:] for part in self.id.split("-")
        )

    @property
    def display_name(self) -> str:
        if self.id in DISPLAY_NAMES:
            return DISPLAY_NAMES[self.id]
        words: list[str] = []
        for char in self.id.replace("-", " "):
            if char.isupper() and words and words[-1] != " ":
                words.append(" ")
            words.append(char)
        text = "".join(words)
        return text[:1].upper() + text[1:]


MODEL_NAMES: Final = {"temperature": "openApiTemp", "humidity": "openApiHumi"}
DISPLAY_NAMES: Final = {
    "co2": "CO2",
    "co": "CO",
    "voc": "VOC",
    "no2": "NO2",
    "ph": "pH",
    "rssi": "RSSI",
    "onoff": "On/Off",
    "ultraviolet-b": "Ultraviolet-B",
    "dslvAmmonia": "Dissolved Ammonia",
    "dslvOxygen": "Dissolved Oxygen (mg/L)",
}

SENSOR_TYPES: Final[tuple[SensorType, ...]] = (
    SensorType("temperature", "number", "°C"),
    SensorType("humidity", "number", "%"),
    SensorType("light", "number", "lux"),
    SensorType("noise", "number", "dB"),
    SensorType("onoff", "number", "", "event"),
    SensorType("motion", "number", "", "event"),
    SensorType("door", "number", "", "event"),
    SensorType("parkingStatus", "number", "", "event"),
    SensorType("co2", "number", "ppm"),
    SensorType("co", "number", "ppm"),
    SensorType("voc", "number", "ppm"),
    SensorType("power", "number", "kWh"),
    SensorType("electricPower", "number", "W"),
    SensorType("powerControllerState", "number", ""),
    SensorType("powerFactor", "number", "pf"),
    SensorType("wattage", "number", "W"),
    SensorType("voltage", "number", "V"),
    SensorType("current", "number", "A"),
    SensorType("dust", "number", "µg/m³"),
    SensorType("count", "number", "ea"),
    SensorType("countEvent", "number", "ea", "event"),
    SensorType("weight", "number", "g"),
    SensorType("color", "string", ""),
    SensorType("vibration", "number", "V"),
    SensorType("speed", "number", "m/s"),
    SensorType("accelerometer", "object", "m/s²"),
    SensorType("string", "string", ""),
    SensorType("number", "number", ""),
    SensorType("pressure", "number", "bar"),
    SensorType("rotaryAngle", "number", "°"),
    SensorType("powerSwitch", "number", ""),
    SensorType("batteryGauge", "number", "%"),
    SensorType("percent", "number", "%"),
    SensorType("rssi", "number", "dBm"),
    SensorType("distance", "number", "m"),
    SensorType("stepCount", "number", "steps"),
    SensorType("sleepStage", "number", ""),
    SensorType("tag", "string", "", "event"),
    SensorType("reader", "string", "", "event"),
    SensorType("windVane", "number", "°"),
    SensorType("windSpeed", "number", "m/s"),
    SensorType("rain", "number", "mm/min"),
    SensorType("soilTemperature", "number", "°C"),
    SensorType("soilMoisture", "number", "%"),
    SensorType("ultraviolet-b", "number", "UV index"),
    SensorType("timeDuration", "number", "sec", "event"),
    SensorType("solarRadiation", "number", "W/m²"),
    SensorType("electricEnergy", "number", "kWh"),
    SensorType("state", "string", ""),
    SensorType("ph", "number", "pH"),
    SensorType("strain", "number", "um/m"),
    SensorType("volume", "number", "L"),
    SensorType("dissolvedOxygen", "number", "ppm"),
    SensorType("conductivity", "number", "µS/cm"),
    SensorType("location", "object", ""),
    SensorType("no2", "number", "ppm"),
    SensorType("nitrite", "number", "mg/L"),
    SensorType("dslvAmmonia", "number", "mg/L"),
    SensorType("turbidity", "number", "NTU"),
    SensorType("dslvOxygen", "number", "mg/L"),
    SensorType("concentration", "number", "%"),
    SensorType("formaldehyde", "number", "ppm"),
    SensorType("methane", "number", "ppm"),
)
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
