"""A real HTTP receiver for webhook tests and the bench: a standard-library threaded server
on a loopback port that keeps every POST (arrival time, path, headers, body) and answers as
its ``answer`` function says, after an optional delay (a slow receiver)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass(frozen=True)
class Arrival:
    at: float  # time.time() when the body had arrived
    path: str
    headers: dict[str, str]
    body: bytes


# (path) -> (status, headers)
Answer = Callable[[str], tuple[int, dict[str, str]]]


@dataclass
class Receiver:
    url: str
    arrivals: list[Arrival] = field(default_factory=list)
    answer: Answer = lambda _path: (200, {})
    delay: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def taken(self) -> list[Arrival]:
        with self.lock:
            return list(self.arrivals)


@contextmanager
def running_receiver(delay: float = 0.0, answer: Answer | None = None) -> Iterator[Receiver]:
    receiver = Receiver(url="", delay=delay)
    if answer is not None:
        receiver.answer = answer

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            body = self.rfile.read(length)
            arrived = time.time()
            if receiver.delay:
                time.sleep(receiver.delay)
            status, headers = receiver.answer(self.path)
            with receiver.lock:
                receiver.arrivals.append(
                    Arrival(
                        arrived, self.path, {k.lower(): v for k, v in self.headers.items()}, body
                    )
                )
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
