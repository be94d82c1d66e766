"""With ``nuheat.v1_schedule_blocked`` the v1 Schedule endpoints answer 405, as the vendor's
service has since it disabled them; the rest of the API is unchanged."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from homecloud.settings import Settings
from tests.apis.nuheat.conftest import UserMaker


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data", nuheat={"v1_schedule_blocked": True})


async def test_every_v1_schedule_endpoint_is_405(
    face: httpx.AsyncClient, make_user: UserMaker
) -> None:
    account = await make_user(thermostats=1)
    url = "/nuheat/api/v1/Schedule"
    for method, path in (("GET", url), ("GET", f"{url}/{account.serials[0]}"), ("PUT", url)):
        response = await face.request(
            method, path, headers=account.auth, json={"serialNumber": account.serials[0]}
        )
        assert response.status_code == 405, path
        assert response.json()["messages"]
    # Whatever the body: the endpoint is off, not the request wrong.
    malformed = await face.put(url, headers=account.auth, content=b"{not json")
    assert malformed.status_code == 405
    assert (await face.get(url)).status_code == 401  # the token is still checked first
    thermostats = await face.get("/nuheat/api/v1/Thermostat", headers=account.auth)
    assert thermostats.status_code == 200
