"""`waypoint run` (the main job: a local referral server and the app, already enrolled) and
`waypoint app` (the Flet app alone, in web mode)."""

from __future__ import annotations

import asyncio
import os
import secrets
from pathlib import Path
from typing import Any

import click

from waypoint.cli.options import PASSPHRASE_VARIABLE, data_dir_option
from waypoint.cli.serving import Listener, bind, serve_until_stopped
from waypoint.core.data_folder import ensure_private_dir
from waypoint.core.errors import ConfigError
from waypoint.core.i18n import N_
from waypoint.core.resources import ASSETS_DIR

DEFAULT_APP_PORT = 8550
DEFAULT_SERVER_PORT = 8551

APP_TITLE = "Waypoint"  # the only name a browser tab, an app switcher or a bystander sees
SESSION_GRACE_SECONDS = 120  # a dropped connection may resume within this; then the session is gone


def _web_app(data_dir: Path) -> Any:
    """The app as an ASGI app: offline (no CDN), bundled assets, a neutral title."""
    import flet_web.fastapi

    from app.config import AppConfig
    from app.main import create_main

    return flet_web.fastapi.app(
        create_main(AppConfig(data_dir=data_dir)),
        assets_dir=str(ASSETS_DIR),
        app_name=APP_TITLE,
        app_short_name=APP_TITLE,
        app_description=APP_TITLE,
        no_cdn=True,
        session_timeout_seconds=SESSION_GRACE_SECONDS,
    )


def _announce(listener: Listener) -> None:
    click.echo(f"Waypoint app: {listener.url}")


@click.command("app")
@data_dir_option
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=int, default=DEFAULT_APP_PORT, show_default=True, help="Port (0: any free).")
def app_command(data_dir: Path, host: str, port: int) -> None:
    """Serve the Waypoint app in web mode (offline: no CDN, bundled fonts)."""
    data_dir = ensure_private_dir(data_dir)
    listener = Listener(_web_app(data_dir), bind(host, port, "app"))

    async def announce(started: Listener) -> None:
        _announce(started)

    asyncio.run(serve_until_stopped([listener], after_start=announce))


def _organisation_passphrase(desk_dir: Path) -> str:
    """The demo organisation's key passphrase: `WAYPOINT_KEY_PASSPHRASE`, else one kept beside the keys.

    `waypoint run` is a local demonstration on one machine. A real organisation generates its keys with
    `waypoint keys generate` on the case desk and keeps the passphrase out of any file.
    """
    if passphrase := os.environ.get(PASSPHRASE_VARIABLE):
        return passphrase
    stored = desk_dir / "demo-passphrase.txt"
    if not stored.exists():
        stored.touch(mode=0o600)
        stored.write_text(secrets.token_urlsafe(24))
    return stored.read_text().strip()


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
    from sync.desk import generate_organisation_keys
    from sync.server import ServerSettings, create_app, create_enrollment_code

    root = ensure_private_dir(data_dir)
    server_dir = ensure_private_dir(root / "server")
    desk_dir = ensure_private_dir(root / "desk")
    database_url = f"sqlite:///{server_dir / 'referral.db'}"

    passphrase = _organisation_passphrase(desk_dir)
    key_files = generate_organisation_keys(desk_dir, passphrase, exist_ok=True)

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
    app = Listener(_web_app(root), bind("127.0.0.1", port, "app"))

    async def after_start(started: Listener) -> None:
        if started is server and enrolled_port is None:
            from app.vault import Vault

            code = await asyncio.to_thread(create_enrollment_code, database_url, server.url.rstrip("/"))
            await asyncio.to_thread(join, code, Vault.open(root).device_store)
        if started is app:
            _announce(app)

    asyncio.run(serve_until_stopped([server, app], after_start=after_start))


commands: list[click.Command] = [run_command, app_command]
