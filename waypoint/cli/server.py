"""`waypoint server`: the referral server, which stores sealed interviews it cannot open."""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path
from typing import Any

import click

from waypoint.cli.options import database_url_option
from waypoint.core.errors import ConfigError
from waypoint.core.i18n import N_


@click.command("server")
@database_url_option
@click.option(
    "--public-key",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    default=None,
    help="The organisation's public key to register (needed on first start).",
)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port", type=int, default=8551, show_default=True, help="Port to listen on (0: any free port)."
)
@click.option("--max-body-bytes", type=int, default=None, help="Largest request body accepted.")
@click.option(
    "--rate-limit-per-minute", type=int, default=None, help="Signed requests per device per minute."
)
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=None,
    help="Server processes (default: one per CPU core on PostgreSQL, one on SQLite).",
)
@click.option(
    "--threads",
    type=click.IntRange(min=1),
    default=None,
    help="Requests each process handles at once, and its database connections (default 16).",
)
def server_command(
    database_url: str,
    public_key: Path | None,
    host: str,
    port: int,
    max_body_bytes: int | None,
    rate_limit_per_minute: int | None,
    workers: int | None,
    threads: int | None,
) -> None:
    """Run the referral server (stores sealed interviews it cannot open)."""
    import uvicorn

    from sync.server import ServerSettings, create_app
    from sync.server.db import (
        current_organisation_key,
        load_receipt_key,
        make_engine,
        prepare_database,
        read_public_key_file,
        register_organisation_key,
    )

    url = database_url
    settings = ServerSettings(database_url=url, public_key_file=public_key)
    chosen: dict[str, Any] = {
        "max_body_bytes": max_body_bytes,
        "rate_limit_per_minute": rate_limit_per_minute,
        "workers": workers,
        "threads": threads,
    }
    settings = replace(settings, **{name: value for name, value in chosen.items() if value is not None})
    processes = settings.process_count
    if processes == 1:
        app = create_app(settings)  # sets up the schema, the organisation key and the receipt key
        _require_organisation_key(current_organisation_key(app.state.waypoint.engine))
        uvicorn.run(app, host=host, port=port, log_level="info", access_log=False, server_header=False)
        return
    # Set the database up once, here, so the worker processes start on a ready schema and keys.
    engine = make_engine(url, connections=1)
    try:
        prepare_database(engine)
        if public_key is not None:
            register_organisation_key(engine, read_public_key_file(public_key))
        _require_organisation_key(current_organisation_key(engine))
        load_receipt_key(engine)
    finally:
        engine.dispose()
    os.environ[SETTINGS_VARIABLE] = settings.to_json()
    uvicorn.run(
        f"{__name__}:worker_app",
        factory=True,
        workers=processes,
        host=host,
        port=port,
        log_level="info",
        access_log=False,  # a line per request costs the workers time; errors are still logged
        server_header=False,
    )


def _require_organisation_key(known: object | None) -> None:
    if known is None:
        raise ConfigError(
            N_("The referral server has no organisation public key yet."),
            N_("Start it once with --public-key FILE (made by `waypoint keys generate`)."),
        )


def worker_app() -> Any:
    """The app in one worker process (uvicorn's supervisor starts `--workers` of them on one socket,
    and restarts any that dies); the settings come from the process that started them."""
    from sync.server import ServerSettings, create_app

    return create_app(ServerSettings.from_json(os.environ[SETTINGS_VARIABLE]))


SETTINGS_VARIABLE = "WAYPOINT_SERVER_SETTINGS"

commands: list[click.Command] = [server_command]
