"""Schemathesis against the face's own OpenAPI document (see tests/fuzzing.py), and the
Swagger UI that serves it."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import httpx

from homecloud.apis.ckw import service
from homecloud.apis.ckw.settings import CkwSettings
from homecloud.core.unit_of_work import UnitOfWork
from homecloud.core.users import create_user
from tests.apis.ckw.conftest import PASSWORD, code_flow_tokens, local_ms
from tests.fuzzing import assert_clean, run_schemathesis
from tests.serving import running_homecloud

CONFIG = Path(__file__).with_name("schemathesis.toml")


async def test_every_check_passes_against_the_document(tmp_path: Path) -> None:
    # A limit schemathesis never reaches: a 429 would leave calls untested.
    settings = CkwSettings(simulation=False, rate_limit="100000/1s")
    async with running_homecloud(tmp_path / "data", ckw=settings) as homecloud:
        database = homecloud.services.database
        async with database.session(write=True) as session:
            user = await create_user(session, "sam@example.com", PASSWORD, username="sam")
        async with UnitOfWork.begin(database, homecloud.services.events) as work:
            await service.provision_customer(
                work, user.id, valid_from_ms=local_ms(date(2024, 1, 1)), with_pv=True, seed=None
            )
        async with httpx.AsyncClient(base_url=homecloud.url) as http:
            tokens = await code_flow_tokens(http, database, "sam")
            swagger = await http.get("/ckw/swagger")
            assert swagger.status_code == 200
            assert "swagger-ui" in swagger.text
            document = (await http.get("/ckw/swagger/v1/swagger.json")).json()
        assert set(document["paths"]) == {"/api/v1/core-data", "/api/v1/meter-data"}
        parameters = {
            parameter["name"]
            for parameter in document["paths"]["/api/v1/meter-data"]["get"]["parameters"]
        }
        assert parameters == {
            "metering_point_id",
            "installation_id",
            "start_timestamp",
            "end_timestamp",
            "resolution",
        }
        code, report = await run_schemathesis(
            f"{homecloud.url}/ckw/swagger/v1/swagger.json",
            headers=[f"Authorization: Bearer {tokens['access_token']}"],
            config=CONFIG,
            cwd=tmp_path,
        )
    assert_clean(code, report)
