"""Schemathesis against the face's own OpenAPI document (see tests/fuzzing.py): zero 5xx,
every answer conforming, every check on."""

from __future__ import annotations

import base64
from pathlib import Path

from homecloud.apis.smartme.demo import add_simulated_meter
from homecloud.apis.smartme.families import SIMULATED
from homecloud.apis.smartme.settings import SmartMeSettings
from homecloud.core.events import InProcessBus
from homecloud.core.unit_of_work import UnitOfWork
from homecloud.core.users import create_user
from tests.apis.smartme.conftest import AT, PASSWORD
from tests.fuzzing import assert_clean, run_schemathesis
from tests.serving import running_homecloud

CONFIG = Path(__file__).with_name("schemathesis.toml")


async def test_every_check_passes_against_the_document(tmp_path: Path) -> None:
    quiet = SmartMeSettings(simulation=False, webhook_delivery=False)
    async with running_homecloud(tmp_path / "data", smartme=quiet) as homecloud:
        async with UnitOfWork.begin(homecloud.services.database, InProcessBus()) as work:
            session = await work.session()
            user = await create_user(session, "sam@example.com", PASSWORD, username="sam")
            for family in SIMULATED:
                await add_simulated_meter(work, user.id, family, at=AT)
        basic = base64.b64encode(f"sam:{PASSWORD}".encode()).decode()
        code, report = await run_schemathesis(
            f"{homecloud.url}/smartme/swagger/v1/swagger.json",
            headers=[f"Authorization: Basic {basic}"],
            config=CONFIG,
            cwd=tmp_path,
        )
    assert_clean(code, report)
