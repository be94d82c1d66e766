"""The ``homecloud`` command, run as a user would run it."""

from __future__ import annotations

import asyncio
import base64
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import orjson
import pytest
from typer.testing import CliRunner

from homecloud.cli.main import app
from homecloud.core import migrations
from homecloud.core.database import Database
from homecloud.core.users import authenticate, create_user
from homecloud.identity.credentials import issue_card_token
from homecloud.services import Services
from tests.serving import free_port


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    for name in list(os.environ):
        if name.startswith("HOMECLOUD_"):
            monkeypatch.delenv(name)
    values = {"HOMECLOUD_DATA_DIR": str(tmp_path / "data")}
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    return values


def run(*args: str, stdin: str | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args), input=stdin)
    return result.exit_code, result.stdout, result.stderr


def test_user_lifecycle_for_scripts(env: dict[str, str]) -> None:
    code, out, _ = run(
        "user",
        "add",
        "Ann@Example.com",
        "--password-stdin",
        "--json",
        "--first-name",
        "Ann",
        "--timezone",
        "Europe/Zurich",
        stdin="s3cret-pass\n",
    )
    assert code == 0
    created = orjson.loads(out)
    assert created["email"] == "Ann@Example.com"
    assert created["timezone"] == "Europe/Zurich"

    code, out, _ = run("user", "list", "--json")
    assert code == 0
    assert [user["email"] for user in orjson.loads(out)] == ["Ann@Example.com"]

    code, out, _ = run(
        "user", "passwd", "ann@example.com", "--password-stdin", stdin="another-pass\n"
    )
    assert code == 0
    assert "changed" in out

    code, out, _ = run("user", "remove", "ANN@example.com", "--yes")
    assert code == 0
    code, out, _ = run("user", "list", "--json")
    assert orjson.loads(out) == []


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (
            ("user", "add", "not-an-email", "--password-stdin"),
            "password-1\n",
            "not an e-mail address",
        ),
        (("user", "add", "a@example.com", "--password-stdin"), "short\n", "at least 8 characters"),
        (
            ("user", "add", "a@example.com", "--password-stdin"),
            "\n",
            "no password on standard input",
        ),
        (("user", "passwd", "ghost@example.com", "--password-stdin"), "password-1\n", "no account"),
        (("user", "remove", "ghost@example.com", "--yes"), None, "no account"),
    ],
)
def test_bad_user_commands_exit_2_with_one_line(
    env: dict[str, str], args: tuple[str, ...], stdin: str | None, message: str
) -> None:
    code, _, err = run(*args, stdin=stdin)
    assert code == 2
    assert message in err
    assert err.count("\n") == 1
    assert "Traceback" not in err


def test_duplicate_email_in_any_case_is_refused(env: dict[str, str]) -> None:
    assert run("user", "add", "a@example.com", "--password-stdin", stdin="password-1\n")[0] == 0
    code, _, err = run("user", "add", "A@EXAMPLE.COM", "--password-stdin", stdin="password-1\n")
    assert code == 2
    assert "exists already" in err


