"""Nuheat's notificationsHost: tokens, Subscribe/Unsubscribe, Notify for the own user only."""

from __future__ import annotations

import base64
import logging
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import orjson
import pytest
from starlette.requests import Request
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from homecloud.apis.nuheat.notifications import authenticator, timestamp
from tests.apis.nuheat.homecloud_server import Homecloud, running_homecloud
from tests.identity.person import NUHEAT, machine_token, register_machine_app
from tests.realtime.signalr_peer import Peer, open_peer, refused_status, websocket_url

HUB = "/nuheat/notificationsHost"
AT = 1_767_268_800_000  # 2026-01-01T12:00:00Z


@pytest.fixture
async def homecloud(tmp_path: Path) -> AsyncIterator[Homecloud]:
    async with running_homecloud(tmp_path / "data") as running:
        yield running


def notify(*items: tuple[int, str, int]) -> dict[str, object]:
    """The Notify invocation for (type, id, at_ms) items: one argument, the list."""
    return {
        "type": 1,
        "target": "Notify",
        "arguments": [
            [{"type": kind, "id": rid, "timeStamp": timestamp(at)} for kind, rid, at in items]
        ],
    }


@pytest.mark.parametrize(
    "path",
    ["/nuheat/notificationsHost", "/nuheat/v1/changenotifications", "/nuheat/v2/notificationsHost"],
)
async def test_the_hub_and_its_aliases_negotiate_with_a_token_only(
    homecloud: Homecloud, path: str
) -> None:
    _, token = await homecloud.user_token("ann@example.com")
    async with httpx.AsyncClient(base_url=homecloud.url) as http:
        anonymous = await http.post(f"{path}/negotiate?negotiateVersion=1")
        forged = await http.post(f"{path}/negotiate?negotiateVersion=1&access_token=x.y.z")
        with_header = await http.post(
            f"{path}/negotiate?negotiateVersion=1", headers={"Authorization": f"Bearer {token}"}
        )
        with_token = await http.post(f"{path}/negotiate?token={token}")
    assert anonymous.status_code == 401
    assert anonymous.headers["www-authenticate"] == "Bearer"
    assert anonymous.content == b""
    assert forged.status_code == 401
    assert with_header.status_code == 200
    assert with_header.json()["availableTransports"][0]["transport"] == "WebSockets"
    assert with_token.status_code == 200
    async with open_peer(homecloud.url, path, token) as peer:
        assert (await peer.invoke("Subscribe", ["2"]))["result"] is None
    assert await refused_status(websocket_url(homecloud.url, path)) == 401


async def test_a_token_without_openapi_is_refused(homecloud: Homecloud) -> None:
    _, token = await homecloud.user_token("ann@example.com", scope="openid")
    async with httpx.AsyncClient(base_url=homecloud.url) as http:
        refused = await http.post(f"{HUB}/negotiate", headers={"Authorization": f"Bearer {token}"})
    assert refused.status_code == 403
    assert refused.headers["www-authenticate"].startswith('Bearer error="insufficient_scope"')
    assert await refused_status(websocket_url(homecloud.url, HUB, access_token=token)) == 403


async def test_a_token_without_a_user_is_refused(homecloud: Homecloud) -> None:
    app = await register_machine_app(homecloud.services.database, "nuheat", "openapi")
    async with httpx.AsyncClient(base_url=homecloud.url) as http:
        token = await machine_token(http, NUHEAT.token, app, "openapi")
        refused = await http.post(f"{HUB}/negotiate", headers={"Authorization": f"Bearer {token}"})
    assert refused.status_code == 403


