"""The one-line enrollment code an administrator shows a device: `WP1:` + base64url of compact JSON.

It carries everything a device needs to trust the organisation before it has ever talked to it: the
server URL, the organisation's public key and its id (envelopes are sealed to it), the server's
receipt-signing key (receipts and the enrollment answer are checked with it), a one-time token and its
expiry. It is a short-lived bearer secret: show it once, on the administrator's screen, never print it.
"""

from __future__ import annotations

import binascii
import json
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from sync.errors import EnrollmentError
from sync.wire import b64u_decode, b64u_encode, canonical_json
from waypoint.errors import N_

__all__ = ["CODE_PREFIX", "EnrollmentCode", "save_qr_png"]

CODE_PREFIX = "WP1:"
MAX_CODE_LENGTH = 2000


@dataclass(frozen=True)
class EnrollmentCode:
    """The contents of an enrollment code."""

    server_url: str
    organisation_public_key: bytes
    organisation_key_id: str
    receipt_public_key: bytes
    token: str
    expires_at: int  # Unix seconds

    def encode(self) -> str:
        """The code as one line of text."""
        payload = {
            "u": self.server_url,
            "k": b64u_encode(self.organisation_public_key),
            "i": self.organisation_key_id,
            "r": b64u_encode(self.receipt_public_key),
            "t": self.token,
            "e": self.expires_at,
        }
        return CODE_PREFIX + b64u_encode(canonical_json(payload))

    @classmethod
    def decode(cls, text: str) -> EnrollmentCode:
        """Read a code; surrounding whitespace is ignored.

        Raises:
            EnrollmentError: not a Waypoint enrollment code of a version this device understands.
        """
        text = text.strip()
        if not text.startswith(CODE_PREFIX) or len(text) > MAX_CODE_LENGTH:
            raise _unreadable()
        try:
            payload = json.loads(b64u_decode(text.removeprefix(CODE_PREFIX)))
            code = cls(
                server_url=_url(payload["u"]),
                organisation_public_key=_key(payload["k"]),
                organisation_key_id=str(payload["i"]),
                receipt_public_key=_key(payload["r"]),
                token=str(payload["t"]),
                expires_at=int(payload["e"]),
            )
        except (KeyError, TypeError, ValueError, binascii.Error) as error:
            raise _unreadable() from error
        return code


def save_qr_png(code: str, path: Path) -> None:
    """Draw the code as a QR image (ECC level M) at `path`, readable by the user only."""
    import segno

    path.touch(mode=0o600)
    segno.make(code, error="m", micro=False).save(str(path), kind="png", scale=6, border=4)


def _url(value: object) -> str:
    if not isinstance(value, str):
        raise ValueError("url")
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise ValueError("url")
    return value.rstrip("/")


def _key(value: object) -> bytes:
    if not isinstance(value, str):
        raise ValueError("key")
    raw = b64u_decode(value)
    if len(raw) != 32:
        raise ValueError("key")
    return raw


def _unreadable() -> EnrollmentError:
    return EnrollmentError(
        N_("This is not a Waypoint enrollment code, or it was cut short."),
        N_("Copy the whole code (it starts with WP1:) or scan the QR image again."),
    )
