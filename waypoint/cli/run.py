"""`waypoint run` (the main job: a local referral server and the app, already enrolled) and
`waypoint app` (the Flet app alone, in web mode)."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import click

from waypoint.cli.demo_keys import demo_organisation_keys, demo_private_key
from waypoint.cli.options import data_dir_option
from waypoint.cli.serving import Listener, bind, serve_until_stopped
from waypoint.cli.web_guard import WebGuard
from waypoint.core.data_folder import ensure_private_dir
from waypoint.core.errors import ConfigError
from waypoint.core.i18n import N_
from waypoint.core.resources import ASSETS_DIR

DEFAULT_APP_PORT = 8550
DEFAULT_SERVER_PORT = 8551

APP_TITLE = "Waypoint"  # the only name a browser tab, an app switcher or a bystander sees
SESSION_GRACE_SECONDS = 120  # a dropped connection may resume within this; then the session is gone


def guarded_web_app(main: Callable[[Any], Awaitable[None]], sock: socket.socket) -> WebGuard:
    """A Flet `main(page)` as an ASGI app: offline (no CDN), bundled assets and fonts, a neutral title;
    only the tab opened at the printed address (with this launch's token) reaches it
    (waypoint/cli/web_guard.py). The field app and the browser desks are served this way."""
    import flet_web.fastapi

    flet_app = flet_web.fastapi.app(
        main,
        assets_dir=str(ASSETS_DIR),
        app_name=APP_TITLE,
        app_short_name=APP_TITLE,
        app_description=APP_TITLE,
        no_cdn=True,
        session_timeout_seconds=SESSION_GRACE_SECONDS,
    )
    return WebGuard.serving(flet_app, sock)


def _web_app(data_dir: Path, sock: socket.socket) -> WebGuard:
    """The field app, served by `guarded_web_app`."""
    from app.config import AppConfig
    from app.main import create_main, warm_up
    from app.services import AppServices

    services = AppServices(AppConfig(data_dir=data_dir))
    warm_up(services)  # before the address is printed: the first page does not pay for it
    return guarded_web_app(create_main(services=services), sock)


def _announce(listener: Listener) -> None:
    click.echo(f"Waypoint app: {listener.app.launch_url}")


@click.command("app")
@data_dir_option
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=int, default=DEFAULT_APP_PORT, show_default=True, help="Port (0: any free).")
def app_command(data_dir: Path, host: str, port: int) -> None:
    """Serve the Waypoint app in web mode (offline: no CDN, bundled fonts)."""
    data_dir = ensure_private_dir(data_dir)
    sock = bind(host, port, "app")
    listener = Listener(_web_app(data_dir, sock), sock)

    async def announce(started: Listener) -> None:
        _announce(started)

    asyncio.run(serve_until_stopped([listener], after_start=announce))


def _enrolled_port(data_dir: Path) -> int | None:
    from urllib.parse import urlsplit

    from app.vault import Vault

    enrollment = Vault.open(data_dir).device_store.load_enrollment()
    return urlsplit(enrollment.server_url).port if enrollment else None


@click.command("run")
@data_dir_option
@click.option("--port", type=int, default=DEFAULT_APP_PORT, show_default=True, help="App port (0: any free).")
@click.option(
    "--server-port",
    type=int,
    default=None,
    help=f"Referral server port (default: the one the device enrolled with, else {DEFAULT_SERVER_PORT}).",
)
def run_command(data_dir: Path, port: int, server_port: int | None) -> None:
    """Start a local referral server on SQLite and the app, enrolled against it."""
    from sync import join
    from sync.desk.codes import authorize_code
    from sync.server import ServerSettings, create_app, create_enrollment_code

    root = ensure_private_dir(data_dir)
    server_dir = ensure_private_dir(root / "server")
    database_url = f"sqlite:///{server_dir / 'referral.db'}"

    key_files = demo_organisation_keys(root)  # beside the data folder, never inside it

    enrolled_port = _enrolled_port(root)
    if server_port is not None and enrolled_port is not None and server_port != enrolled_port:
        raise ConfigError(
            N_("This device is enrolled with the referral server on port {enrolled}, not {asked}."),
            N_("Leave out --server-port, or use a new --data-dir for a fresh set-up."),
            enrolled=enrolled_port,
            asked=server_port,
        )
    chosen_server_port = server_port if server_port is not None else (enrolled_port or DEFAULT_SERVER_PORT)
    settings = ServerSettings(database_url=database_url, public_key_file=key_files.public_key)
    server = Listener(create_app(settings), bind("127.0.0.1", chosen_server_port, "referral server"))
    app_socket = bind("127.0.0.1", port, "app")
    app = Listener(_web_app(root, app_socket), app_socket)

    async def after_start(started: Listener) -> None:
        if started is server and enrolled_port is None:
            from app.vault import Vault

            code = await asyncio.to_thread(create_enrollment_code, database_url, server.url.rstrip("/"))
            code = await asyncio.to_thread(authorize_code, code, demo_private_key(root))
            await asyncio.to_thread(join, code, Vault.open(root).device_store)
        if started is app:
            _announce(app)

    asyncio.run(serve_until_stopped([server, app], after_start=after_start))


commands: list[click.Command] = [run_command, app_command]
