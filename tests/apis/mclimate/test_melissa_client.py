"""Home Assistant's MClimate client library, py-melissa-climate (the version it pins),
against homecloud on a real socket with only its base URL changed: sign in with the built-in
client pair, list controllers and geofences, fetch live data, send a command as Home
Assistant does (its whole command_log back, temperatures as floats), read command_log back.
Both its asyncio client (what Home Assistant runs) and its threaded one."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import melissa
import melissa.async_wrapper
import melissa.wrapper
import pytest
from melissa.exceptions import ApiException

from homecloud.apis.mclimate import repository
from homecloud.apis.mclimate.demo import geofence
from homecloud.apis.mclimate.provision import add_controller
from homecloud.core.database import Database
from homecloud.core.users import create_user
from tests.conftest import LiveServer

PASSWORD = "password-1"
AC, BOILER, PLUG = "GCXV6958POH3", "RVO415306BLF4", "PLG000000001"

# The library builds every URL from this module constant (plain http, as the vendor's own).
pytestmark = pytest.mark.filterwarnings(
    # The library calls datetime.utcnow(), deprecated since Python 3.12.
    "ignore:datetime.datetime.utcnow:DeprecationWarning"
)


async def seed(server: LiveServer) -> None:
    database = Database(server.settings.effective_database_url)
    try:
        async with database.session(write=True) as session:
            user = await create_user(session, "ha@example.com", PASSWORD)
            ac = await add_controller(session, user.id, "melissa", AC, seed=3)
            await add_controller(session, user.id, "bobbie", BOILER, seed=3)
            await add_controller(session, user.id, "smart_plug", PLUG, seed=3)
            await repository.add_record(
                session, user.id, repository.GEOFENCE, ac.id, geofence(user.id, AC)
            )
    finally:
        await database.dispose()


@pytest.fixture
def base_url(live_server: LiveServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The library pointed at homecloud: its base URL, and nothing else, changed."""
    asyncio.run(seed(live_server))
    url = live_server.url + "/mclimate/v1/%s"
    for module in (melissa, melissa.async_wrapper, melissa.wrapper):
        monkeypatch.setattr(module, "MELISSA_URL", url)
    return url


async def close(client: melissa.AsyncMelissa) -> None:
    """The library opens its aiohttp session without owning the connector: both closed."""
    connector = client.session.connector
    await client.session.close()
    if connector is not None:
        await connector.close()


# On a refused command the library builds its exception from ``req.text()`` without awaiting
# it (its own bug): the coroutine it leaves behind is reported when collected.
@pytest.mark.filterwarnings("ignore:coroutine 'ClientResponse.text' was never awaited")
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
async def test_home_assistants_flows_with_the_async_client(base_url: str) -> None:
    client = melissa.AsyncMelissa(username="ha@example.com", password=PASSWORD)
    try:
        await client.async_connect()
        assert client.token_type == "Bearer"
        assert len(client.access_token) == 40
        assert client.refresh_token  # Home Assistant's config flow requires one
        devices = await client.async_fetch_devices()
        assert set(devices) == {AC, BOILER, PLUG}
        assert devices[AC]["type"] == "melissa"
        assert {"temp", "humidity"} <= set(devices[AC]["controller_log"])
        geofences = await client.async_fetch_geofences()
        assert geofences[AC]["enter_command_name"] == "send_ir_code"
        status = await client.async_status(cached=False)
        # The library polls only melissa and bobbie.
        assert set(status) == {AC, BOILER}
        assert {"temp", "humidity"} <= set(status[AC])
        assert status[BOILER]["relay_state"] == 1
        settings = await client.async_cur_settings(AC)
        command_log = settings["controller"]["_relation"]["command_log"]
        assert set(command_log) == {"state", "mode", "temp", "fan"}
        # Home Assistant: set_temperature(25) on cool, fan high, sending its whole copy back.
        wanted = {**command_log, "state": 1, "mode": 3, "temp": 25.0, "fan": 3}
        assert await client.async_send(AC, "melissa", wanted) is True
        after = await client.async_cur_settings(AC)
        assert after["controller"]["_relation"]["command_log"] == {
            "state": 1,
            "mode": 3,
            "temp": 25,
            "fan": 3,
        }
        assert await client.async_send(BOILER, "bobbie", {"state": "off"}) is True
        assert (await client.async_status(cached=False))[BOILER]["relay_state"] == 0
        with pytest.raises(ApiException):
            await client.async_send(AC, "melissa", {"temp": 40})
    finally:
        await close(client)


async def test_a_wrong_password_is_refused_as_home_assistant_expects(base_url: str) -> None:
    client = melissa.AsyncMelissa(username="ha@example.com", password="wrong")
    try:
        with pytest.raises(ApiException) as refused:
            await client.async_connect()
        assert refused.value.args[1] == 401
    finally:
        await close(client)


def test_the_threaded_client(base_url: str) -> None:
    client = melissa.Melissa(username="ha@example.com", password=PASSWORD)
    devices = client.fetch_devices()
    assert AC in devices
    assert AC in client.fetch_geofences()
    assert set(client.status()) == {AC, BOILER}
    assert client.send(AC, "melissa", {"state": 1, "mode": 2, "temp": 21, "fan": 1}) is True
    log = client.cur_settings(AC)["controller"]["_relation"]["command_log"]
    assert log == {"state": 1, "mode": 2, "temp": 21, "fan": 1}
    assert client.send(AC, "melissa", {"temp": 99}) is False
