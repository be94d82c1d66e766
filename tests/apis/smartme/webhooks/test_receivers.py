"""Receiver URLs: the URL rules, the address rules on the URL, after DNS resolution at
registration and at every connection, and on redirects."""

from __future__ import annotations

import pytest

from homecloud.apis.smartme.webhooks.receivers import (
    AddressPolicy,
    GuardedBackend,
    ReceiverRefused,
    RefusedConnection,
    check_receiver_url,
    parse_receiver_url,
)
from homecloud.apis.smartme.webhooks.sender import Sender, retry_after_seconds

from .receiver import running_receiver

PUBLIC = "93.184.215.14"


def resolver(names: dict[str, list[str]]) -> AddressPolicy:
    async def resolve(host: str, port: int) -> list[str]:
        if host not in names:
            raise OSError("no such host")
        return names[host]

    return AddressPolicy(allow_private=False, resolver=resolve)


class LoopbackStandsInForPublic(AddressPolicy):
    """The default rules, except that 127.0.0.1 counts as public: the test receiver runs
    there, standing in for a host on the internet."""

    def check_address(self, host: str, text: str) -> None:
        if text != "127.0.0.1":
            super().check_address(host, text)


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("", "required"),
        ("ftp://example.com/hook", "http or https"),
        ("javascript:alert(1)", "http or https"),
        ("https://user:pw@example.com/hook", "credentials"),
        ("https://user@example.com/hook", "credentials"),
        ("https:///hook", "no host"),
        ("https://example.com:0/", "port"),
        ("https://example.com:99999/", "not a valid URL"),
        ("https://exa mple.com/", "without spaces"),
        ("https://" + "a" * 2050 + ".com/", "2048"),
        ("http://127.0.0.1:8080/hook", "loopback"),
        ("http://[::1]/hook", "loopback"),
        ("http://[::ffff:127.0.0.1]/hook", "loopback"),
        ("http://10.1.2.3/hook", "private"),
        ("http://192.168.0.10/hook", "private"),
        ("http://172.16.5.4/hook", "private"),
        ("http://169.254.169.254/latest/meta-data", "link-local"),
        ("http://[fe80::1]/hook", "link-local"),
        ("http://0.0.0.0/hook", "unspecified"),
        ("http://100.64.0.1/hook", "reserved"),
        ("http://224.0.0.1/hook", "multicast"),
        ("http://localhost:8080/hook", "local host name"),
        ("http://metadata/hook", "local host name"),
    ],
)
def test_bad_receiver_urls_are_refused_with_the_reason(url: str, why: str) -> None:
    with pytest.raises(ReceiverRefused, match=why):
        parse_receiver_url(url, AddressPolicy())


def test_allow_private_lifts_the_address_rules_but_not_the_url_rules() -> None:
    lenient = AddressPolicy(allow_private=True)
    assert parse_receiver_url("http://127.0.0.1:8080/hook", lenient).port == 8080
    assert parse_receiver_url("http://localhost/hook", lenient).host == "localhost"
    with pytest.raises(ReceiverRefused, match="credentials"):
        parse_receiver_url("http://u:p@127.0.0.1/hook", lenient)
    with pytest.raises(ReceiverRefused, match="http or https"):
        parse_receiver_url("file:///etc/passwd", lenient)


async def test_a_host_resolving_to_a_private_address_is_refused_at_registration() -> None:
    policy = resolver(
        {
            "hooks.example.com": [PUBLIC],
            "sneaky.example.com": [PUBLIC, "10.0.0.7"],
            "internal.example.com": ["192.168.1.20"],
        }
    )
    assert await check_receiver_url("https://hooks.example.com/in", policy) == (
        "https://hooks.example.com/in"
    )
    with pytest.raises(ReceiverRefused, match=r"sneaky.example.com \(10.0.0.7\) is a private"):
        await check_receiver_url("https://sneaky.example.com/in", policy)
    with pytest.raises(ReceiverRefused, match="private"):
        await check_receiver_url("https://internal.example.com/in", policy)
    with pytest.raises(ReceiverRefused, match="cannot be resolved"):
        await check_receiver_url("https://nowhere.example.com/in", policy)


