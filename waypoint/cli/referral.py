"""`waypoint referral`: refer a finished interview to a service of the directory, and follow it up.

    WAYPOINT_PIN=... waypoint referral send --data-dir DIR --interview ID --service ID --consent yes|no
    WAYPOINT_PIN=... waypoint referral list --data-dir DIR [--json]
    WAYPOINT_PIN=... waypoint referral revoke --data-dir DIR REFERRAL_ID

`send` works from what the vault keeps of a finished interview (its outcome summary, until the
retention purge), so a referral can be made later, and from the organisation-signed directory the
device holds. With consent, the minimised package (docs/referral.md) is sealed to the service's partner
and to the organisation and kept for `waypoint sync`. Without consent nothing is sent: the referral is
recorded as information only. `--mandatory` records a child-protection referral the law requires
without consent, with the legal basis text the organisation set (`--legal-basis` until the directory
carries it).
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from waypoint.cli.options import data_dir_option, existing_vault, insecure_http_option, pin_from_environment
from waypoint.core.errors import ConfigError
from waypoint.core.i18n import N_


@click.group("referral")
def referral_group() -> None:
    """Referrals from finished interviews to services of the directory."""


@referral_group.command("send")
@data_dir_option
@click.option("--interview", "interview_id", required=True, help="The finished interview's id.")
@click.option("--service", "service_id", required=True, help="The HSDS id of the service in the directory.")
@click.option(
    "--consent",
    required=True,
    type=click.Choice(["yes", "no"]),
    help="Did the person agree to share with this organisation? No: nothing is sent (information only).",
)
@click.option(
    "--contact-preference",
    type=click.Choice(["through_officer", "in_person", "phone"]),
    default="through_officer",
    show_default=True,
    help="How the person wants the service to reach them.",
)
@click.option(
    "--mandatory",
    is_flag=True,
    default=False,
    help="A child-protection referral the law requires without consent (needs --legal-basis).",
)
@click.option(
    "--legal-basis", default=None, help="The organisation's legal basis text for a mandatory referral."
)
@pin_from_environment(required=True)
def referral_send(
    data_dir: Path,
    interview_id: str,
    service_id: str,
    consent: str,
    contact_preference: str,
    mandatory: bool,
    legal_basis: str | None,
    pin: str,
) -> None:
    """Refer a finished interview to one service; prints the referral id."""
    from app.referral_send import send_referral

    vault = existing_vault(data_dir)
    try:
        vault.unlock(pin)
        sent = send_referral(
            vault,
            interview_id,
            service_id,
            consent="yes" if consent == "yes" else "no",
            contact_preference=contact_preference,
            mandatory=mandatory,
            legal_basis=legal_basis,
        )
    finally:
        vault.close()
    if sent.kind == "information_only":
        click.echo(f"{sent.referral_id} information only: no consent, nothing was sent")
        return
    kind = "mandatory child-protection referral" if mandatory else "referral"
    click.echo(
        f"{sent.referral_id} {kind} sealed for {sent.organization_name}: sent at the next `waypoint sync`"
    )


@referral_group.command("list")
@data_dir_option
@click.option("--json", "as_json", is_flag=True, default=False, help="One JSON document.")
@pin_from_environment(required=True)
def referral_list(data_dir: Path, as_json: bool, pin: str) -> None:
    """This device's referrals with their status; a status counts only when its signature verified."""
    vault = existing_vault(data_dir)
    try:
        vault.unlock(pin)
        referrals = vault.referrals.list()
    finally:
        vault.close()
    if as_json:
        click.echo(json.dumps([item.to_dict() for item in referrals], ensure_ascii=False, indent=1))
        return
    for item in referrals:
        name = item.record.get("organization_name", "")
        when = f" on {item.status_at}" if item.status_at and item.status != "not_sent" else ""
        click.echo(f"{item.referral_id}  {item.status}{when}  {name}  ({item.state})")
    if not referrals:
        click.echo("no referrals")


@referral_group.command("revoke")
@data_dir_option
@click.argument("referral_id")
@insecure_http_option
@pin_from_environment(required=True)
def referral_revoke(data_dir: Path, referral_id: str, insecure_http: bool, pin: str) -> None:
    """Revoke a referral this device sent (signed with the device key); needs a connection."""
    from sync.referral_outbox import fetch_statuses, revoke_referral

    vault = existing_vault(data_dir)
    try:
        vault.unlock(pin)
        if referral_id not in {item.referral_id for item in vault.referrals.list() if item.state == "sent"}:
            raise ConfigError(
                N_("Referral {referral_id} is not one this device sent."),
                N_("Check the id with `waypoint referral list` (a referral is revoked once it was sent)."),
                referral_id=referral_id,
            )
        event = revoke_referral(vault.device_store, referral_id, insecure_http=insecure_http)
        fetch_statuses(vault.referral_store, vault.device_store, insecure_http=insecure_http)
    finally:
        vault.close()
    click.echo(f"{event.referral_id} revoked")


commands: list[click.Command] = [referral_group]
