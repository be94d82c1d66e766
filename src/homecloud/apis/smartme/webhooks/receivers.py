"""Which receiver URLs a webhook may be sent to (server-side request forgery guard).

A receiver URL must be ``http`` or ``https`` with a host name, carry no credentials (they go
in ``BasicAuthUsername``/``BasicAuthPassword``, where they are stored sealed), and must not
lead into homecloud's own network: loopback, private, link-local, shared, multicast and
reserved addresses are refused. The check runs on the URL as registered (an address literal,
``localhost``), on the addresses its host resolves to when it is registered, again at every
connection (:class:`GuardedBackend`, so a name re-pointed at a private address later, or a
redirect to one, is refused) and on every redirect's ``Location``.

``HOMECLOUD_SMARTME__WEBHOOK_ALLOW_PRIVATE=true`` lifts the address rules (a receiver on the
same machine or network; tests), never the URL rules.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from urllib.parse import SplitResult, urlsplit

import httpcore

MAX_URL_LENGTH = 2048
IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
# A host name and port -> the addresses it resolves to.
Resolver = Callable[[str, int], Awaitable[list[str]]]


class ReceiverRefused(ValueError):
    """A receiver URL or address that webhooks are not sent to; the message says why."""


class RefusedConnection(httpcore.ConnectError):
    """A connection the guard refused (httpx reports it as a ``ConnectError``)."""


async def system_resolver(host: str, port: int) -> list[str]:
    infos = await asyncio.get_running_loop().getaddrinfo(
        host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP
    )
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def refusal(address: IpAddress) -> str | None:
    """Why ``address`` is no place for a webhook, or None for a public address."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if address.is_loopback:
        return "a loopback address"
    if address.is_link_local:
        return "a link-local address"
    if address.is_unspecified:
        return "an unspecified address"
    if address.is_multicast:
        return "a multicast address"
    if address.is_private:
        return "a private address"
    if address.is_reserved or not address.is_global:
        return "a reserved address"
    return None


@dataclass(frozen=True)
class AddressPolicy:
    """The address rules: ``allow_private`` lifts them."""

    allow_private: bool = False
    resolver: Resolver = system_resolver

    def check_address(self, host: str, text: str) -> None:
        if self.allow_private:
            return
        address = ipaddress.ip_address(text.split("%", 1)[0])
        why = refusal(address)
        if why is not None:
            shown = text if text == host else f"{host} ({text})"
            raise ReceiverRefused(f"{shown} is {why}; webhooks are not sent there")

    async def resolve(self, host: str, port: int) -> list[str]:
        """The addresses of ``host`` (checked), or the host itself when it is an address."""
        literal = address_literal(host)
        if literal is not None:
            self.check_address(host, str(literal))
            return [str(literal)]
        try:
            addresses = await self.resolver(host, port)
        except (OSError, UnicodeError):
            raise ReceiverRefused(f"the host {host} cannot be resolved") from None
        if not addresses:
            raise ReceiverRefused(f"the host {host} cannot be resolved")
        for address in addresses:
            self.check_address(host, address)
        return addresses


def address_literal(host: str) -> IpAddress | None:
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


@dataclass(frozen=True)
class ReceiverUrl:
    url: str
    host: str
    port: int


def parse_receiver_url(text: str, policy: AddressPolicy) -> ReceiverUrl:
    """``text`` checked against the URL rules and, for address literals and ``localhost``,
    the address rules (no DNS); :class:`ReceiverRefused` otherwise."""
    url = text.strip()
    if not url:
        raise ReceiverRefused("ApiUrl is required")
    if len(url) > MAX_URL_LENGTH or any(ord(c) < 0x21 or ord(c) == 0x7F for c in url):
        raise ReceiverRefused(
            f"ApiUrl must be an absolute http(s) URL of at most {MAX_URL_LENGTH} characters "
            "without spaces"
        )
    try:
        parts: SplitResult = urlsplit(url)
        port = parts.port
        host = parts.hostname
    except ValueError:
        raise ReceiverRefused("ApiUrl is not a valid URL") from None
    if parts.scheme.lower() not in ("http", "https"):
        raise ReceiverRefused("ApiUrl must be an http or https URL")
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        raise ReceiverRefused(
            "ApiUrl must not carry credentials; use BasicAuthUsername and BasicAuthPassword"
        )
    if not host:
        raise ReceiverRefused("ApiUrl has no host")
    if port is None:
        port = 443 if parts.scheme.lower() == "https" else 80
    if port == 0:
        raise ReceiverRefused("ApiUrl's port must be from 1 to 65535")
    literal = address_literal(host)
    if literal is not None:
        policy.check_address(host, str(literal))
    elif not policy.allow_private and (
        host == "localhost" or host.endswith(".localhost") or "." not in host
    ):
        # A bare name (no dot) resolves through the local search domains: a local host.
        raise ReceiverRefused(f"{host} is a local host name; webhooks are not sent there")
    return ReceiverUrl(url=url, host=host, port=port)


async def check_receiver_url(text: str, policy: AddressPolicy) -> str:
    """``text`` checked against every rule, its host resolved (as at registration)."""
    receiver = parse_receiver_url(text, policy)
    if not policy.allow_private:
        await policy.resolve(receiver.host, receiver.port)
    return receiver.url


class GuardedBackend(httpcore.AsyncNetworkBackend):
    """httpcore's network backend with the address rules applied at every connection: the
    host is resolved here, every address checked, and the connection made to a checked
    address (so the name cannot be re-resolved to another in between). TLS still verifies the
    certificate against the host name: httpcore passes the origin's name to ``start_tls``."""

    def __init__(
        self, policy: AddressPolicy, inner: httpcore.AsyncNetworkBackend | None = None
    ) -> None:
        self.policy = policy
        self.inner = inner or httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 (httpcore's interface)
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        if self.policy.allow_private:
            return await self.inner.connect_tcp(host, port, timeout, local_address, socket_options)
        try:
            addresses = await self.policy.resolve(host, port)
        except ReceiverRefused as exc:
            raise RefusedConnection(f"refused: {exc}") from None
        return await self.inner.connect_tcp(
            addresses[0], port, timeout, local_address, socket_options
        )

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,  # noqa: ASYNC109 (httpcore's interface)
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise RefusedConnection("refused: webhooks are not sent to Unix sockets")

    async def sleep(self, seconds: float) -> None:
        await self.inner.sleep(seconds)