def test_malformed_setting_names_it_in_one_line(
    env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOMECLOUD_MAX_BODY_BYTES", "lots")
    code, _, err = run("user", "list")
    assert code == 2
    assert err.startswith("homecloud: invalid setting HOMECLOUD_MAX_BODY_BYTES:")
    assert err.count("\n") == 1


@pytest.mark.parametrize("command", [("user", "list"), ("db", "upgrade"), ("serve",)])
def test_unreachable_database_is_one_line_and_nonzero(
    env: dict[str, str], monkeypatch: pytest.MonkeyPatch, command: tuple[str, ...]
) -> None:
    monkeypatch.setenv(
        "HOMECLOUD_DATABASE_URL", f"postgresql://nobody:pw@127.0.0.1:{free_port()}/none"
    )
    code, _, err = run(*command)
    assert code == 1
    assert err.startswith(
        "homecloud: cannot reach the database at postgresql://nobody:***@127.0.0.1:"
    )
    assert "Traceback" not in err
    assert err.count("\n") == 1


@pytest.mark.parametrize("command", [("user", "list"), ("db", "upgrade"), ("serve",)])
def test_a_sqlite_path_in_a_missing_directory_is_refused(
    env: dict[str, str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path, command: tuple[str, ...]
) -> None:
    """A mistyped HOMECLOUD_DATABASE_URL fails in one line; no directory appears."""
    missing = tmp_path / "nonexistent" / "dir"
    monkeypatch.setenv("HOMECLOUD_DATABASE_URL", f"sqlite:///{missing}/x.db")
    code, _, err = run(*command)
    assert code == 2
    assert err == (
        "homecloud: invalid setting HOMECLOUD_DATABASE_URL: "
        f"Value error, the directory {missing} does not exist (create it first)\n"
    )
    assert not (tmp_path / "nonexistent").exists()


def test_a_sqlite_path_in_an_existing_directory_is_used(
    env: dict[str, str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("HOMECLOUD_DATABASE_URL", f"sqlite:///{tmp_path}/x.db")
    code, _, err = run("db", "upgrade")
    assert (code, err) == (0, "")
    assert (tmp_path / "x.db").is_file()


def test_the_default_data_directory_is_created_on_first_use(env: dict[str, str]) -> None:
    data = Path(env["HOMECLOUD_DATA_DIR"])
    assert not data.exists()
    code, _, _ = run("db", "upgrade")
    assert code == 0
    assert (data / "homecloud.db").is_file()


def test_db_upgrade_and_current(env: dict[str, str]) -> None:
    code, out, _ = run("db", "current")
    assert code == 0
    assert "none (empty database)" in out
    code, out, _ = run("db", "upgrade")
    assert code == 0
    head = migrations.head_revision()
    assert f"is at revision {head}" in out
    assert f"current: {head}; head: {head}" in run("db", "current")[1]


def test_config_file_option_is_honoured(env: dict[str, str], tmp_path: Path) -> None:
    other = tmp_path / "elsewhere"
    config = tmp_path / "homecloud.toml"
    config.write_text(f'data_dir = "{other}"\n')
    os.environ.pop("HOMECLOUD_DATA_DIR")
    assert (
        run(
            "--config",
            str(config),
            "user",
            "add",
            "b@example.com",
            "--password-stdin",
            stdin="password-1\n",
        )[0]
        == 0
    )
    assert (other / "homecloud.db").is_file()


@pytest.mark.slow
def test_serve_demo_prints_urls_and_working_credentials(
    env: dict[str, str], tmp_path: Path
) -> None:
    """The README's first command, as a subprocess on a real port."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "homecloud", "serve", "--demo", "--port", str(port)],
        env={**os.environ, "HOMECLOUD_DEMO_PASSWORD": "demo-password-1", "COLUMNS": "250"},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: list[str] = []
    try:
        assert process.stdout is not None
        for line in process.stdout:  # the banner is printed before the server starts
            lines.append(line)
            if "smartme try it" in line:  # the banner's last face line
                break
        ready = wait_until_ready(f"http://127.0.0.1:{port}/readyz")
        assert ready == {"status": "ready", "database": "ok"}
        output = "".join(lines)
        assert f"http://127.0.0.1:{port}/healthz" in output
        assert f"http://127.0.0.1:{port}/nuheat/identity/.well-known/openid-configuration" in output
        assert f"http://127.0.0.1:{port}/nuheat/swagger" in output
        assert f"http://127.0.0.1:{port}/thingplus/v2/gateways" in output
        assert "demo@homecloud.local" in output
        assert "demo-password-1" in output
        match = re.search(r"demo-nuheat / (\S+)", output)
        assert match is not None, output
        # The printed secret authenticates the demo client: a made-up code is refused as a
        # bad grant (invalid_grant), not as a bad client (invalid_client).
        answer = httpx.post(
            f"http://127.0.0.1:{port}/nuheat/identity/connect/token",
            data={
                "grant_type": "authorization_code",
                "code": "made-up",
                "redirect_uri": "http://127.0.0.1:8765/callback",
            },
            auth=("demo-nuheat", match.group(1)),
        )
        assert answer.json()["error"] == "invalid_grant"
        wrong = httpx.post(
            f"http://127.0.0.1:{port}/nuheat/identity/connect/token",
            data={"grant_type": "authorization_code", "code": "made-up"},
            auth=("demo-nuheat", "not-the-secret"),
        )
        assert wrong.json()["error"] == "invalid_client"
    finally:
        process.terminate()
        process.communicate(timeout=15)
    # The credentials printed are the ones stored.
    assert asyncio.run(
        sign_in(Path(env["HOMECLOUD_DATA_DIR"]), "demo@homecloud.local", "demo-password-1")
    )


def wait_until_ready(url: str) -> object:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            return httpx.get(url, timeout=1).json()
        except httpx.TransportError:
            time.sleep(0.1)
    return None


async def sign_in(data_dir: Path, login: str, password: str) -> bool:
    database = Database(f"sqlite+aiosqlite:///{data_dir / 'homecloud.db'}")
    try:
        async with database.session() as session:
            return await authenticate(session, login, password) is not None
    finally:
        await database.dispose()


def test_client_lifecycle_for_scripts(env: dict[str, str]) -> None:
    code, out, err = run(
        "client",
        "add",
        "--face",
        "nuheat",
        "--name",
        "Home Assistant",
        "--redirect-uri",
        "https://ha.example/auth/external/callback",
        "--json",
    )
    assert code == 0, err
    created = orjson.loads(out)
    assert created["face"] == "nuheat"
    assert created["scope"] == "openid profile openapi offline_access"
    assert len(created["client_secret"]) >= 32
    client_id = created["client_id"]

    listed = orjson.loads(run("client", "list", "--json")[1])
    assert [c["client_id"] for c in listed] == [client_id]
    assert "client_secret" not in listed[0]

    shown = orjson.loads(run("client", "show", client_id, "--json")[1])
    assert shown["redirect_uris"] == ["https://ha.example/auth/external/callback"]

    rotated = orjson.loads(run("client", "rotate-secret", client_id, "--json")[1])
    assert rotated["client_secret"] != created["client_secret"]

    assert run("client", "remove", client_id, "--yes")[0] == 0
    assert orjson.loads(run("client", "list", "--json")[1]) == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("client", "add", "--face", "nowhere", "--name", "x"), "unknown face"),
        (("client", "add", "--face", "ckw", "--name", "x"), "needs a redirect URI"),
        (
            ("client", "add", "--face", "ckw", "--name", "x", "--redirect-uri", "/relative"),
            "must be absolute",
        ),
        (
            (
                "client",
                "add",
                "--face",
                "ckw",
                "--name",
                "x",
                "--redirect-uri",
                "https://a.example/cb#frag",
            ),
            "without a fragment",
        ),
        (
            ("client", "add", "--face", "ckw", "--name", "x", "--grant", "magic"),
            "unknown grant type",
        ),
        (
            (
                "client",
                "add",
                "--face",
                "smartme",
                "--name",
                "x",
                "--grant",
                "client_credentials",
                "--public",
            ),
            "public client",
        ),
        (("client", "show", "missing"), "no client"),
        (("client", "rotate-secret", "missing"), "no client"),
        (("keys", "rotate", "--purpose", "other"), "shared or thingplus"),
    ],
)
def test_bad_client_and_key_commands(
    env: dict[str, str], args: tuple[str, ...], message: str
) -> None:
    code, _, err = run(*args)
    assert code == 2
    assert message in err
    assert "Traceback" not in err


def test_key_rotation_keeps_the_old_key_listed(env: dict[str, str]) -> None:
    before = orjson.loads(run("keys", "list", "--json")[1])
    assert sorted(k["alg"] for k in before if k["retired_at"] is None) == ["HS256", "RS256"]
    code, out, _ = run("keys", "rotate", "--keep-hours", "2")
    assert code == 0
    assert "verifies for 2 more hours" in out
    after = orjson.loads(run("keys", "list", "--json")[1])
    shared = [k for k in after if k["purpose"] == "shared"]
    assert len(shared) == 2
    assert sum(1 for k in shared if k["retired_at"] is None) == 1


# ---------------------------------------------------------------------- apikey, cardtoken


def add_owner(email: str = "ann@example.com") -> None:
    assert run("user", "add", email, "--password-stdin", stdin="password-1\n")[0] == 0


def test_apikey_add_list_remove_for_scripts(env: dict[str, str]) -> None:
    add_owner()
    add_owner("bob@example.com")
    code, out, _ = run(
        "apikey",
        "add",
        "--owner",
        "ANN@example.com",
        "--name",
        "meter script",
        "--scope",
        "device.read user.read",
        "--json",
    )
    assert code == 0
    created = orjson.loads(out)
    assert re.fullmatch(r"[A-Za-z0-9]{32}", created.pop("api_key"))
    assert set(created) == {"id", "owner", "name", "scope", "created_at"}
    assert created["owner"] == "ann@example.com"
    assert (created["name"], created["scope"]) == ("meter script", "device.read user.read")
    code, out, _ = run(
        "apikey", "add", "--owner", "bob@example.com", "--name", "b", "--scope", "user.read"
    )
    assert code == 0
    assert "shown only now" in out

    code, out, _ = run("apikey", "list", "--json")
    assert code == 0
    listed = orjson.loads(out)
    assert [(key["owner"], key["name"]) for key in listed] == [
        ("ann@example.com", "meter script"),
        ("bob@example.com", "b"),
    ]
    assert listed[0] == created  # no key in a listing
    code, out, _ = run("apikey", "list", "--owner", "bob@example.com", "--json")
    assert [key["owner"] for key in orjson.loads(out)] == ["bob@example.com"]
    code, out, _ = run("apikey", "list")
    assert code == 0
    assert "meter script" in out

    code, out, _ = run("apikey", "remove", str(created["id"]), "--yes")
    assert code == 0
    assert f"removed API key {created['id']}" in out
    code, out, _ = run("apikey", "list", "--json")
    assert [key["name"] for key in orjson.loads(out)] == ["b"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            (
                "apikey",
                "add",
                "--owner",
                "ghost@example.com",
                "--name",
                "x",
                "--scope",
                "user.read",
            ),
            "no account 'ghost@example.com'",
        ),
        (
            ("apikey", "add", "--owner", "ann@example.com", "--name", "x", "--scope", "openid"),
            "unknown scope(s) openid",
        ),
        (
            ("apikey", "add", "--owner", "ann@example.com", "--name", "x", "--scope", " "),
            "at least one scope",
        ),
        (
            ("apikey", "add", "--owner", "ann@example.com", "--name", " ", "--scope", "user.read"),
            "needs a name",
        ),
        (("apikey", "list", "--owner", "ghost@example.com"), "no account"),
        (("apikey", "remove", "999", "--yes"), "no API key 999"),
        (("cardtoken", "list", "--owner", "ghost@example.com"), "no account"),
        (("cardtoken", "remove", "999", "--yes"), "no card token 999"),
    ],
)
def test_bad_credential_commands_exit_2_with_one_line(
    env: dict[str, str], args: tuple[str, ...], message: str
) -> None:
    add_owner()
    code, _, err = run(*args)
    assert code == 2
    assert message in err
    assert err.count("\n") == 1
    assert "Traceback" not in err


async def test_cli_credentials_work_against_the_server(
    env: dict[str, str], client: httpx.AsyncClient, services: Services
) -> None:
    """The CLI and the in-process app share the data directory (both from ``tmp_path``)."""
    async with services.database.session(write=True) as session:
        ann = await create_user(session, "ann@example.com", "password-1", username="ann")
        card_token = await issue_card_token(session, face="smartme", user_id=ann.id, card_id=42)
    code, out, _ = await asyncio.to_thread(
        run, "apikey", "add", "--owner", "ann", "--name", "s", "--scope", "user.read", "--json"
    )
    assert code == 0, out
    created = orjson.loads(out)
    key = {"Authorization": f"ApiKey {created['api_key']}"}
    basic = base64.b64encode(f"cardaccesstoken_42:{card_token}".encode()).decode()
    card = {"Authorization": f"Basic {basic}"}
    for headers in (key, card):
        response = await client.get("/smartme/api/User", headers=headers)
        assert response.status_code == 200, response.text
        assert response.json()["Email"] == "ann@example.com"

    code, out, _ = await asyncio.to_thread(run, "cardtoken", "list", "--json")
    assert code == 0
    (listed,) = orjson.loads(out)
    assert set(listed) == {"id", "owner", "card_id", "created_at"}
    assert (listed["owner"], listed["card_id"]) == ("ann@example.com", 42)

    for args in (
        ("apikey", "remove", str(created["id"])),
        ("cardtoken", "remove", str(listed["id"])),
    ):
        code, _, _ = await asyncio.to_thread(run, *args, "--yes")
        assert code == 0
    for headers in (key, card):
        assert (await client.get("/smartme/api/User", headers=headers)).status_code == 401


def test_serve_on_a_taken_port_exits_4_before_touching_the_database(env: dict[str, str]) -> None:
    """A second `serve --demo` must not re-seed the demo (new secrets would invalidate the
    running server's banner) only to fail at the bind."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        code, out, err = run("serve", "--demo", "--port", str(port))
    assert code == 4
    assert err == (
        f"homecloud: port {port} on 127.0.0.1 is taken (is homecloud already running?); "
        "choose another with --port or HOMECLOUD_PORT\n"
    )
    assert out == ""
    assert not (Path(env["HOMECLOUD_DATA_DIR"]) / "homecloud.db").exists()


def test_serve_on_an_address_it_cannot_have_exits_4(env: dict[str, str]) -> None:
    code, _, err = run("serve", "--host", "192.0.2.1", "--port", "8080")  # TEST-NET-1
    assert code == 4
    assert err.startswith("homecloud: cannot listen on 192.0.2.1 port 8080: ")
    assert err.count("\n") == 1


@pytest.mark.parametrize(
    "command",
    [
        (),
        ("serve",),
        ("client", "add"),
        ("client", "show"),
        ("user", "add"),
        ("apikey", "add"),
        ("keys", "rotate"),
        ("simulate", "thingplus"),
        ("nuheat",),
        ("nuheat", "add-thermostat"),
    ],
)
def test_help_shows_no_bool_placeholders_and_no_stray_dots(command: tuple[str, ...]) -> None:
    code, out, _ = run(*command, "--help")
    assert code == 0
    assert "<bool>" not in out
    assert "<list[" not in out
    assert " ." not in out
    assert "--help" in out


def test_serve_help_names_the_defaults_and_plain_flags() -> None:
    out = " ".join(run("serve", "--help")[1].split())  # as one line, whatever the wrapping
    assert "Interface to listen on (default 127.0.0.1, or HOMECLOUD_HOST)." in out
    assert "TCP port (default 8080, or HOMECLOUD_PORT)." in out
    assert "--no-demo" not in out
    assert "--no-reload" not in out


def test_simulate_help_does_not_call_the_prompted_password_required() -> None:
    out = run("simulate", "thingplus", "--help")[1]
    password = out[out.index("--password") : out.index("--url")]
    assert "asked for when not given" in password
    assert "required" not in password
    login = out[out.index("--login") : out.index("--password")]
    assert "required" in login


def test_client_add_takes_scope_repeated_or_space_separated(env: dict[str, str]) -> None:
    code, out, err = run(
        "client",
        "add",
        "--face",
        "nuheat",
        "--name",
        "Two scopes",
        "--redirect-uri",
        "https://a.example/cb",
        "--scope",
        "openid",
        "--scope",
        "openapi offline_access",
        "--json",
    )
    assert code == 0, err
    assert orjson.loads(out)["scope"] == "openid openapi offline_access"


def test_client_show_prints_dates_in_iso_8601_utc(env: dict[str, str]) -> None:
    created = orjson.loads(
        run(
            "client",
            "add",
            "--face",
            "ckw",
            "--name",
            "Dated",
            "--redirect-uri",
            "https://a.example/cb",
            "--json",
        )[1]
    )
    code, out, _ = run("client", "show", created["client_id"])
    assert code == 0
    stamp = re.search(r"created_at\W+(\S+)", out)
    assert stamp is not None
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", stamp.group(1))
    assert not re.search(r"\b\d{13}\b", out)  # no raw milliseconds
    # Scripts keep the stored milliseconds.
    shown = orjson.loads(run("client", "show", created["client_id"], "--json")[1])
    assert isinstance(shown["created_at"], int)
