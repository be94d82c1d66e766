"""Schemathesis against the face's own OpenAPI document (see tests/fuzzing.py), with every
check on: zero 5xx, zero answers that break the document.

The generated calls act on a gateway with a device and a sensor that exist, so the answers
of the operations below ``/v2/gateways/{gateway_id}`` are checked too (random ids would only
ever meet 404)."""

from __future__ import annotations

import uuid
from pathlib import Path

import httpx

from tests.apis.thingplus.password_grant import password_token
from tests.fuzzing import assert_clean, run_schemathesis
from tests.serving import Running, running_homecloud

CONFIG = Path(__file__).with_name("schemathesis.toml")


async def gateway_with_sensor(homecloud: Running, token: str) -> dict[str, str]:
    """A registered gateway with a device and a temperature sensor: the path parameters."""
    gateway_id = uuid.uuid4().hex
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=homecloud.url + "/thingplus/v2") as http:
        body = {
            "reqId": gateway_id,
            "params": {
                "model": "52",
                "name": "Fuzzed gateway",
                "devices": [{"reqId": "device-1", "name": "Box", "model": "open-api-device-v1.0"}],
                "sensors": [
                    {
                        "reqId": "temp-1",
                        "name": "Temperature",
                        "type": "temperature",
                        "driverName": "openApiSensor",
                        "model": "openApiTemp",
                        "deviceId": "device-1",
                    }
                ],
            },
        }
        registered = await http.post("/registerGateway", json=body, headers=headers)
        assert registered.status_code == 201, registered.text
    return {"gateway_id": gateway_id, "device_id": "device-1", "sensor_id": "temp-1"}


def config_with(tmp_path: Path, parameters: dict[str, str]) -> Path:
    """The face's schemathesis.toml, with the ids every generated call uses."""
    lines = [CONFIG.read_text(), "[parameters]"]
    lines += [f'"path.{name}" = "{value}"' for name, value in parameters.items()]
    config = tmp_path / "schemathesis.toml"
    config.write_text("\n".join(lines) + "\n")
    return config


async def test_every_check_passes_against_the_document(tmp_path: Path) -> None:
    async with running_homecloud(tmp_path / "data") as homecloud:
        async with httpx.AsyncClient(base_url=homecloud.url) as http:
            token = await password_token(http, homecloud.services.database)
        ids = await gateway_with_sensor(homecloud, token)
        code, report = await run_schemathesis(
            f"{homecloud.url}/thingplus/swagger/v2/swagger.json",
            headers=[f"Authorization: Bearer {token}"],
            config=config_with(tmp_path, ids),
            cwd=tmp_path,
        )
    assert_clean(code, report)