async def test_notify_carries_subscribed_types_of_the_own_user(homecloud: Homecloud) -> None:
    ann, token = await homecloud.user_token("ann@example.com")
    async with open_peer(homecloud.url, HUB, token) as peer:
        assert await peer.invoke("Subscribe", ["2", "4"]) == {
            "type": 3,
            "invocationId": "1",
            "result": None,
        }
        # Published together (as a group change does): one Notify with the subscribed ones.
        await homecloud.publish("schedule", ann, "12345678", AT)
        await homecloud.publish("thermostat", ann, "12345678", AT + 120)
        await homecloud.publish("group", ann, "4711", AT + 1500)
        await homecloud.publish("account", ann, str(ann), AT)
        assert await peer.receive_other_than_ping() == notify(
            (2, "12345678", AT + 120), (4, "4711", AT + 1500)
        )


@pytest.mark.parametrize("path", ["/nuheat/v2/notificationsHost", "/nuheat/V2/NotificationsHost"])
async def test_the_v2_hub_sends_one_notify_per_change_with_the_item_as_argument(
    homecloud: Homecloud, path: str
) -> None:
    # As captured on the live v2 hub: "arguments":[{"type":2,"id":"...","timeStamp":"..."}].
    ann, token = await homecloud.user_token("ann@example.com")
    async with open_peer(homecloud.url, path, token) as peer:
        await peer.invoke("Subscribe", [2, 4])
        await homecloud.publish("thermostat", ann, "12345678", AT)
        await homecloud.publish("group", ann, "4711", AT)
        for kind, rid in ((2, "12345678"), (4, "4711")):
            assert await peer.receive_other_than_ping() == {
                "type": 1,
                "target": "Notify",
                "arguments": [{"type": kind, "id": rid, "timeStamp": timestamp(AT)}],
            }


async def test_no_user_sees_another_users_changes(homecloud: Homecloud) -> None:
    ann, ann_token = await homecloud.user_token("ann@example.com")
    bob, bob_token = await homecloud.user_token("bob@example.com")
    async with (
        open_peer(homecloud.url, HUB, ann_token) as ann_peer,
        open_peer(homecloud.url, HUB, bob_token) as bob_peer,
    ):
        for peer in (ann_peer, bob_peer):
            await peer.invoke("Subscribe", [1, 2, 3, 4])
        await homecloud.publish("thermostat", bob, "BOB00001", AT)
        await homecloud.publish("thermostat", ann, "ANN00001", AT)
        assert await ann_peer.receive_other_than_ping() == notify((2, "ANN00001", AT))
        assert await bob_peer.receive_other_than_ping() == notify((2, "BOB00001", AT))
        await homecloud.publish("account", bob, str(bob), AT)
        await homecloud.publish("group", ann, "7", AT)
        assert await ann_peer.receive_other_than_ping() == notify((4, "7", AT))


async def test_subscriptions_are_counted_per_type(homecloud: Homecloud) -> None:
    ann, token = await homecloud.user_token("ann@example.com")
    async with open_peer(homecloud.url, HUB, token) as peer:
        await peer.invoke("Subscribe", ["2"])
        await peer.invoke("subscribe", [2, 4])  # as ASP.NET, method names ignore case
        await peer.invoke("Unsubscribe", ["2"])
        await _changes(homecloud, peer, ann)
        assert await peer.receive_other_than_ping() == notify((2, "T", AT), (4, "G", AT))
        await peer.invoke("Unsubscribe", [2, "2", "4"])  # one more than subscribed: harmless
        await peer.invoke("Subscribe", ["3"])
        await _changes(homecloud, peer, ann)
        assert await peer.receive_other_than_ping() == notify((3, "S", AT))


async def _changes(homecloud: Homecloud, peer: Peer, owner: int) -> None:
    for kind, rid in (("thermostat", "T"), ("schedule", "S"), ("group", "G")):
        await homecloud.publish(kind, owner, rid, AT)


