"""What several `waypoint` commands share: the data-folder and database options, and the secrets they
read from the environment (never from options: those end up in shell history and process lists).

Each is defined once here; a command names the decorator instead of repeating the option.
"""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from waypoint.core.data_folder import default_data_dir, existing_data_dir
from waypoint.core.errors import ConfigError
from waypoint.core.i18n import N_, SHIPPED_LANGUAGES

if TYPE_CHECKING:
    from app.vault import Vault

__all__ = [
    "DURESS_PIN_VARIABLE",
    "PASSPHRASE_VARIABLE",
    "PIN_VARIABLE",
    "data_dir_option",
    "database_url_option",
    "desk_language_option",
    "existing_vault",
    "insecure_http_option",
    "organisation_passphrase",
    "pin_from_environment",
    "warn_insecure_http",
]

PIN_VARIABLE = "WAYPOINT_PIN"
DURESS_PIN_VARIABLE = "WAYPOINT_DURESS_PIN"
PASSPHRASE_VARIABLE = "WAYPOINT_KEY_PASSPHRASE"  # noqa: S105 - the variable's name, not a secret

_Command = TypeVar("_Command", bound=Callable[..., Any])


def _data_dir(_ctx: click.Context, _param: click.Parameter, value: Path | None) -> Path:
    return value if value is not None else default_data_dir()


data_dir_option = click.option(
    "--data-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    callback=_data_dir,
    help="The device's private data folder, holding its vault "
    "(default: WAYPOINT_DATA_DIR, else the platform's app-data folder).",
)


def _database_url(_ctx: click.Context, _param: click.Parameter, value: str | None) -> str:
    return value or f"sqlite:///{default_data_dir() / 'server' / 'referral.db'}"


database_url_option = click.option(
    "--database-url",
    default=None,
    callback=_database_url,
    help="The referral server's database (default: SQLite in the data folder's server/referral.db).",
)


desk_language_option = click.option(
    "--language",
    type=click.Choice(SHIPPED_LANGUAGES),
    default="en",
    show_default=True,
    help="The desk's language.",
)


insecure_http_option = click.option(
    "--insecure-http",
    is_flag=True,
    default=False,
    help="TEST LAB ONLY: allow a plain http:// server on another machine (nothing is encrypted in transit).",
)


def warn_insecure_http(insecure_http: bool) -> None:
    """One loud line on stderr whenever `--insecure-http` is used."""
    if insecure_http:
        click.echo(
            "WARNING: --insecure-http: plain http:// to another machine is allowed; anyone on the "
            "network can read and change what is sent. Use it only in a test lab.",
            err=True,
        )


def pin_from_environment(*, required: bool) -> Callable[[_Command], _Command]:
    """Give the command a `pin` argument: the officer's secret from `WAYPOINT_PIN`.

    With `required`, a missing or empty variable stops the command before it does anything; without,
    the command gets None and decides.
    """

    def decorate(command: _Command) -> _Command:
        @functools.wraps(command)
        def with_pin(*args: Any, **kwargs: Any) -> Any:
            return command(*args, pin=_pin(required=required), **kwargs)

        return with_pin  # type: ignore[return-value]

    return decorate


def _pin(*, required: bool) -> str | None:
    pin = os.environ.get(PIN_VARIABLE) or None
    if required and pin is None:
        raise ConfigError(
            N_("The vault secret is missing: set the environment variable {variable}."),
            N_("Set it to the vault's passphrase (at least 12 characters) and run the command again."),
            variable=PIN_VARIABLE,
        )
    return pin


def organisation_passphrase(*, ask: bool = False) -> str:
    """The passphrase of the organisation's (or a partner's) private key, from `WAYPOINT_KEY_PASSPHRASE`;
    with `ask`, when that is not set and a person is at the terminal, asked for (never echoed).

    Raises:
        ConfigError: the variable is not set (and nobody can be asked).
    """
    passphrase = os.environ.get(PASSPHRASE_VARIABLE)
    if not passphrase and ask and sys.stdin.isatty():
        passphrase = click.prompt("Key passphrase", hide_input=True, default="", show_default=False)
    if not passphrase:
        raise ConfigError(
            N_("The organisation key passphrase is not set."),
            N_("Set WAYPOINT_KEY_PASSPHRASE to the passphrase for the organisation's private key."),
        )
    return passphrase


def existing_vault(data_dir: Path) -> Vault:
    """The vault in `data_dir`, for commands that only read or send what is there.

    Raises:
        ConfigError: the folder holds no vault (a mistyped --data-dir, most often); nothing is created.
        VaultFileDamagedError: the vault file cannot be read.
    """
    from app.vault import Vault

    return Vault.open(existing_data_dir(data_dir))
