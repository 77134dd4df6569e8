"""`waypoint desk`: the case desk opens and exports what arrived (the private key lives here only)."""

from __future__ import annotations

from pathlib import Path

import click

from waypoint.cli.options import database_url_option, organisation_passphrase


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
def desk_export(
    database_url: str,
    key_files: tuple[Path, ...],
    out_dir: Path,
    export_format: str,
    htcds_settings: Path | None,
) -> None:
    """Open every submission and write one JSON file per interview, exactly as recorded (or HTCDS)."""
    from sync.desk import export_submissions, load_private_key

    passphrase = organisation_passphrase()
    keys = [load_private_key(path, passphrase) for path in key_files]
    if export_format == "htcds":
        from interop.commands import export_htcds_file

        for line, err in export_htcds_file(database_url, keys, out_dir, htcds_settings):
            click.echo(line, err=err)
        return
    if out_dir.is_file():
        raise click.BadParameter("give a folder for the interview files", param_hint="--out")
    report = export_submissions(database_url, keys, out_dir)
    click.echo(f"exported {len(report.written)} of {report.total} interview(s) to {out_dir}")
    for failure in report.failures:
        click.echo(
            f"not exported: {failure.interview_id} from device {failure.device_id}: {failure.reason}",
            err=True,
        )
    if report.failures:
        raise SystemExit(1)


commands: list[click.Command] = [desk_group]
