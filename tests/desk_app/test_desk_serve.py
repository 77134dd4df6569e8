"""`waypoint desk serve` over a fake coordinator service (the real one is sync.desk.coordinator).

WD020: the served desk sits behind the launch guard: a request without the launch token or cookie,
       a foreign Origin or another Host is refused (403) before Flet answers; the launch address sets
       the cookie and the page then loads, offline (no CDN), from 127.0.0.1.
WD021: the command reads the key with WAYPOINT_KEY_PASSPHRASE, builds the service from --server and
       the key, binds 127.0.0.1 only and prints one ready line with the token; no passphrase: refused.
WD022: the desk offers the languages the field app ships.
"""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from desk_fakes import FakeCoordinatorService

from waypoint.cli import desk as desk_cli
from waypoint.cli.main import main as waypoint
from waypoint.cli.web_guard import WebGuard

PASSPHRASE = "correct horse battery staple"  # a test key's passphrase (bandit skips tests)


@pytest.fixture
def served() -> Any:
    from tests.test_web_guard import ask

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    guard = desk_cli.desk_web_app(FakeCoordinatorService(), sock)  # type: ignore[arg-type]
    host = f"127.0.0.1:{guard.port}"
    yield guard, host, ask
    sock.close()


def test_wd020_the_desk_refuses_what_did_not_come_from_its_tab(served: Any) -> None:
    guard, host, ask = served
    assert isinstance(guard, WebGuard) and guard.launch_url.startswith(f"http://{host}/?token=")
    cookie = f"waypoint-{guard.port}={guard.token}"
    assert ask(guard, "/", {"Host": host}).status == 403  # no token, no cookie
    assert ask(guard, "/", {"Host": host}, query="token=wrong").status == 403
    assert (
        ask(guard, "/", {"Host": host, "Cookie": cookie, "Origin": "http://attacker.example"}).status == 403
    )
    assert ask(guard, "/", {"Host": f"attacker.example:{guard.port}", "Cookie": cookie}).status == 403
    assert (
        ask(
            guard,
            "/ws",
            {"Host": host, "Origin": "http://attacker.example", "Cookie": cookie},
            websocket=True,
        ).status
        == 403
    )


async def test_wd020_the_launch_address_opens_the_offline_desk(served: Any) -> None:
    import httpx

    guard, host, _ = served
    cookie = f"waypoint-{guard.port}={guard.token}"
    transport = httpx.ASGITransport(app=guard)
    async with httpx.AsyncClient(transport=transport, base_url=f"http://{host}") as browser:
        launched = await browser.get(f"/?token={guard.token}", headers={"Sec-Fetch-Site": "none"})
        assert launched.status_code == 200 and launched.headers["set-cookie"].startswith(f"{cookie};")
        page = await browser.get("/", headers={"Sec-Fetch-Site": "same-origin"})
        assert page.status_code == 200 and "gstatic" not in page.text and "canvaskit" in page.text


def test_wd021_serve_prints_one_ready_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from sync.desk.keys import generate_organisation_keys

    keys = generate_organisation_keys(tmp_path / "keys", PASSPHRASE)
    built: list[tuple[str, Any]] = []
    served: list[Any] = []

    def fake_service(server_url: str, key: Any, language: str) -> FakeCoordinatorService:
        built.append((server_url, key))
        return FakeCoordinatorService()

    async def fake_serve(listeners: list[Any], after_start: Any = None) -> None:
        served.extend(listeners)
        for listener in listeners:
            await after_start(listener)
            listener.sock.close()

    monkeypatch.setattr(desk_cli, "_coordinator_service", fake_service)
    monkeypatch.setattr("waypoint.cli.serving.serve_until_stopped", fake_serve)
    args = [
        "desk",
        "serve",
        "--key",
        str(keys.private_key),
        "--server",
        "http://127.0.0.1:8551/",
        "--port",
        "0",
    ]
    refused = CliRunner().invoke(waypoint, args, env={"WAYPOINT_KEY_PASSPHRASE": ""})
    assert refused.exit_code == 1 and "WAYPOINT_KEY_PASSPHRASE" in refused.output and not built
    result = CliRunner().invoke(waypoint, args, env={"WAYPOINT_KEY_PASSPHRASE": PASSPHRASE})
    assert result.exit_code == 0, result.output
    [(server_url, key)] = built
    assert server_url == "http://127.0.0.1:8551" and key is not None
    [listener] = served
    lines = result.output.splitlines()
    assert lines == [f"Waypoint desk: {listener.app.launch_url}"]
    assert listener.app.launch_url.startswith("http://127.0.0.1:") and "token=" in listener.app.launch_url


def test_wd022_desk_languages_are_the_apps() -> None:
    import click

    from app.i18n import SHIPPED_LANGUAGES

    for group, command in (("desk", "serve"), ("partner", "serve")):
        serve = waypoint.commands[group].commands[command]  # type: ignore[attr-defined]
        [language] = [p for p in serve.params if p.name == "language"]
        assert isinstance(language.type, click.Choice)
        assert tuple(language.type.choices) == SHIPPED_LANGUAGES, (group, command)
