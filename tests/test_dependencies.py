"""Every import under src/homecloud comes from the standard library, homecloud itself, or a
runtime dependency named in pyproject.toml: `pip install homecloud` (no extras) must be enough
for every command. A package that only the test extra brings (httpx once was) fails here."""

from __future__ import annotations

import ast
import sys
import tomllib
from collections.abc import Iterable, Mapping
from importlib.metadata import packages_distributions
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "src" / "homecloud"


def project_requirements(extra: str | None = None) -> set[str]:
    """The canonical distribution names of the runtime dependencies (or of one extra)."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    listed = project["dependencies"] if extra is None else project["optional-dependencies"][extra]
    return {canonicalize_name(Requirement(line).name) for line in listed}


def top_level_imports(source: str) -> set[str]:
    """The first component of every absolute import in a module, wherever it stands."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".", 1)[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".", 1)[0])
    return names


def undeclared_imports(
    modules: Mapping[str, str],
    runtime: set[str],
    distributions: Mapping[str, Iterable[str]],
) -> dict[str, set[str]]:
    """Module file -> the imported names that neither the standard library, homecloud nor a
    runtime requirement provides (an unknown name counts as undeclared)."""
    found: dict[str, set[str]] = {}
    for filename, source in modules.items():
        for name in top_level_imports(source):
            if name in sys.stdlib_module_names or name in ("homecloud", "__future__"):
                continue
            providers = {canonicalize_name(dist) for dist in distributions.get(name, ())}
            if not providers & runtime:
                found.setdefault(filename, set()).add(name)
    return found


def test_every_import_comes_from_a_runtime_dependency() -> None:
    modules = {
        str(path.relative_to(ROOT)): path.read_text() for path in sorted(SOURCE.rglob("*.py"))
    }
    assert len(modules) > 50  # the walk found the package
    assert undeclared_imports(modules, project_requirements(), packages_distributions()) == {}


def test_a_test_only_import_is_caught() -> None:
    """The check above can fail: the test extra's packages are not runtime requirements."""
    runtime = project_requirements()
    test_only = project_requirements("test") - runtime
    assert {"pytest", "playwright"} <= test_only
    modules = {
        "fine.py": "import os\nimport orjson\nfrom homecloud.core import series\n",
        "bad.py": "def later():\n    import pytest\n\nfrom playwright.sync_api import Page\n",
        "unknown.py": "import no_such_distribution_here\n",
    }
    assert undeclared_imports(modules, runtime, packages_distributions()) == {
        "bad.py": {"pytest", "playwright"},
        "unknown.py": {"no_such_distribution_here"},
    }
