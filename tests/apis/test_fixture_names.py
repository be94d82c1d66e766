"""Every face's tests use the same fixture names (docs/architecture.md, "Tests"): each
``tests/apis/<face>/conftest.py`` defines the fixtures ``face``, ``make_user`` and
``token_for``. A face may lack a conftest only while it has no resource tests: no ``routes/``
package in its source and no test module beyond its sign-in ones."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from homecloud.apis import FACES

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = frozenset({"face", "make_user", "token_for"})
# Test modules a face has before its resource API: its token endpoint and sign-in pages.
SIGN_IN_MODULES = frozenset({"test_identity.py", "test_auth.py"})


def fixtures_defined(source: str) -> set[str]:
    """The names of the module-level functions decorated as pytest fixtures."""
    names = set()
    for node in ast.parse(source).body:
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        for decorator in node.decorator_list:
            target = decorator.func if isinstance(decorator, ast.Call) else decorator
            if ast.unparse(target) in ("pytest.fixture", "fixture"):
                names.add(node.name)
    return names


def has_resource_tests(face: str) -> bool:
    tests = ROOT / "tests" / "apis" / face
    modules = {path.name for path in tests.glob("test_*.py")} if tests.is_dir() else set()
    routes = ROOT / "src" / "homecloud" / "apis" / face / "routes" / "__init__.py"
    return routes.is_file() or bool(modules - SIGN_IN_MODULES)


@pytest.mark.parametrize("face", [face.name for face in FACES])
def test_every_face_conftest_defines_the_shared_fixture_names(face: str) -> None:
    conftest = ROOT / "tests" / "apis" / face / "conftest.py"
    if not conftest.is_file():
        assert not has_resource_tests(face), f"tests/apis/{face}/conftest.py is missing"
        return
    missing = FIXTURES - fixtures_defined(conftest.read_text())
    assert not missing, f"tests/apis/{face}/conftest.py lacks {sorted(missing)}"


def test_the_check_sees_fixtures_and_only_fixtures() -> None:
    """The check above can fail: plain functions and other names do not count."""
    source = (
        "import pytest\nfrom pytest import fixture\n"
        "@pytest.fixture\nasync def face(): ...\n"
        "@fixture(scope='module')\ndef make_user(): ...\n"
        "def token_for(): ...\n"
        "@pytest.fixture\ndef client(): ...\n"
    )
    assert fixtures_defined(source) == {"face", "make_user", "client"}
    assert FIXTURES - fixtures_defined(source) == {"token_for"}


def test_the_faces_with_resource_tests_are_seen() -> None:
    assert has_resource_tests("nuheat")
    assert has_resource_tests("thingplus")
    assert not has_resource_tests("no-such-face")
