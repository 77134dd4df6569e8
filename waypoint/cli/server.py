"""`waypoint server`: the referral server, which stores sealed interviews it cannot open."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

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
def server_command(
    database_url: str,
    public_key: Path | None,
    host: str,
    port: int,
    max_body_bytes: int | None,
    rate_limit_per_minute: int | None,
) -> None:
    """Run the referral server (stores sealed interviews it cannot open)."""
    import uvicorn

    from sync.server import ServerSettings, create_app
    from sync.server.db import current_organisation_key, make_engine, prepare_database

    url = database_url
    settings = ServerSettings(database_url=url, public_key_file=public_key)
    if max_body_bytes is not None:
        settings = replace(settings, max_body_bytes=max_body_bytes)
    if rate_limit_per_minute is not None:
        settings = replace(settings, rate_limit_per_minute=rate_limit_per_minute)
    if public_key is None:
        engine = make_engine(url)
        prepare_database(engine)
        known = current_organisation_key(engine)
        engine.dispose()
        if known is None:
            raise ConfigError(
                N_("The referral server has no organisation public key yet."),
                N_("Start it once with --public-key FILE (made by `waypoint keys generate`)."),
            )
    uvicorn.run(create_app(settings), host=host, port=port, log_level="info", server_header=False)


commands: list[click.Command] = [server_command]
