"""Refusals: every "no" the server says, raised as one error type and turned into HTTP in one place.

Each carries an HTTP status, a stable machine-readable `reason` (the device acts on it) and a short
English `detail`. The codes are listed in docs/sync.md; details never carry content or secrets.
"""

from __future__ import annotations

from collections.abc import Mapping

from waypoint.core.errors import WaypointError

__all__ = ["Refusal"]


class Refusal(WaypointError):
    """The server refuses a request; `status`, `reason` and `detail` become the Problem response.

    `reason` is the Problem's machine-readable `code` on the wire (docs/sync.md); every refusal shares
    the one Waypoint error code below.
    """

    code = "WP-SERVER-001"
    # Server-side and English only (never translated): each refusal's own detail replaces these.
    what = "The referral server refused the request."
    todo = "The problem's code says why (docs/sync.md)."

    def __init__(
        self,
        status: int,
        reason: str,
        detail: str,
        *,
        headers: Mapping[str, str] | None = None,
        server_time: int | None = None,
    ) -> None:
        self.status, self.reason, self.detail = status, reason, detail
        self.headers = dict(headers or {})
        self.server_time = server_time
        super().__init__(detail, "")
