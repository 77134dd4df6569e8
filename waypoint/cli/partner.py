"""`waypoint partner`: a partner organisation's keys, enrollment, inbox and answers (docs/referral.md).

    WAYPOINT_KEY_PASSPHRASE=... waypoint partner keys --out DIR
    waypoint partner enroll-code --database-url URL --server-url URL --organization ID [--key ORG_KEY]
    waypoint partner join --state DIR --key DIR --code CODE
    waypoint partner inbox --state DIR --key DIR [--json]
    waypoint partner accept|decline|complete --state DIR --key DIR REFERRAL_ID [--reason T | --note T]
    waypoint partner serve --state DIR --key DIR [--port P] [--language L]    (the desk in a browser)
    waypoint partner list|revoke --database-url URL [PARTNER_ID]

What a partner opens is printed, or shown in the browser desk, never written to a file.
"""

from __future__ import annotations

import asyncio
import json
import socket
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from waypoint.cli.options import (
    database_url_option,
    desk_language_option,
    insecure_http_option,
    organisation_passphrase,
    warn_insecure_http,
)
from waypoint.core.errors import ConfigError
from waypoint.core.i18n import N_

if TYPE_CHECKING:
    from sync.desk.service import PartnerService
    from waypoint.cli.web_guard import WebGuard

DEFAULT_PARTNER_DESK_PORT = 8553

_state_option = click.option(
    "--state",
    "state_dir",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="The partner's state folder (its enrollment; no secret).",
)
_key_option = click.option(
    "--key",
    "key_dir",
    required=True,
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    help="The folder made by `waypoint partner keys` (passphrase from WAYPOINT_KEY_PASSPHRASE).",
)


@click.group("partner")
def partner_group() -> None:
    """Partner organisations that receive referrals: keys, enrollment, inbox and answers."""


@partner_group.command("keys")
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path))
def partner_keys(out_dir: Path) -> None:
    """Make the partner's signing and sealing key pairs, locked with WAYPOINT_KEY_PASSPHRASE."""
    from sync.partner_enroll import generate_partner_keys

    public = generate_partner_keys(out_dir, organisation_passphrase())
    click.echo(f"public keys: {public}")


@partner_group.command("enroll-code")
@database_url_option
@click.option("--server-url", required=True, help="The address partners reach the server at.")
@click.option("--organization", "organization_id", required=True, help="The partner's HSDS organization id.")
@click.option(
    "--key",
    "key_file",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    default=None,
    help="organisation.private.json: authorise the code at once (else `waypoint desk authorize-code`).",
)
@click.option("--ttl-minutes", type=float, default=15.0, show_default=True)
@insecure_http_option
def partner_enroll_code(
    database_url: str,
    server_url: str,
    organization_id: str,
    key_file: Path | None,
    ttl_minutes: float,
    insecure_http: bool,
) -> None:
    """Print a one-time partner enrollment code (last line). Only a code the organisation authorised
    makes a partner whose keys go into the directory."""
    from sync.server import create_enrollment_code

    code = create_enrollment_code(
        database_url,
        server_url,
        ttl=timedelta(minutes=ttl_minutes),
        insecure_http=insecure_http,
        partner_organization=organization_id,
    )
    warn_insecure_http(insecure_http)
    if key_file is not None:
        from sync.desk import load_private_key
        from sync.desk.codes import authorize_code

        code = authorize_code(code, load_private_key(key_file, organisation_passphrase()))
    else:
        click.echo("not authorised yet: run `waypoint desk authorize-code` on the case desk", err=True)
    click.echo(code)


@partner_group.command("join")
@_state_option
@_key_option
@click.option("--code", required=True, help="The partner enrollment code from the organisation.")
@insecure_http_option
def partner_join(state_dir: Path, key_dir: Path, code: str, insecure_http: bool) -> None:
    """Enroll this partner with the organisation's server."""
    from sync.partner_enroll import join_partner, load_partner_keys

    keys = load_partner_keys(key_dir, organisation_passphrase())
    warn_insecure_http(insecure_http)
    state = join_partner(code, state_dir, keys, insecure_http=insecure_http)
    click.echo(f"enrolled as partner {state.partner_id} for organization {state.organization_id}")


def _load(state_dir: Path, key_dir: Path) -> tuple[Any, Any]:
    from sync.partner_enroll import load_partner_keys, load_partner_state

    state = load_partner_state(state_dir)
    return state, load_partner_keys(key_dir, organisation_passphrase())


