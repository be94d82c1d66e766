"""The JSON hub protocol after connect: handshake, invocations, pings, closes, bad input."""

from __future__ import annotations

import asyncio

import pytest
from websockets.exceptions import ConnectionClosed

from tests.realtime.conftest import HubServer
from tests.realtime.signalr_peer import Peer, open_peer


async def test_handshake_errors_are_answered_then_the_socket_closes(hub_server: HubServer) -> None:
    cases = {
        '{"protocol":"messagepack","version":1}\x1e': "Requested protocol 'messagepack' is not available.",
        '{"protocol":"json","version":3}\x1e': "The server does not support version 3 of the 'json' protocol.",
        '{"protocol":"json"}\x1e': "Missing required property 'version'.",
        "not json\x1e": "The message is not valid JSON",
    }
    for request, error in cases.items():
        async with open_peer(hub_server.url, "/hub", "ann", handshake=False) as peer:
            await peer.send_raw(request)
            assert (await peer.receive())["error"].startswith(error)
            assert await peer.closed()


async def test_every_version_up_to_two_is_accepted_as_asp_net_does(hub_server: HubServer) -> None:
    for version in (0, 1, 2):
        async with open_peer(hub_server.url, "/hub", "ann", handshake=False) as peer:
            await peer.send_raw(f'{{"protocol":"json","version":{version}}}\x1e')
            assert await peer.receive() == {}
            await peer.send_raw('{"type":1,"invocationId":"a","target":"Echo","arguments":[1]}\x1e')
            assert await peer.receive() == {"type": 3, "invocationId": "a", "result": 1}


async def test_a_silent_client_is_dropped_without_a_handshake_answer(hub_server: HubServer) -> None:
    async with open_peer(hub_server.url, "/hub", "ann", handshake=False) as peer:
        assert await peer.closed()


async def test_no_ping_comes_before_the_handshake_answer(hub_server: HubServer) -> None:
    async with open_peer(hub_server.url, "/hub", "ann", handshake=False) as peer:
        await asyncio.sleep(0.5)  # longer than the ping interval, shorter than the handshake's
        await peer.handshake()  # the first record is the handshake answer
        assert await peer.receive() == {"type": 6}


async def test_a_handshake_trickling_in_past_the_timeout_is_dropped(hub_server: HubServer) -> None:
    async with open_peer(hub_server.url, "/hub", "ann", handshake=False) as peer:
        # A byte every 0.1 s for up to 3 s: the 1 s handshake timeout ends it midway.
        with pytest.raises(ConnectionClosed):
            await trickle(peer, '{"protocol":"json","version":1}\x1e')


async def trickle(peer: Peer, text: str) -> None:
    for byte in text:
        await peer.send_raw(byte)
        await asyncio.sleep(0.1)


async def test_records_may_share_and_span_frames(hub_server: HubServer) -> None:
    async with open_peer(hub_server.url, "/hub", "ann", handshake=False) as peer:
        # Handshake and an invocation in one frame, a second invocation split over two.
        await peer.send_raw(
            '{"protocol":"json","version":1}\x1e'
            '{"type":1,"invocationId":"a","target":"Echo","arguments":[1]}\x1e{"type":1,'
        )
        await peer.send_raw(b'"invocationId":"b","target":"Echo","arguments":[2]}\x1e')
        assert await peer.receive() == {}
        assert await peer.receive() == {"type": 3, "invocationId": "a", "result": 1}
        assert await peer.receive() == {"type": 3, "invocationId": "b", "result": 2}


async def test_invocations_and_their_completions(hub_server: HubServer) -> None:
    async with open_peer(hub_server.url, "/hub", "ann") as peer:
        assert await peer.invoke("Echo", {"a": [1, "x"]}) == {
            "type": 3,
            "invocationId": "1",
            "result": {"a": [1, "x"]},
        }
        # Method names match case-insensitively, as ASP.NET resolves them.
        assert (await peer.invoke("echo", None))["result"] is None
        assert await peer.invoke("Remember", "one") == {
            "type": 3,
            "invocationId": "3",
            "result": None,
        }


@pytest.mark.parametrize(
    ("target", "arguments", "error"),
    [
        ("Nope", [], "Unknown hub method 'Nope'"),
        (
            "Echo",
            [1, 2],
            "Failed to invoke 'Echo' due to an error on the server. InvalidDataException: "
            "Invocation provides 2 argument(s) but target expects 1.",
        ),
        (
            "Remember",
            [5],
            "Failed to invoke 'Remember' due to an error on the server. InvalidDataException: "
            "Error binding arguments. Expected a string.",
        ),
        (
            "Refuse",
            [],
            "An unexpected error occurred invoking 'Refuse' on the server. HubException: Not today.",
        ),
        ("Crash", [], "An unexpected error occurred invoking 'Crash' on the server."),
    ],
)
async def test_failed_invocations_complete_with_an_error(
    hub_server: HubServer, target: str, arguments: list[object], error: str
) -> None:
    async with open_peer(hub_server.url, "/hub", "ann") as peer:
        completion = await peer.invoke(target, *arguments)
        assert completion == {"type": 3, "invocationId": "1", "error": error}
        # The connection lives on.
        assert (await peer.invoke("Echo", "still here"))["result"] == "still here"