@pytest.mark.parametrize(
    ("argument", "error"),
    [
        (
            ["9"],
            "HubException: Unknown notification type '9'; the types are 1 (UserAccount), 2 (Thermostat), 3 (Schedule), 4 (Group).",
        ),
        ([2, 0], "HubException: Unknown notification type 0;"),
        (
            "2",
            "InvalidDataException: Error binding arguments. Expected a list of notification type ids",
        ),
        (
            ["two"],
            "InvalidDataException: Error binding arguments. The notification type id 'two' is not a number.",
        ),
        (
            [True],
            "InvalidDataException: Error binding arguments. The notification type id True is not a number.",
        ),
        ([{"type": 2}], "InvalidDataException: Error binding arguments."),
    ],
)
async def test_bad_type_lists_are_refused_whole(
    homecloud: Homecloud, argument: object, error: str
) -> None:
    ann, token = await homecloud.user_token("ann@example.com")
    async with open_peer(homecloud.url, HUB, token) as peer:
        refused = await peer.invoke("Subscribe", argument)
        assert error in refused["error"]
        await peer.invoke("Subscribe", ["4"])
        # The refused list subscribed nothing, not even its valid ids.
        await homecloud.publish("thermostat", ann, "T", AT)
        await homecloud.publish("group", ann, "G", AT)
        assert await peer.receive_other_than_ping() == notify((4, "G", AT))


async def test_a_thermostat_put_notifies_its_owner(homecloud: Homecloud) -> None:
    _, token = await homecloud.user_token("ann@example.com", thermostats=("12345678",))
    async with open_peer(homecloud.url, HUB, token) as peer:
        await peer.invoke("Subscribe", ["2"])
        async with httpx.AsyncClient(base_url=homecloud.url) as http:
            put = await http.put(
                "/nuheat/api/v1/Thermostat",
                json={"serialNumber": "12345678", "setPointTemp": 2400, "scheduleMode": 3},
                headers={"Authorization": f"Bearer {token}"},
            )
        assert put.status_code == 204
        notified = await peer.receive_other_than_ping()
        assert notified["target"] == "Notify"
        assert [(n["type"], n["id"]) for n in notified["arguments"][0]] == [(2, "12345678")]


async def test_a_connection_lasts_as_long_as_its_access_token(homecloud: Homecloud) -> None:
    ann, token = await homecloud.user_token("ann@example.com")
    claims = orjson.loads(base64.urlsafe_b64decode(token.split(".")[1] + "=="))
    request = Request({"type": "http", "headers": [], "query_string": b""})
    caller = await authenticator(homecloud.services)(request, token)
    assert caller.owner_id == ann
    assert caller.expires_at == claims["exp"]
    # (tests/realtime/test_signalr_messages.py shows the connection closing at that time.)


def test_timestamps_are_utc_with_z_and_no_empty_fraction() -> None:
    assert timestamp(AT) == "2026-01-01T12:00:00Z"
    assert timestamp(AT + 120) == "2026-01-01T12:00:00.12Z"
    assert timestamp(AT + 1) == "2026-01-01T12:00:00.001Z"


async def test_a_refused_upgrade_is_one_clean_http_answer(homecloud: Homecloud) -> None:
    """The server's WebSocket implementation answers a refused upgrade as the hub wrote it
    (one Content-Type, one Content-Length) and logs no error for it: monitoring that alerts on
    ERROR lines must not fire on every expired token."""
    errors: list[logging.LogRecord] = []
    handler = logging.Handler(logging.ERROR)
    handler.emit = errors.append  # type: ignore[method-assign]
    server_log = logging.getLogger("uvicorn.error")
    server_log.addHandler(handler)
    try:
        with pytest.raises(InvalidStatus) as refused:
            async with connect(websocket_url(homecloud.url, HUB, access_token="x.y.z")):
                pass
    finally:
        server_log.removeHandler(handler)
    response = refused.value.response
    assert response.status_code == 401
    assert len(response.headers.get_all("Content-Type")) <= 1
    assert len(response.headers.get_all("Content-Length")) == 1
    assert [record.getMessage() for record in errors] == []