class Inner:
    """A network backend that records where it was asked to connect (and connects nowhere)."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, int]] = []

    async def connect_tcp(self, host: str, port: int, *args: object, **kwargs: object) -> object:
        self.calls.append((host, port))
        return object()


async def test_every_connection_is_checked_after_resolution_and_made_to_the_checked_address() -> (
    None
):
    names = {"hooks.example.com": [PUBLIC]}
    policy = resolver(names)
    inner = Inner()
    backend = GuardedBackend(policy, inner)  # type: ignore[arg-type]
    await backend.connect_tcp("hooks.example.com", 443)
    assert inner.calls == [(PUBLIC, 443)]
    names["hooks.example.com"] = ["127.0.0.1"]  # re-pointed after registration (rebinding)
    with pytest.raises(RefusedConnection, match="loopback"):
        await backend.connect_tcp("hooks.example.com", 443)
    with pytest.raises(RefusedConnection, match="link-local"):
        await backend.connect_tcp("169.254.169.254", 80)
    with pytest.raises(RefusedConnection, match="Unix"):
        await backend.connect_unix_socket("/var/run/docker.sock")
    assert inner.calls == [(PUBLIC, 443)]


async def test_redirects_to_private_places_are_refused_and_good_ones_followed() -> None:
    targets = {
        "/to-literal": "http://10.0.0.1/steal",
        "/to-name": "http://internal.example.com/steal",
        "/to-credentials": "http://user:pw@receiver.example.com/x",
        "/to-ftp": "ftp://receiver.example.com/x",
    }

    def answer(path: str) -> tuple[int, dict[str, str]]:
        if path in targets:
            return 307, {"Location": targets[path]}
        if path == "/moved":
            return 308, {"Location": "/final"}
        return 200, {}

    with running_receiver(answer=answer) as receiver:
        port = receiver.url.rsplit(":", 1)[1]
        names = {"receiver.example.com": ["127.0.0.1"], "internal.example.com": ["192.168.1.5"]}

        async def resolve(host: str, _port: int) -> list[str]:
            if host not in names:
                raise OSError("no such host")
            return names[host]

        policy = LoopbackStandsInForPublic(allow_private=False, resolver=resolve)
        targets["/to-name"] = f"http://internal.example.com:{port}/steal"
        sender = Sender(policy, timeout=5)
        base = f"http://receiver.example.com:{port}"
        try:
            for path, why in [
                ("/to-literal", "10.0.0.1 is a private address"),
                ("/to-credentials", "credentials"),
                ("/to-ftp", "http or https"),
            ]:
                outcome = await sender.post(base + path, b"x", ("hook", "pw"))
                assert not outcome.delivered
                assert outcome.error is not None
                assert why in outcome.error
            outcome = await sender.post(base + "/to-name", b"x", None)
            assert not outcome.delivered
            assert outcome.error is not None
            assert "private" in outcome.error
            outcome = await sender.post(base + "/moved", b"payload", ("hook", "pw"))
            assert outcome.delivered
        finally:
            await sender.close()
        paths = [arrival.path for arrival in receiver.taken()]
        # Only the hops that were allowed reached anything; nothing reached the private ones.
        assert paths == [
            "/to-literal",
            "/to-credentials",
            "/to-ftp",
            "/to-name",
            "/moved",
            "/final",
        ]
        final = receiver.taken()[-1]
        assert final.body == b"payload"
        assert final.headers["authorization"].startswith("Basic ")  # same origin: kept


async def test_a_slow_receiver_is_a_timeout_not_a_hang() -> None:
    with running_receiver(delay=2.0) as receiver:
        sender = Sender(AddressPolicy(allow_private=True), timeout=0.3)
        try:
            outcome = await sender.post(receiver.url + "/slow", b"x", None)
        finally:
            await sender.close()
    assert not outcome.delivered
    assert outcome.error == "no answer within 0.3 s"


def test_retry_after_reads_seconds_and_dates() -> None:
    assert retry_after_seconds("120") == 120.0
    assert retry_after_seconds(None) is None
    assert retry_after_seconds("soon") is None
    assert retry_after_seconds("Thu, 01 Jan 1970 00:01:40 GMT", now=40.0) == 60.0
    assert retry_after_seconds("Thu, 01 Jan 1970 00:00:10 GMT", now=40.0) == 0.0
