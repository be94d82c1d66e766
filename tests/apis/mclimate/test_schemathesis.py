"""Schemathesis against the face's OpenAPI document, every check on: whatever a
schema-driven client sends gets no 5xx, and every answer conforms to the document. Served
on a real socket, with a user owning one controller of each type."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import httpx

from homecloud.apis.mclimate.provision import add_controller
from homecloud.apis.mclimate.settings import MClimateSettings
from homecloud.app import create_app
from homecloud.core import migrations
from homecloud.core.users import create_user
from homecloud.services import Services
from homecloud.settings import Settings
from tests.apis.mclimate.conftest import PASSWORD, PUBLIC_PAIR
from tests.conftest import free_port
from tests.realtime.serving import serving

SCHEMATHESIS = Path(sys.executable).parent / "schemathesis"
MAX_EXAMPLES = 25
CONFIG = Path(__file__).with_name("schemathesis.toml")


async def test_every_check_passes_against_the_document(tmp_path: Path) -> None:
    port = free_port()
    unlimited = "1000000/1m"
    settings = Settings(
        data_dir=tmp_path / "data",
        port=port,
        host="127.0.0.1",
        mclimate=MClimateSettings(
            simulation=False, client_rate_limit=unlimited, token_rate_limit=unlimited
        ),
    )
    services = Services.from_settings(settings)
    await migrations.upgrade(services.database)
    async with services.database.session(write=True) as session:
        user = await create_user(session, "sam@example.com", PASSWORD)
        for kind in ("melissa", "bobbie", "smart_plug", "vicki"):
            await add_controller(session, user.id, kind, f"{kind.upper()}1")
    async with serving(create_app(settings, services), lifespan="on", port=port) as url:
        async with httpx.AsyncClient(base_url=url) as http:
            login = await http.post(
                "/mclimate/v1/auth/login",
                data={**PUBLIC_PAIR, "username": "sam@example.com", "password": PASSWORD},
            )
            swagger = await http.get("/mclimate/swagger")
        assert swagger.status_code == 200
        assert "swagger-ui-bundle.js" in swagger.text
        token = login.json()["auth"]["access_token"]
        run = await asyncio.create_subprocess_exec(
            *(str(SCHEMATHESIS), "--config-file", str(CONFIG)),
            *("run", f"{url}/mclimate/swagger/v1/swagger.json"),
            *("--checks", "all", "--max-examples", str(MAX_EXAMPLES), "--seed", "12"),
            *("--header", f"Authorization: Bearer {token}", "--no-color"),
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
            cwd=tmp_path,
        )
        output, _ = await run.communicate()
    await services.close()
    report = output.decode()
    assert run.returncode == 0, report
    summary = report.rsplit("Test cases:", 1)[-1]
    assert " generated, " in summary, report
    assert "failure" not in summary, report
    assert "Rate limited" not in report, report
