"""Schemathesis against a face's own OpenAPI document, every check on: whatever a
schema-driven client sends gets no 5xx, and every answer conforms to the document.

Each face's ``test_schemathesis.py`` starts the app with :func:`tests.serving.running_homecloud`,
makes a user and a token, and calls :func:`schemathesis_passes`."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Sequence
from pathlib import Path

SCHEMATHESIS = Path(sys.executable).parent / "schemathesis"
# Enough to reach every operation's corners with a fixed seed, few enough for two cores.
MAX_EXAMPLES = 25


async def run_schemathesis(
    document_url: str,
    *,
    headers: Sequence[str] = (),
    config: Path | None = None,
    cwd: Path,
    max_examples: int = MAX_EXAMPLES,
    seed: int = 10,
) -> tuple[int, str]:
    """Runs the schemathesis CLI over ``document_url``; returns its exit code and report."""
    run = await asyncio.create_subprocess_exec(
        str(SCHEMATHESIS),
        *(("--config-file", str(config)) if config else ()),
        *("run", document_url),
        *("--checks", "all", "--max-examples", str(max_examples), "--seed", str(seed)),
        *(argument for header in headers for argument in ("--header", header)),
        "--no-color",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        cwd=cwd,
    )
    output, _ = await run.communicate()
    return run.returncode or 0, output.decode()


def assert_clean(code: int, report: str) -> None:
    """Every generated case ran, none failed, none was rate limited."""
    assert code == 0, report
    summary = report.rsplit("Test cases:", 1)[-1]
    assert " generated, " in summary, report
    assert "failure" not in summary, report
    assert "Rate limited" not in report, report
