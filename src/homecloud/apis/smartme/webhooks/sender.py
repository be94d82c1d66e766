"""One webhook POST: the body to the receiver, with its Basic credentials, a total time
limit, guarded connections (:mod:`.receivers`) and guarded redirects; the answer reduced to
an :class:`Outcome` the worker records.

Redirects: 307 and 308 (and 301/302, which many receivers answer for http -> https) are
followed with the same POST, at most :data:`MAX_REDIRECTS` times, each ``Location`` checked
like a registered URL; the credentials only go along to the same origin.
"""

from __future__ import annotations

import asyncio
import email.utils
import time
from dataclasses import dataclass
from datetime import UTC
from urllib.parse import urljoin, urlsplit

import httpcore
import httpx

from homecloud import __version__
from homecloud.apis.smartme.webhooks.payload import CONTENT_TYPE
from homecloud.apis.smartme.webhooks.receivers import (
    AddressPolicy,
    GuardedBackend,
    ReceiverRefused,
    parse_receiver_url,
)

MAX_REDIRECTS = 3
FOLLOWED = frozenset({301, 302, 307, 308})
# A receiver's answer is not used; more than this of it is not read.
MAX_ANSWER_BYTES = 64 * 1024
USER_AGENT = f"homecloud/{__version__} (smart-me realtime API)"


@dataclass(frozen=True, slots=True)
class Outcome:
    """What became of one POST. ``error`` is short and holds no secret."""

    delivered: bool
    status: int | None = None
    error: str | None = None
    retry_after: float | None = None

    @property
    def gone(self) -> bool:
        """410 Gone: the receiver says it wants nothing more."""
        return self.status == 410


def retry_after_seconds(value: str | None, *, now: float | None = None) -> float | None:
    """``Retry-After`` as seconds from now (delta-seconds or an HTTP date); None if absent
    or unreadable."""
    if value is None:
        return None
    value = value.strip()
    if value.isascii() and value.isdigit():
        return float(int(value[:12]))
    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    current = time.time() if now is None else now
    return max(0.0, moment.timestamp() - current)


def origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    return parts.scheme.lower(), (parts.hostname or "").lower(), parts.port


class GuardedTransport(httpx.AsyncHTTPTransport):
    """httpx's transport over a connection pool whose connections :class:`GuardedBackend`
    makes."""

    def __init__(self, policy: AddressPolicy, *, max_connections: int = 100) -> None:
        super().__init__(trust_env=False)
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=httpx.create_ssl_context(),
            max_connections=max_connections,
            max_keepalive_connections=max_connections,
            keepalive_expiry=30.0,
            network_backend=GuardedBackend(policy),
        )


class Sender:
    """Posts webhook bodies; one per worker, its connections kept alive between posts."""

    def __init__(
        self,
        policy: AddressPolicy,
        timeout: float,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        max_connections: int = 100,
    ) -> None:
        self.policy = policy
        self.timeout = timeout
        self.client = httpx.AsyncClient(
            transport=transport or GuardedTransport(policy, max_connections=max_connections),
            timeout=timeout,
            follow_redirects=False,
            trust_env=False,
            headers={"User-Agent": USER_AGENT, "Content-Type": CONTENT_TYPE},
        )

    async def close(self) -> None:
        await self.client.aclose()

    async def post(self, url: str, body: bytes, credentials: tuple[str, str] | None) -> Outcome:
        try:
            async with asyncio.timeout(self.timeout * (MAX_REDIRECTS + 1)):
                return await self._post(url, body, credentials)
        except TimeoutError:
            return Outcome(False, error=f"no answer within {self.timeout:g} s")

    async def _post(self, url: str, body: bytes, credentials: tuple[str, str] | None) -> Outcome:
        first = origin(url)
        for _hop in range(MAX_REDIRECTS + 1):
            auth = httpx.BasicAuth(*credentials) if credentials and origin(url) == first else None
            try:
                async with asyncio.timeout(self.timeout):
                    async with self.client.stream("POST", url, content=body, auth=auth) as answer:
                        await drain(answer)
            except TimeoutError:
                return Outcome(False, error=f"no answer within {self.timeout:g} s")
            except httpx.TimeoutException:
                return Outcome(False, error=f"no answer within {self.timeout:g} s")
            except httpx.HTTPError as exc:
                return Outcome(False, error=describe(exc))
            status = answer.status_code
            location = answer.headers.get("location")
            if status in FOLLOWED and location:
                try:
                    url = parse_receiver_url(urljoin(url, location.strip()), self.policy).url
                except ReceiverRefused as exc:
                    return Outcome(False, status=status, error=f"redirect refused: {exc}")
                continue
            if 200 <= status < 300:
                return Outcome(True, status=status)
            return Outcome(
                False,
                status=status,
                error=f"answered {status} {answer.reason_phrase}".strip()[:300],
                retry_after=retry_after_seconds(answer.headers.get("retry-after")),
            )
        return Outcome(False, error=f"more than {MAX_REDIRECTS} redirects")


async def drain(answer: httpx.Response) -> None:
    """Reads (and drops) a small answer so the connection can be reused; stops reading a
    large one (the connection is then closed)."""
    if answer.is_stream_consumed:  # an answer made in memory (a test transport)
        return
    read = 0
    async for chunk in answer.aiter_raw():
        read += len(chunk)
        if read > MAX_ANSWER_BYTES:
            break


def describe(exc: httpx.HTTPError) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0][:300]
