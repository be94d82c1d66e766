"""``homecloud serve`` in child processes, for the crash and several-process tests: delivery
on, the meters' simulation and the other faces off, short timeouts."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from tests.conftest import free_port

HOMECLOUD = Path(sys.executable).with_name("homecloud")
OTHER_FACES = ("nuheat", "mclimate", "thingplus", "ckw")


def start_homecloud(
    data_dir: Path, database_url: str | None = None, **webhook: str
) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "HOMECLOUD_DATA_DIR": str(data_dir),
        "HOMECLOUD_PORT": str(free_port()),
        "HOMECLOUD_LOG_LEVEL": "warning",
        "HOMECLOUD_SMARTME__SIMULATION": "false",
        "HOMECLOUD_SMARTME__WEBHOOK_ALLOW_PRIVATE": "true",
        "HOMECLOUD_SMARTME__WEBHOOK_TIMEOUT": "1",
        "HOMECLOUD_SMARTME__WEBHOOK_POLL_INTERVAL": "0.1",
        **{f"HOMECLOUD_FACES__{face.upper()}": "false" for face in OTHER_FACES},
        **{f"HOMECLOUD_SMARTME__WEBHOOK_{key.upper()}": value for key, value in webhook.items()},
    }
    env.pop("HOMECLOUD_DATABASE_URL", None)
    if database_url is not None:
        env["HOMECLOUD_DATABASE_URL"] = database_url
    data_dir.mkdir(parents=True, exist_ok=True)
    # The child's log, beside its data, for a failing test to be read.
    with open(data_dir.parent / f"serve-{env['HOMECLOUD_PORT']}.log", "ab") as log:
        return subprocess.Popen(
            [str(HOMECLOUD), "serve"], env=env, stdout=subprocess.DEVNULL, stderr=log
        )


def kill_hard(process: subprocess.Popen[bytes]) -> None:
    """``kill -9``: no shutdown, no lease given back, a POST cut off mid-way."""
    os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=30)


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            kill_hard(process)


def wait_for(condition: Callable[[], bool], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)
