"""Schemathesis against the face's own OpenAPI document (see tests/fuzzing.py), with every
check on: zero 5xx, zero answers that break the document.

The generated calls act on a gateway with a device and a sensor that exist, so the answers
of the operations below ``/v2/gateways/{gateway_id}`` are checked too (random ids would only
ever meet 404)."""

from __future__ import annotations

import hashlib
import uuid
from pathlib import Path

import httpx

from homecloud.core.users import create_user
from homecloud.identity.clients import register_client
from tests.fuzzing import assert_clean, run_schemathesis
from tests.serving import Running, running_homecloud

CONFIG = Path(__file__).with_name("schemathesis.toml")
PASSWORD = "password-1"
SCOPES = "gateway site-read user-profile-read"


async def password_token(homecloud: Running, scope: str = SCOPES) -> str:
    """A new user's token from the face's real token endpoint (password grant, MD5)."""
    name = uuid.uuid4().hex[:8]
    async with homecloud.services.database.session(write=True) as session:
        user = await create_user(session, f"{name}@example.com", PASSWORD, username=name)
        await register_client(
            session,
            face="thingplus",
            name="schemathesis",
            grant_types=("password",),
            scope=scope,
            client_id=f"client-{name}",
            client_secret="client-secret",
            owner_id=user.id,
        )
    async with httpx.AsyncClient(base_url=homecloud.url) as http:
        token = await http.post(
            "/thingplus/v2/oauth2/token",
            json={
                "grant_type": "password",
                "client_id": f"client-{name}",
                "client_secret": "client-secret",
                "username": name,
                "password": hashlib.md5(PASSWORD.encode()).hexdigest(),
            },
        )
    assert token.status_code == 200, token.text
    access_token: str = token.json()["access_token"]
    return access_token


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
        token = await password_token(homecloud)
        ids = await gateway_with_sensor(homecloud, token)
        code, report = await run_schemathesis(
            f"{homecloud.url}/thingplus/swagger/v2/swagger.json",
            headers=[f"Authorization: Bearer {token}"],
            config=config_with(tmp_path, ids),
            cwd=tmp_path,
        )
    assert_clean(code, report)
