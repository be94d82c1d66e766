"""Request ids, one log line per request, and Prometheus metrics.

:class:`RequestObserver` wraps the whole application: it assigns (or accepts) a request id,
times the request, logs one line when it ends, and counts it by face, route template and
status. Route templates, not raw paths, label the metrics, so serial numbers in URLs do not
create a time series each.
"""

from __future__ import annotations

import logging
import os
import re
import sys
import time
import uuid
from collections.abc import Callable, Iterable
from typing import Any

import orjson
from fastapi.telemetry import TelemetryConfig
from prometheus_client import CollectorRegistry, Counter, Histogram, disable_created_metrics
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from homecloud.core.middleware import HttpMiddleware

access_log = logging.getLogger("homecloud.access")

_ACCEPTABLE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


def fastapi_telemetry() -> TelemetryConfig:
    """FastAPI's own OpenTelemetry spans and metrics, on only when the environment sets
    OpenTelemetry up (an ``OTEL_*`` variable or ``FASTAPI_OTEL_AUTO_CONFIGURE``).

    Left on while nothing is configured, FastAPI asks OpenTelemetry for its providers on every
    request, and each of those asks reads the process environment: over a tenth of the CPU of
    a token grant, twice per request (the root app and the face's). homecloud's own request
    metrics are the Prometheus ones above.
    """
    configured = any(name.startswith("OTEL_") for name in os.environ) or (
        os.environ.get("FASTAPI_OTEL_AUTO_CONFIGURE", "").lower() == "true"
    )
    return {"tracing": configured, "metrics": configured, "logs": configured}


class PoolCollector(Collector):
    """Reads the database pool's counters at scrape time."""

    def __init__(self, read: Callable[[], dict[str, int]]) -> None:
        self.read = read

    def collect(self) -> Iterable[GaugeMetricFamily]:
        status = self.read()
        family = GaugeMetricFamily(
            "homecloud_db_pool_connections", "Database pool connections by state", labels=["state"]
        )
        for state, value in status.items():
            family.add_metric([state], value)
        yield family


# The *_created series double every counter's size for a timestamp nobody graphs.
disable_created_metrics()  # type: ignore[no-untyped-call]


class Metrics:
    def __init__(self, pool_status: Callable[[], dict[str, int]]) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "homecloud_http_requests",
            "HTTP requests by face, route template, method and status",
            ["face", "route", "method", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "homecloud_http_request_duration_seconds",
            "HTTP request latency by face and route template",
            ["face", "route"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.registry.register(PoolCollector(pool_status))


def _route_template(scope: Scope) -> str:
    route = scope.get("route")
    path = getattr(route, "path", None)
    if path is None:
        return "<unmatched>"
    # A mount adds its prefix to root_path; the route's own path is relative to it.
    return f"{scope.get('root_path', '')}{path}"


def _face_of(path: str, faces: frozenset[str]) -> str:
    first = path.split("/", 2)[1] if path.count("/") >= 1 else ""
    return first if first in faces else "core"


class RequestObserver(HttpMiddleware):
    def __init__(self, app: ASGIApp, metrics: Metrics, faces: Iterable[str]) -> None:
        self.app = app
        self.metrics = metrics
        self.faces = frozenset(faces)

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        request_id = _incoming_request_id(scope) or uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        started = time.perf_counter()
        status = 500

        async def observing_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (b"x-request-id", request_id.encode())]
            await send(message)

        path: str = scope["path"]
        try:
            await self.app(scope, receive, observing_send)
        finally:
            elapsed = time.perf_counter() - started
            face = _face_of(path, self.faces)
            route = _route_template(scope)
            self.metrics.requests.labels(face, route, scope["method"], str(status)).inc()
            self.metrics.latency.labels(face, route).observe(elapsed)
            access_log.info(
                "%s %s %s %.1fms",
                scope["method"],
                path,
                status,
                elapsed * 1000,
                extra={
                    "request_id": request_id,
                    "face": face,
                    "method": scope["method"],
                    "path": path,
                    "status": status,
                    "duration_ms": round(elapsed * 1000, 2),
                    "client": (scope.get("client") or ("", 0))[0],
                },
            )


def _incoming_request_id(scope: Scope) -> str | None:
    for name, value in scope["headers"]:
        if name == b"x-request-id":
            candidate = value.decode("latin-1")
            return candidate if _ACCEPTABLE_REQUEST_ID.match(candidate) else None
    return None


_STANDARD_RECORD_KEYS = frozenset(logging.makeLogRecord({}).__dict__) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S") + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update(
            (key, value)
            for key, value in record.__dict__.items()
            if key not in _STANDARD_RECORD_KEYS
        )
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return orjson.dumps(entry, default=str).decode()


class TextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        request_id = getattr(record, "request_id", None)
        return f"{line} request_id={request_id}" if request_id else line


# Query parameters that carry a credential: the hub's and WebSocket clients' tokens (browsers
# cannot set headers on a WebSocket), codes, secrets. Matched case-insensitively, by name.
_SECRET_PARAMETER = re.compile(
    r"([?&;](?:access_token|token|id_token|refresh_token|id_token_hint|code|client_secret"
    r"|password|secret|api_key|apikey|key|signature|sig)=)[^&;\s\"'#]*",
    re.IGNORECASE,
)


def redact(text: str) -> str:
    """``text`` with the values of credential-carrying query parameters replaced."""
    return _SECRET_PARAMETER.sub(r"\1[redacted]", text)


class RedactSecrets(logging.Filter):
    """Rewrites every record that reaches the handler (uvicorn's, whose WebSocket lines quote
    the whole URL, included), so no token in a query string is ever written out."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


def configure_logging(level: str, fmt: str) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(RedactSecrets())
    if fmt == "json":
        handler.setFormatter(JsonFormatter())
        handler.formatter.converter = time.gmtime  # type: ignore[union-attr]
    else:
        handler.setFormatter(TextFormatter("%(asctime)s %(levelname)-7s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # Our access log replaces uvicorn's, which would log every request a second time.
    logging.getLogger("uvicorn.access").disabled = True
    # Alembic narrates every migration step at INFO; a start-up needs only problems.
    logging.getLogger("alembic").setLevel(max(root.level, logging.WARNING))
