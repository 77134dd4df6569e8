"""Errors of the directory of services (codes WP-REFERRAL-001..019)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from waypoint.core.errors import WaypointError
from waypoint.core.i18n import N_

__all__ = [
    "DirectoryError",
    "DirectoryFileError",
    "DirectoryProblem",
    "InvalidDirectoryError",
    "NoDirectoryError",
    "OlderDirectoryError",
    "TamperedDirectoryError",
    "UnknownServiceError",
]


class DirectoryError(WaypointError):
    """Something about the directory of services is wrong."""

    code = "WP-REFERRAL-001"
    what = N_("The directory of services cannot be used.")
    todo = N_("Ask your coordinator for the organisation's current directory.")


class UnknownServiceError(DirectoryError):
    """A service id that the directory does not hold."""

    code = "WP-REFERRAL-002"
    what = N_("Service {service_id} is not in directory version {version}.")
    todo = N_("Choose a service from the current directory, or sync to fetch the newest one.")


@dataclass(frozen=True)
class DirectoryProblem:
    """One problem of an imported file: where (a JSON path such as `$.contents[2].languages[0].code`)
    and what."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


class InvalidDirectoryError(DirectoryError):
    """The imported HSDS file has problems; nothing was imported. `problems` lists each with its path."""

    code = "WP-REFERRAL-003"
    what = N_("The directory file has {count} problem(s); nothing was imported.")
    todo = N_("Fix each problem listed with its JSON path and import the file again.")

    def __init__(self, problems: Sequence[DirectoryProblem]) -> None:
        self.problems = tuple(problems)
        super().__init__(count=len(self.problems))


class DirectoryFileError(DirectoryError):
    """The file cannot be read or is not JSON."""

    code = "WP-REFERRAL-004"
    what = N_("The directory file {path} cannot be read as JSON.")
    todo = N_("Pass an HSDS 3.0 JSON file: a list of services or a page with `contents`.")


class TamperedDirectoryError(DirectoryError):
    """The directory's signature does not verify with the organisation key the device trusts."""

    code = "WP-REFERRAL-005"
    what = N_("The directory of services received is not signed by your organisation; it was refused.")
    todo = N_("Keep using the directory you have and tell your coordinator: the server may be compromised.")


class OlderDirectoryError(DirectoryError):
    """A directory no newer than the one the device holds (a replay of an old version)."""

    code = "WP-REFERRAL-006"
    what = N_("The directory received (version {received}) is not newer than this device's ({held}).")
    todo = N_("Nothing to do: this device keeps its newer directory.")


class NoDirectoryError(DirectoryError):
    """No directory has been imported yet."""

    code = "WP-REFERRAL-007"
    what = N_("No directory of services has been imported yet.")
    todo = N_("Import one with `waypoint directory import`.")
