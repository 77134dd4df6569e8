"""Refusals: every "no" the server says, raised as one error type and turned into HTTP in one place.

Each carries an HTTP status, a stable machine-readable `code` (the device acts on it) and a short
English `detail`. The codes are listed in docs/sync.md; details never carry content or secrets.
"""

from __future__ import annotations

from collections.abc import Mapping

from waypoint.core.errors import WaypointError

__all__ = ["Refusal"]


class Refusal(WaypointError):
    """The server refuses a request; `status`, `code` and `detail` become the Problem response."""

    def __init__(
        self,
        status: int,
        code: str,
        detail: str,
        *,
        headers: Mapping[str, str] | None = None,
        server_time: int | None = None,
    ) -> None:
        self.status, self.code, self.detail = status, code, detail
        self.headers = dict(headers or {})
        self.server_time = server_time
        super().__init__(detail, "")
