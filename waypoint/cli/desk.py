"""`waypoint desk`: the case desk opens and exports what arrived (the private key lives here only)."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO, TypeVar

import click

from waypoint.cli.options import (
    database_url_option,
    desk_language_option,
    organisation_passphrase,
)

if TYPE_CHECKING:
    from collections.abc import Sequence

    from sync.desk.export import OpenedInterview
    from sync.desk.service import CoordinatorService
    from waypoint.cli.web_guard import WebGuard

DEFAULT_DESK_PORT = 8552
_Command = TypeVar("_Command", bound=Callable[..., Any])
HTCDS_FILE = "htcds.csv"


def _key_file_option(help_text: str) -> Callable[[_Command], _Command]:
    """`--key FILE`: the organisation's private key file (an existing file), as `key_file`."""
    return click.option(
        "--key",
        "key_file",
        required=True,
        type=click.Path(dir_okay=False, exists=True, path_type=Path),
        help=help_text,
    )


@click.group("desk")
def desk_group() -> None:
    """The case desk: open and export what arrived (the private key lives here only)."""


@desk_group.command("export")
@database_url_option
@click.option(
    "--key",
    "key_files",
    required=True,
    multiple=True,
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="organisation.private.json (repeat for rotated keys).",
)
@click.option(
    "--out",
    "out_dir",
    required=True,
    type=click.Path(path_type=Path),
    help="Folder for <interview id>.json files; with --format htcds, FILE.csv, .xlsx or .json.",
)
@click.option(
    "--format",
    "export_format",
    type=click.Choice(["interviews", "htcds"]),
    default="interviews",
    show_default=True,
    help="interviews: one JSON file each, as recorded; htcds: one HTCDS 2.0 row each.",
)
@click.option(
    "--htcds-settings",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help='JSON: {"identifiers": "pseudonymous"|"allowed", "decision_making_org": "NGO"}.',
)
@click.option(
    "--accept-unverified",
    is_flag=True,
    default=False,
    help="Also write interviews whose sender cannot be verified (sealed by older versions, or by devices "
    "enrolled with unauthorised codes) to OUT/unverified/. They may be forged: a migration's choice only. "
    "Interview files only: HTCDS exports only verified interviews.",
)
def desk_export(
    database_url: str,
    key_files: tuple[Path, ...],
    out_dir: Path,
    export_format: str,
    htcds_settings: Path | None,
    accept_unverified: bool,
) -> None:
    """Open every submission and write one JSON file per interview, exactly as recorded (or HTCDS)."""
    from sync.desk import export_submissions, load_private_key
    from sync.desk.export import REFUSAL_REASONS

    passphrase = organisation_passphrase()
    keys = [load_private_key(path, passphrase) for path in key_files]
    if export_format == "htcds":
        if accept_unverified:
            raise click.BadParameter(
                "HTCDS exports only verified interviews; export interview files to review unverified ones",
                param_hint="--accept-unverified",
            )
        from interop.commands import export_htcds_file

        for line, err in export_htcds_file(database_url, keys, out_dir, htcds_settings):
            click.echo(line, err=err)
        return
    if out_dir.is_file():
        raise click.BadParameter("give a folder for the interview files", param_hint="--out")
    report = export_submissions(database_url, keys, out_dir, accept_unverified=accept_unverified)
    click.echo(f"exported {len(report.written)} of {report.total} interview(s) to {out_dir}")
    for unverified in report.unverified:
        click.echo(
            f"UNVERIFIED, may be forged: {unverified.interview_id} from device {unverified.device_id}"
            f" ({REFUSAL_REASONS[unverified.reason]}) written to {out_dir / 'unverified'}",
            err=True,
        )
    for failure in report.failures:
        click.echo(
            f"not exported: {failure.interview_id} from device {failure.device_id}: {failure.reason}"
            f" ({REFUSAL_REASONS.get(failure.reason, failure.reason)})",
            err=True,
        )
    referrals_failed = _export_referrals(database_url, keys, out_dir)
    if report.failures or referrals_failed:
        raise SystemExit(1)


