"""Events to connections: owner-only routing, batching, one bus subscription, slow consumers."""

from __future__ import annotations

from contextlib import AsyncExitStack

import pytest
from websockets.asyncio.client import connect

from homecloud.realtime.redis_bus import RedisBus
from tests.realtime.conftest import HubServer, running_hub
from tests.realtime.signalr_peer import Peer, eventually, negotiate, open_peer, websocket_url


async def test_events_reach_only_their_owners_connections_batched_per_turn(
    hub_server: HubServer,
) -> None:
    async with (
        open_peer(hub_server.url, "/hub", "ann") as ann_phone,
        open_peer(hub_server.url, "/hub", "ann") as ann_tablet,
        open_peer(hub_server.url, "/hub", "bob") as bob,
    ):
        await hub_server.publish(owner=1, resource_id="a")
        await hub_server.publish(owner=1, resource_id="b")
        await hub_server.publish(owner=2, resource_id="c")
        expected_ann = {"type": 1, "target": "Changed", "arguments": [["a", "b"]]}
        assert await ann_phone.receive_other_than_ping() == expected_ann
        assert await ann_tablet.receive_other_than_ping() == expected_ann
        assert await bob.receive_other_than_ping() == {
            "type": 1,
            "target": "Changed",
            "arguments": [["c"]],
        }
        # Nothing of ann's went to bob: his next message is the answer to his own call.
        assert (await bob.invoke("Echo", "mine"))["result"] == "mine"


async def test_one_bus_subscription_serves_every_connection(hub_server: HubServer) -> None:
    assert hub_server.bus.subscriber_count == 0
    async with AsyncExitStack() as stack:
        for _ in range(5):
            await stack.enter_async_context(open_peer(hub_server.url, "/hub", "ann"))
        assert hub_server.hub.connection_count == 5
        assert hub_server.bus.subscriber_count == 1
    await hub_server.idle()
    await eventually(lambda: hub_server.bus.subscriber_count == 0)


async def test_a_connection_that_falls_behind_is_closed_with_reconnect_allowed(
    hub_server: HubServer,
) -> None:
    async with (
        open_peer(hub_server.url, "/hub", "ann") as slow,
        open_peer(hub_server.url, "/hub", "bob") as other,
    ):
        # Twenty messages in one turn, more than the send queue (8) holds.
        for number in range(20):
            await hub_server.publish(owner=1, resource_id=str(number), kind="burst")
        await hub_server.publish(owner=2, resource_id="fine")
        close = await _first_close(slow)
        assert close == {
            "type": 7,
            "error": "Connection closed with an error. The client does not read its messages "
            "fast enough.",
            "allowReconnect": True,
        }
        assert await slow.closed()
        # Other connections are not affected.
        assert (await other.receive_other_than_ping())["arguments"] == [["fine"]]


@pytest.mark.redis
async def test_two_processes_behave_as_one_hub_through_redis(redis_url: str) -> None:
    bus_a, bus_b = RedisBus(redis_url), RedisBus(redis_url)
    try:
        async with running_hub(bus_a) as process_a, running_hub(bus_b) as process_b:
            # Negotiated with one process, connected to the other: no sticky sessions needed.
            token = (await negotiate(process_a.url, "/hub", "ann"))["connectionToken"]
            url = websocket_url(process_b.url, "/hub", id=token, access_token="ann")
            async with connect(url) as websocket:
                peer = Peer(websocket)
                await peer.handshake()
                # Connecting to Redis and the round trip through it may outlast the test hub's
                # 1.5 s client timeout on a loaded machine: the peer pings meanwhile.
                async with peer.keeping_alive():
                    await bus_b.start()  # process b's subscription now holds in Redis
                    await process_a.publish(owner=1, resource_id="changed-in-a")
                    assert await peer.receive_other_than_ping() == {
                        "type": 1,
                        "target": "Changed",
                        "arguments": [["changed-in-a"]],
                    }
    finally:
        await bus_a.close()
        await bus_b.close()


async def _first_close(peer: Peer) -> dict[str, object]:
    while True:
        message = await peer.receive()
        if message["type"] == 7:
            return message