def _time(milliseconds: int) -> str:
    return datetime.fromtimestamp(milliseconds / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@partner_group.command("inbox")
@_state_option
@_key_option
@click.option("--json", "as_json", is_flag=True, default=False, help="One JSON document.")
@insecure_http_option
def partner_inbox(state_dir: Path, key_dir: Path, as_json: bool, insecure_http: bool) -> None:
    """List and open the referrals addressed to this partner; any that does not verify is named, not shown."""
    from sync.partner_inbox import fetch_inbox

    state, keys = _load(state_dir, key_dir)
    items = fetch_inbox(state, keys, insecure_http=insecure_http)
    if as_json:
        click.echo(
            json.dumps(
                [
                    {
                        "referral_id": item.referral_id,
                        "status": item.status,
                        "received_at": _time(item.received_at),
                        "verified": item.package is not None,
                        "refused": item.refused,
                        "package": item.package,
                    }
                    for item in items
                ],
                ensure_ascii=False,
                indent=1,
            )
        )
        return
    for item in items:
        if item.package is None:
            click.echo(f"{item.referral_id}  REFUSED ({item.refused}): do not act on it")
            continue
        fields = ", ".join(f"{name}={value}" for name, value in item.package.get("fields", {}).items())
        needs = ",".join(item.package.get("needs", [])) or "not mapped"
        click.echo(f"{item.referral_id}  {item.status}  {_time(item.received_at)}  needs: {needs}  {fields}")
    if not items:
        click.echo("no referrals")


def _answer(status: str) -> click.Command:
    text_option = {"declined": "--reason", "completed": "--note"}.get(status)

    @click.command({"accepted": "accept", "declined": "decline", "completed": "complete"}[status])
    @_state_option
    @_key_option
    @click.argument("referral_id")
    @click.option("--reason", default=None, help="Why it is declined (sealed to the organisation).")
    @click.option("--note", default=None, help="A completion note (sealed to the organisation).")
    @insecure_http_option
    def answer(
        state_dir: Path,
        key_dir: Path,
        referral_id: str,
        reason: str | None,
        note: str | None,
        insecure_http: bool,
    ) -> None:
        from sync.partner_inbox import change_status

        text = reason if status == "declined" else note if status == "completed" else None
        if (reason is not None and status != "declined") or (note is not None and status != "completed"):
            raise ConfigError(
                N_("--reason goes with decline and --note with complete."),
                N_("Run the command again without the other option."),
            )
        state, keys = _load(state_dir, key_dir)
        event = change_status(state, keys, referral_id, status, text, insecure_http=insecure_http)
        click.echo(f"{event.referral_id} {event.status} at {_time(event.at)}")

    answer.help = f"Mark a referral {status} (signed with the partner key)." + (
        f" {text_option} is sealed to the organisation." if text_option else ""
    )
    return answer


def partner_web_app(service: PartnerService, sock: socket.socket, language: str = "en") -> WebGuard:
    """The partner desk over `service`, as the guarded, offline web app served on `sock`."""
    from desk_app.partner import create_partner_main
    from waypoint.cli.run import guarded_web_app

    return guarded_web_app(create_partner_main(service, language), sock)


@partner_group.command("serve")
@_state_option
@_key_option
@click.option(
    "--port",
    type=int,
    default=DEFAULT_PARTNER_DESK_PORT,
    show_default=True,
    help="Desk port on 127.0.0.1 (0: any free).",
)
@desk_language_option
@insecure_http_option
def partner_serve(state_dir: Path, key_dir: Path, port: int, language: str, insecure_http: bool) -> None:
    """Serve the partner caseworker's desk in this computer's browser (127.0.0.1 only): inbox, referral
    detail, accept, decline with a reason, complete with a note.

    The keys are opened once (passphrase from WAYPOINT_KEY_PASSPHRASE, or asked for at the terminal)
    and held in memory only; opened referrals too. Prints one line with the address to open; it
    carries this launch's token.
    """
    from sync.desk.partner_desk import PartnerDesk
    from waypoint.cli.serving import Listener, bind, serve_until_stopped

    passphrase = organisation_passphrase(ask=True)
    desk = PartnerDesk.open(state_dir, key_dir, passphrase, insecure_http=insecure_http)
    warn_insecure_http(insecure_http)
    try:
        sock = bind("127.0.0.1", port, "partner desk")
        listener = Listener(partner_web_app(desk, sock, language), sock)

        async def announce(started: Listener) -> None:
            click.echo(f"Waypoint partner desk: {started.app.launch_url}")

        asyncio.run(serve_until_stopped([listener], after_start=announce))
    finally:
        desk.close()


@partner_group.command("list")
@database_url_option
def partner_list(database_url: str) -> None:
    """List enrolled partners (id, organization id, status)."""
    from sync.server.reading import SubmissionReader

    with SubmissionReader.open(database_url) as reader:
        for partner in reader.partners():
            vouched = "authorised" if partner.code_id else "not authorised"
            click.echo(f"{partner.partner_id}  {partner.organization_id}  {partner.status}  {vouched}")


@partner_group.command("revoke")
@database_url_option
@click.argument("partner_id")
def partner_revoke(database_url: str, partner_id: str) -> None:
    """Revoke a partner: every request it makes is refused from now on (and the next directory drops it)."""
    from sync.server import revoke_device

    if not revoke_device(database_url, partner_id):
        raise ConfigError(
            N_("There is no partner {partner_id}."),
            N_("Check the id with `waypoint partner list`."),
            partner_id=partner_id,
        )
    click.echo(f"revoked {partner_id}")


for _status in ("accepted", "declined", "completed"):
    partner_group.add_command(_answer(_status))

commands: list[click.Command] = [partner_group]
