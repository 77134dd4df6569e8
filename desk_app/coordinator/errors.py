"""What the coordinator's desk refuses before asking the service (codes WP-DESK-001..019)."""

from __future__ import annotations

from waypoint.core.errors import WaypointError
from waypoint.core.i18n import N_

__all__ = [
    "ChoiceNeededError",
    "DateNotValidError",
    "DirectoryFileError",
    "LegalBasisMissingError",
    "OrganisationMissingError",
    "PathMissingError",
    "ReasonMissingError",
]


class LegalBasisMissingError(WaypointError):
    """A referral without the person's consent names the law that requires it."""

    code = "WP-DESK-001"
    what = N_("A referral without the person's consent needs its legal basis.")
    todo = N_("Write the law or rule that requires this referral, or choose that the person agreed.")


class DirectoryFileError(WaypointError):
    """The HSDS file to import could not be read; `reason` is the system's short reason."""

    code = "WP-DESK-002"
    what = N_("The directory file could not be read ({reason}).")
    todo = N_("Check the path of the HSDS file on this computer and try again.")


class DateNotValidError(WaypointError):
    """A date filter is not a date."""

    code = "WP-DESK-003"
    what = N_("A date filter is not a date.")
    todo = N_("Write dates as year-month-day, for example 2026-12-03, or leave the field empty.")


class ChoiceNeededError(WaypointError):
    """A referral needs a partner before it is sent."""

    code = "WP-DESK-004"
    what = N_("No partner is chosen for this referral.")
    todo = N_("Choose the partner organisation that should receive it, then send again.")


class ReasonMissingError(WaypointError):
    """Revoking a referral needs a reason (the partner and the audit log see it)."""

    code = "WP-DESK-005"
    what = N_("Revoking a referral needs a reason.")
    todo = N_("Write why the referral is revoked, then revoke again.")


class PathMissingError(WaypointError):
    """A file or folder path is needed and the field is empty."""

    code = "WP-DESK-006"
    what = N_("No path is given.")
    todo = N_("Write the full path of a file or folder on this computer.")


class OrganisationMissingError(WaypointError):
    """A partner enrollment code names the partner organisation it is for."""

    code = "WP-DESK-007"
    what = N_("No partner organisation is named for this code.")
    todo = N_("Write the partner organisation's identifier, then make the code again.")