async def test_streams_are_refused_per_invocation(hub_server: HubServer) -> None:
    async with open_peer(hub_server.url, "/hub", "ann") as peer:
        await peer.send(
            {"type": 4, "invocationId": "s", "target": "Echo", "arguments": [1]},
            {
                "type": 1,
                "invocationId": "t",
                "target": "Echo",
                "arguments": [1],
                "streamIds": ["9"],
            },
        )
        streamed = await peer.receive_other_than_ping()
        assert streamed["error"] == (
            "The client attempted to invoke the non-streaming 'Echo' method with a streaming invocation."
        )
        uploaded = await peer.receive_other_than_ping()
        assert uploaded["error"].endswith("Client sent 1 stream(s), Hub method expects 0.")


async def test_fire_and_forget_gets_no_completion(hub_server: HubServer) -> None:
    async with open_peer(hub_server.url, "/hub", "ann") as peer:
        await peer.send(
            {"type": 1, "target": "Remember", "arguments": ["quiet"]},
            {"type": 1, "target": "Nope", "arguments": []},
            {"type": 99, "whatever": True},  # a future message type: ignored
            {"type": 1, "invocationId": "x", "target": "Echo", "arguments": ["after"]},
        )
        assert await peer.receive_other_than_ping() == {
            "type": 1,
            "target": "Remembered",
            "arguments": [["quiet"]],
        }
        assert (await peer.receive_other_than_ping())["result"] == "after"


async def test_an_idle_server_pings_and_a_silent_client_times_out(hub_server: HubServer) -> None:
    async with open_peer(hub_server.url, "/hub", "ann") as peer:
        assert await peer.receive() == {"type": 6}
        # The client says nothing for client_timeout: the server gives up on it.
        close = await peer.receive_other_than_ping()
        assert close == {
            "type": 7,
            "error": "Server timeout elapsed without receiving a message from the client.",
        }
        assert await peer.closed()


async def test_client_pings_keep_the_connection(hub_server: HubServer) -> None:
    async with open_peer(hub_server.url, "/hub", "ann") as peer:
        for _ in range(10):  # 2 s of pings, past the 1.5 s client timeout
            await peer.send({"type": 6})
            assert await peer.receive() == {"type": 6}
        assert (await peer.invoke("Echo", 1))["result"] == 1


async def test_the_connection_closes_when_its_token_expires(hub_server: HubServer) -> None:
    async with open_peer(hub_server.url, "/hub", "brief") as peer:
        close = await peer.receive_other_than_ping()
        assert close == {"type": 7, "error": "The access token expired.", "allowReconnect": True}
        assert await peer.closed()


async def test_a_client_close_ends_the_connection(hub_server: HubServer) -> None:
    async with open_peer(hub_server.url, "/hub", "ann") as peer:
        await peer.send({"type": 7})
        assert await peer.closed()
    await hub_server.idle()


async def test_a_fault_of_the_hub_closes_only_that_connection(hub_server: HubServer) -> None:
    async with (
        open_peer(hub_server.url, "/hub", "ann") as faulty,
        open_peer(hub_server.url, "/hub", "ann") as other,
    ):
        await faulty.send({"type": 1, "invocationId": "1", "target": "Opaque", "arguments": []})
        assert await faulty.receive_other_than_ping() == {
            "type": 7,
            "error": "Connection closed with an error.",
        }
        assert await faulty.closed()
        assert (await other.invoke("Echo", "fine"))["result"] == "fine"


@pytest.mark.parametrize(
    ("frame", "error"),
    [
        ("[1,2]\x1e", "The message is not a JSON object."),
        ('{"type":1,"target":"Echo"}\x1e', "Missing required property 'arguments'."),
        ('{"type":1,"arguments":[]}\x1e', "Missing required property 'target'."),
        ('{"type":"1"}\x1e', "Missing required property 'type'."),
        (
            '{"type":1,"invocationId":5,"target":"Echo","arguments":[]}\x1e',
            "Expected 'invocationId'",
        ),
        ("{\x1e", "The message is not valid JSON"),
        ("x" * 40_000, "The maximum message size of 32768 characters was exceeded."),
        (b"\xff\xfe\x1e", "The message is not valid UTF-8."),
    ],
)
async def test_a_malformed_message_closes_with_an_error(
    hub_server: HubServer, frame: str | bytes, error: str
) -> None:
    async with open_peer(hub_server.url, "/hub", "ann") as peer:
        await peer.send_raw(frame)
        close = await peer.receive_other_than_ping()
        assert close["type"] == 7
        assert close["error"].startswith(
            "Connection closed with an error. InvalidDataException: " + error
        )
        assert await peer.closed()
    await hub_server.idle()