def _export_referrals(database_url: str, keys: list[Any], out_dir: Path) -> bool:
    """Write the referrals and their status history next to the interviews; True when some failed."""
    from sync.desk.referrals import REFERRALS_FOLDER, export_referrals
    from sync.server.reading import SubmissionReader

    with SubmissionReader.open(database_url) as reader:
        report = export_referrals(reader, keys, out_dir)
    total = len(report.written) + len(report.failures)
    if total:
        click.echo(f"exported {len(report.written)} of {total} referral(s) to {out_dir / REFERRALS_FOLDER}")
    for referral_id, reason in report.failures:
        click.echo(f"not exported: referral {referral_id}: {reason}", err=True)
    if report.refused_statuses:
        click.echo(
            f"{report.refused_statuses} referral status change(s) not signed by their actor:"
            " listed, not counted",
            err=True,
        )
    return bool(report.failures)


@desk_group.command("authorize-code")
@_key_file_option("organisation.private.json of the key the code names.")
@click.option(
    "--code-file",
    type=click.File("r"),
    default="-",
    show_default=True,
    help="A file holding the code from `waypoint enroll create` (- reads standard input).",
)
@click.option(
    "--qr",
    "qr_file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Also draw the authorised code as a QR image (PNG) at this path.",
)
def desk_authorize_code(key_file: Path, code_file: TextIO, qr_file: Path | None) -> None:
    """Read an enrollment code and print it authorised by the organisation.

    Only devices enrolled with an authorised code are trusted at export: the authorisation lets the
    device prove its key with a secret the server's operator cannot make. Hand the authorised code to
    the officer yourself; it is a one-time bearer secret.
    """
    from sync.desk import load_private_key
    from sync.desk.codes import authorize_code
    from sync.enrollment_code import save_qr_png

    code = code_file.readline().strip()
    authorised = authorize_code(code, load_private_key(key_file, organisation_passphrase()))
    if qr_file is not None:
        save_qr_png(authorised, qr_file)
    click.echo(authorised)


@desk_group.command("aggregate")
@database_url_option
@_key_file_option(
    "organisation.private.json: opens the interviews and signs the file; the budget is kept beside it."
)
@click.option(
    "--out",
    "out_file",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The shared file.",
)
@click.option(
    "--epsilon", required=True, type=float, help="Differential privacy spent by this release (e.g. 0.25)."
)
@click.option("--period", default=None, help="The month released, YYYY-MM (default: this month, UTC).")
@click.option(
    "--budget",
    default=1.0,
    show_default=True,
    type=float,
    help="The most epsilon all releases of one period may spend together.",
)
@click.option(
    "--regions",
    "regions_file",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    default=None,
    help='JSON {"<device id>": "<region or corridor label>"}; other devices count as "unspecified".',
)
def desk_aggregate(
    database_url: str,
    key_file: Path,
    out_file: Path,
    epsilon: float,
    period: str | None,
    budget: float,
    regions_file: Path | None,
) -> None:
    """Write the month's counts as a signed, differentially private shared file (k = 11 suppression).

    The release spends EPSILON from the period's budget; a release over budget is refused before any
    number is drawn. See docs/privacy.md.
    """
    from datetime import UTC, datetime

    from screening_protocols import list_protocols
    from screening_protocols.catalogue import OutcomeLevel
    from sync.desk import load_private_key
    from sync.desk.aggregates.collect import collect
    from sync.desk.aggregates.release import LEDGER_FILE, PrivacyLedger, release_tables
    from sync.desk.aggregates.shared_file import signed_release
    from sync.desk.aggregates.suppression import K_ANONYMITY
    from sync.desk.aggregates.tables import UNSPECIFIED, build_tables
    from sync.desk.export import write_private_file

    period = period or datetime.now(UTC).strftime("%Y-%m")
    regions = _regions(regions_file)
    ledger = PrivacyLedger(key_file.parent / LEDGER_FILE, budget)
    ledger.check(period, epsilon)
    key = load_private_key(key_file, organisation_passphrase())
    collected = collect(database_url, [key], regions, period=period)
    protocols = list_protocols()
    tables = build_tables(
        collected.cases,
        collected.referrals,
        levels=[level.value for level in OutcomeLevel],
        protocols=[protocol.id for protocol in protocols],
        indicators=sorted({indicator.id for protocol in protocols for indicator in protocol.indicators}),
        regions=[*sorted(set(regions.values())), UNSPECIFIED],
        months=[period],
    )
    ledger.charge(period, epsilon)
    released = release_tables(tables, epsilon)
    content = signed_release(released, key, period=period, epsilon=epsilon, k=K_ANONYMITY)
    out_file.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    write_private_file(out_file, content)
    click.echo(
        f"released {period} to {out_file}: epsilon {epsilon:g}, {ledger.left(period):g} left of {budget:g};"
        f" {len(collected.cases)} interview(s), {len(collected.referrals)} referral(s)"
    )
    if collected.not_counted:
        click.echo(
            f"{collected.not_counted} interview(s) or referral(s) did not verify: not counted", err=True
        )


