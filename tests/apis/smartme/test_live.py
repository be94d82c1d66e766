"""On a real socket: the Date header clients compute a reading's age from, and the
simulation running in the server's background."""

from __future__ import annotations

import asyncio
import base64
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from pathlib import Path

import httpx
import pytest

from homecloud.apis.smartme.demo import add_simulated_meter
from homecloud.apis.smartme.families import WATER
from homecloud.apis.smartme.settings import SmartMeSettings
from homecloud.core.events import InProcessBus
from homecloud.core.unit_of_work import UnitOfWork
from homecloud.core.users import create_user
from tests.apis.smartme.conftest import PASSWORD
from tests.serving import running_homecloud


@pytest.mark.slow
async def test_a_correct_date_header_and_meters_that_report_in_the_background(
    tmp_path: Path,
) -> None:
    settings = SmartMeSettings(report_interval=1, webhook_delivery=False)
    async with running_homecloud(tmp_path / "data", smartme=settings) as homecloud:
        started = datetime.now(UTC)
        async with UnitOfWork.begin(homecloud.services.database, InProcessBus()) as work:
            session = await work.session()
            user = await create_user(session, "sam@example.com", PASSWORD, username="sam")
            meter = await add_simulated_meter(work, user.id, WATER, at=started)
        basic = base64.b64encode(f"sam:{PASSWORD}".encode()).decode()
        headers = {"Authorization": f"Basic {basic}"}
        async with httpx.AsyncClient(base_url=homecloud.url, headers=headers) as http:
            response = await http.get(f"/smartme/Devices/{meter.guid}")
            assert response.status_code == 200
            assert len(response.headers.get_list("date")) == 1
            date = parsedate_to_datetime(response.headers["date"])
            assert abs(date - datetime.now(UTC)) < timedelta(minutes=5)
            first = response.json()["ValueDate"]
            # The simulation reports once a second; wait (generously) for a newer reading.
            for _ in range(200):
                await asyncio.sleep(0.1)
                latest = (await http.get(f"/smartme/Devices/{meter.guid}")).json()["ValueDate"]
                if latest != first:
                    break
            assert latest > first
            value_date = datetime.fromisoformat(latest[:26] + "+00:00")
            assert value_date >= started
