"""Generates the smart-me realtime API's Python modules from the .proto files beside this
script, with the official compiler (grpcio-tools' protoc, a test dependency):

    .venv/bin/python proto/generate.py

protoc writes ``import bcl_pb2``, an import of a top-level module; the generated module lives
in a package, so that one line is made package-absolute. Nothing else is touched.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
PACKAGE = "homecloud.apis.smartme.webhooks.vendor"
TARGET = HERE.parent / "src" / Path(*PACKAGE.split("."))
PROTOS = ("bcl.proto", "RealtimeApi.proto")


def generate(target: Path = TARGET, package: str | None = PACKAGE) -> list[Path]:
    """Runs protoc on :data:`PROTOS` into ``target``; with ``package``, imports between the
    generated modules name it."""
    subprocess.run(
        [
            sys.executable,
            "-m",
            "grpc_tools.protoc",
            f"-I{HERE}",
            f"--python_out={target}",
            f"--pyi_out={target}",
            *PROTOS,
        ],
        check=True,
        cwd=HERE,
    )
    written = []
    for proto in PROTOS:
        for suffix in (".py", ".pyi"):
            module = target / (proto.removesuffix(".proto") + "_pb2" + suffix)
            if package is not None:
                text = module.read_text()
                text = text.replace("import bcl_pb2 as ", f"from {package} import bcl_pb2 as ")
                module.write_text(text)
            written.append(module)
    return written


if __name__ == "__main__":
    for path in generate():
        print(path.relative_to(HERE.parent))
