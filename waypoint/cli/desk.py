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
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for <interview id>.json files.",
)
def desk_export(database_url: str, key_files: tuple[Path, ...], out_dir: Path) -> None:
    """Open every submission and write one JSON file per interview, exactly as recorded."""
    from sync.desk import export_submissions, load_private_key
    from sync.desk.export import REFUSAL_REASONS

    passphrase = organisation_passphrase()
    keys = [load_private_key(path, passphrase) for path in key_files]
    report = export_submissions(database_url, keys, out_dir)
    click.echo(f"exported {len(report.written)} of {report.total} interview(s) to {out_dir}")
    for failure in report.failures:
        click.echo(
            f"not exported: {failure.interview_id} from device {failure.device_id}: {failure.reason}"
            f" ({REFUSAL_REASONS.get(failure.reason, failure.reason)})",
            err=True,
        )
    if report.failures:
        raise SystemExit(1)


commands: list[click.Command] = [desk_group]
