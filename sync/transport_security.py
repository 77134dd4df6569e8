"""Which server addresses a device may talk to: https, or plain http only on this computer.

Plain `http://` lets anyone on the network read and change what passes, so it is refused unless the
host is loopback (127.0.0.0/8, ::1, `localhost`: the traffic never leaves the machine) or a test lab
asks for it by name (`insecure_http=True`, the `--insecure-http` option). Enrollment codes, the
administrator's code maker and the client all check through `check_server_transport`.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from sync.errors import SyncError
from waypoint.core.i18n import N_

__all__ = ["InsecureServerAddress", "check_server_transport", "is_loopback_host"]


class InsecureServerAddress(SyncError):
    """The server's address is plain http:// on another machine, and no lab asked for that."""

    code = "WP-SYNC-012"
    what = N_("The organisation's server address {url} is not encrypted (http://).")
    todo = N_(
        "Use the server's https:// address. Plain http:// is only allowed on this computer (localhost) "
        "or, in a test lab, with --insecure-http."
    )

    def __init__(self, *, url: str) -> None:
        super().__init__(url=url)


def is_loopback_host(host: str | None) -> bool:
    """True for `localhost` and loopback addresses (127.0.0.0/8, ::1); never for look-alike names."""
    if not host:
        return False
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_server_transport(url: str, *, insecure_http: bool = False) -> str:
    """Return `url` when a device may send to it: https, or http on loopback or with `insecure_http`.

    Raises:
        InsecureServerAddress: plain http:// to another machine without `insecure_http`.
    """
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme == "https" or (scheme == "http" and (insecure_http or is_loopback_host(parts.hostname))):
        return url
    raise InsecureServerAddress(url=url)