def _regions(path: Path | None) -> dict[str, str]:
    import json

    if path is None:
        return {}
    try:
        regions = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, OSError):
        regions = None
    if not isinstance(regions, dict) or not all(isinstance(v, str) for v in regions.values()):
        raise click.BadParameter("give a JSON object of device id to region label", param_hint="--regions")
    return {str(device): label for device, label in regions.items()}


@desk_group.command("combine")
@click.option(
    "--file",
    "files",
    required=True,
    multiple=True,
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="A shared aggregate file (repeat; each with its --public-key, in the same order).",
)
@click.option(
    "--public-key",
    "public_keys",
    required=True,
    multiple=True,
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="organisation.public.pem of the organisation that released the --file at the same position.",
)
@click.option(
    "--out",
    "out_file",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The combined view.",
)
def desk_combine(files: tuple[Path, ...], public_keys: tuple[Path, ...], out_file: Path) -> None:
    """Check each shared file's signature against its organisation's key and write their sum.

    One file that does not verify refuses the whole view.
    """
    import json

    from sync.desk.aggregates.shared_file import combine, read_public_key, verified
    from sync.desk.export import write_private_file

    if len(files) != len(public_keys):
        raise click.BadParameter(
            "give one --public-key for each --file, in the same order", param_hint="--public-key"
        )
    documents = [
        verified(path.read_bytes(), read_public_key(key), name=str(path))
        for path, key in zip(files, public_keys, strict=True)
    ]
    out_file.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    write_private_file(out_file, json.dumps(combine(documents), indent=1).encode())
    click.echo(f"combined {len(documents)} verified file(s) to {out_file}")


def _coordinator_service(server_url: str, organisation_key: Any, language: str = "en") -> CoordinatorService:
    """The organisation's side of the desk: the key in memory, the server as a coordinator principal,
    the engine's explanations, the directory and the HTCDS export.
    (Tests replace this function to serve the desk over a fake service; nothing a user types can.)"""
    from referral.coordinator_desk import open_coordinator_desk

    return open_coordinator_desk(server_url, organisation_key, language=language, htcds=_htcds_export)


def _htcds_export(opened: Sequence[OpenedInterview], folder: Path) -> Path:
    """The desk's HTCDS export: one CSV of the opened interviews in `folder` (default settings:
    pseudonymous identifiers)."""
    from interop.htcds import read_settings, write_opened

    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    out = folder / HTCDS_FILE
    write_opened(opened, out, read_settings(None))
    return out


def desk_web_app(service: CoordinatorService, sock: socket.socket, language: str = "en") -> WebGuard:
    """The coordinator's desk over `service`, as the guarded, offline web app served on `sock`."""
    from desk_app.coordinator import create_desk_main
    from waypoint.cli.run import guarded_web_app

    return guarded_web_app(create_desk_main(service, language), sock)


@desk_group.command("serve")
@_key_file_option("organisation.private.json: opens the cases, signs the directory (held in memory only).")
@click.option(
    "--server",
    "server_url",
    required=True,
    help="The referral server's address, e.g. http://127.0.0.1:8551 (the desk talks to it as a coordinator).",
)
@click.option(
    "--port",
    type=int,
    default=DEFAULT_DESK_PORT,
    show_default=True,
    help="Desk port on 127.0.0.1 (0: any free).",
)
@desk_language_option
def desk_serve(key_file: Path, server_url: str, port: int, language: str) -> None:
    """Serve the coordinator's case desk in this computer's browser (127.0.0.1 only).

    The key's passphrase comes from WAYPOINT_KEY_PASSPHRASE or, when that is not set, is asked for at
    the terminal; the key stays in this process's memory only. Prints one line with the address to
    open; it carries this launch's token.
    """
    from sync.desk import load_private_key
    from waypoint.cli.serving import Listener, bind, serve_until_stopped

    key = load_private_key(key_file, organisation_passphrase(ask=True))
    service = _coordinator_service(server_url.rstrip("/"), key, language)
    sock = bind("127.0.0.1", port, "desk")
    listener = Listener(desk_web_app(service, sock, language), sock)

    async def announce(started: Listener) -> None:
        click.echo(f"Waypoint desk: {started.app.launch_url}")

    asyncio.run(serve_until_stopped([listener], after_start=announce))


commands: list[click.Command] = [desk_group]
