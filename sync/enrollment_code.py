"""The one-line enrollment code an administrator shows a device: a prefix + base64url of compact JSON.

It carries everything a device needs to trust the organisation before it has ever talked to it: the
server URL, the organisation's public key and its id (envelopes are sealed to it), the server's
receipt-signing key (receipts and the enrollment answer are checked with it), a one-time token and its
expiry, optionally the organisation's policy for the device's vault, and, once the case desk has
authorised it, the code's authority (`a`: a code id and a secret the device vouches for its key with,
see `sync.code_authority`; devices that predate it ignore it). It is a short-lived bearer
secret: show it once, on the administrator's screen, never print it.

A partner organisation's code (`waypoint partner enroll-code`) also carries `o`, the HSDS organization
id the partner serves; a device refuses such a code and a partner refuses a device's.

Versions: `WP1:` codes carry no policy; `WP2:` codes add `p`, the organisation's policy. A code without
a policy is still written as `WP1:`, so devices of every version read it; a device too old to know
`WP2:` refuses such a code as unreadable rather than silently enrolling without the organisation's
wipe limit or duress requirement.
"""

from __future__ import annotations

import binascii
import io
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from sync.code_authority import CodeAuthority
from sync.errors import EnrollmentError
from sync.transport_security import check_server_transport
from sync.wire import ORGANIZATION_ID_PATTERN, TOKEN_PATTERN, b64u_decode, b64u_encode, canonical_json
from waypoint.core.errors import ConfigError
from waypoint.core.i18n import N_

__all__ = [
    "CODE_PREFIX",
    "CODE_PREFIXES",
    "IDLE_LOCK_RANGE",
    "POLICY_CODE_PREFIX",
    "PRIVATE_IDLE_LOCK_RANGE",
    "RETENTION_DAYS_RANGE",
    "WIPE_AFTER_RANGE",
    "EmergencyNumbers",
    "EnrollmentCode",
    "OrganisationPolicy",
    "check_server_url",
    "qr_png",
    "save_qr_png",
]

CODE_PREFIX = "WP1:"  # no policy: readable by every device
POLICY_CODE_PREFIX = "WP2:"  # with the organisation's policy
CODE_PREFIXES = (CODE_PREFIX, POLICY_CODE_PREFIX)
MAX_CODE_LENGTH = 2000

# The allowed ranges of the organisation's settings; the device's vault (`app.vault.VaultPolicy`)
# checks the same ranges.
IDLE_LOCK_RANGE = (15, 3600)
PRIVATE_IDLE_LOCK_RANGE = (60, 3600)  # while the respondent holds the device
WIPE_AFTER_RANGE = (5, 100)
RETENTION_DAYS_RANGE = (0, 3650)


_COUNTRY = re.compile(r"[A-Z]{2}")
_PHONE = re.compile(r"\+?[0-9][0-9 ()-]{1,23}")
MAX_EMERGENCY_COUNTRIES = 12


@dataclass(frozen=True)
class EmergencyNumbers:
    """The numbers an officer calls in immediate danger, in one country (ISO 3166-1 alpha-2 code):
    the public emergency number and the organisation's duty line (e.g. the anti-trafficking unit)."""

    country: str
    emergency: str
    duty: str

    def valid(self) -> bool:
        return (
            bool(_COUNTRY.fullmatch(self.country))
            and bool(_PHONE.fullmatch(self.emergency))
            and bool(_PHONE.fullmatch(self.duty))
        )

    @classmethod
    def parse(cls, text: str) -> EmergencyNumbers:
        """`CC=EMERGENCY,DUTY` (e.g. `GR=112,+30 210 000 0000`), as `waypoint enroll create` takes it.

        Raises:
            ConfigError: the text does not have that form.
        """
        country, _, numbers = text.partition("=")
        emergency, _, duty = numbers.partition(",")
        parsed = cls(country.strip().upper(), emergency.strip(), duty.strip())
        if not parsed.valid():
            raise ConfigError(
                N_("The emergency numbers {text} are not in the form CC=EMERGENCY,DUTY."),
                N_(
                    "Give a two-letter country code, the emergency number and the duty number, e.g. "
                    "GR=112,+30 210 000 0000."
                ),
                text=text,
            )
        return parsed


@dataclass(frozen=True)
class OrganisationPolicy:
    """What the organisation decides for the vault of every device it enrolls with one code.

    Attributes:
        idle_lock_seconds: lock after this long without a tap; None keeps the device's default.
        wipe_after_failures: erase the vault after this many wrong secrets in a row; None never wipes.
        retention_days: keep a sent envelope this long, then purge it; None keeps the default.
        require_duress: the officer must choose a duress secret, which opens an empty decoy vault.
        emergency_numbers: the emergency and duty numbers by country, shown on the emergency screen.
        private_idle_lock_seconds: while the respondent holds the device (private answering), lock after
            this long without a tap (never shorter than the idle lock); None keeps the app's default.
    """

    idle_lock_seconds: int | None = None
    wipe_after_failures: int | None = None
    retention_days: int | None = None
    require_duress: bool = False
    emergency_numbers: tuple[EmergencyNumbers, ...] = ()
    private_idle_lock_seconds: int | None = None

    def check(self) -> None:
        """Refuse a setting out of range (the administrator's side).

        Raises:
            ConfigError: naming the setting and its allowed range.
        """
        for name, value, bounds in self._settings():
            if value is not None and not _in_range(value, bounds):
                raise ConfigError(
                    N_("The organisation setting {name} must be between {minimum} and {maximum}."),
                    N_("Choose a value in that range, or leave the setting out."),
                    name=name,
                    minimum=bounds[0],
                    maximum=bounds[1],
                )

    def to_wire(self) -> dict[str, Any]:
        """The compact form inside a code: only what is set."""
        wire: dict[str, Any] = {"v": 1}
        for key, value in (
            ("l", self.idle_lock_seconds),
            ("w", self.wipe_after_failures),
            ("r", self.retention_days),
            ("p", self.private_idle_lock_seconds),
        ):
            if value is not None:
                wire[key] = value
        if self.require_duress:
            wire["d"] = True
        if self.emergency_numbers:
            wire["n"] = [[n.country, n.emergency, n.duty] for n in self.emergency_numbers]
        return wire

    @classmethod
    def from_wire(cls, wire: object) -> OrganisationPolicy:
        """Read the compact form; anything unknown or out of range is refused (ValueError)."""
        if (
            not isinstance(wire, dict)
            or wire.get("v") != 1
            or not set(wire) <= {"v", "l", "w", "r", "d", "n", "p"}
        ):
            raise ValueError("policy")
        duress = wire.get("d", False)
        if not isinstance(duress, bool):
            raise ValueError("policy")
        numbers = _emergency_numbers(wire.get("n", []))
        policy = cls(
            idle_lock_seconds=_optional_int(wire.get("l")),
            wipe_after_failures=_optional_int(wire.get("w")),
            retention_days=_optional_int(wire.get("r")),
            require_duress=duress,
            emergency_numbers=numbers,
            private_idle_lock_seconds=_optional_int(wire.get("p")),
        )
        for _name, value, bounds in policy._settings():
            if value is not None and not _in_range(value, bounds):
                raise ValueError("policy")
        return policy

    def _settings(self) -> tuple[tuple[str, int | None, tuple[int, int]], ...]:
        return (
            ("idle_lock_seconds", self.idle_lock_seconds, IDLE_LOCK_RANGE),
            ("wipe_after_failures", self.wipe_after_failures, WIPE_AFTER_RANGE),
            ("retention_days", self.retention_days, RETENTION_DAYS_RANGE),
            ("private_idle_lock_seconds", self.private_idle_lock_seconds, PRIVATE_IDLE_LOCK_RANGE),
        )


def _emergency_numbers(wire: object) -> tuple[EmergencyNumbers, ...]:
    """Read `[[country, emergency, duty], ...]`; anything else is refused (ValueError)."""
    if not isinstance(wire, list) or len(wire) > MAX_EMERGENCY_COUNTRIES:
        raise ValueError("policy")
    numbers = []
    for item in wire:
        if not (isinstance(item, list) and len(item) == 3 and all(isinstance(part, str) for part in item)):
            raise ValueError("policy")
        entry = EmergencyNumbers(*item)
        if not entry.valid():
            raise ValueError("policy")
        numbers.append(entry)
    return tuple(numbers)


@dataclass(frozen=True)
class EnrollmentCode:
    """The contents of an enrollment code."""

    server_url: str
    organisation_public_key: bytes
    organisation_key_id: str
    receipt_public_key: bytes
    token: str
    expires_at: int  # Unix seconds
    policy: OrganisationPolicy | None = None
    authority: CodeAuthority | None = None  # added by the case desk (`waypoint desk authorize-code`)
    partner_organization: str | None = None  # a partner's code: the HSDS organization id it serves

    def encode(self) -> str:
        """The code as one line of text (`WP2:` with a policy, `WP1:` without)."""
        payload: dict[str, Any] = {
            "u": self.server_url,
            "k": b64u_encode(self.organisation_public_key),
            "i": self.organisation_key_id,
            "r": b64u_encode(self.receipt_public_key),
            "t": self.token,
            "e": self.expires_at,
        }
        prefix = CODE_PREFIX
        if self.policy is not None:
            payload["p"] = self.policy.to_wire()
            prefix = POLICY_CODE_PREFIX
        if self.authority is not None:
            payload["a"] = {"c": self.authority.code_id, "s": b64u_encode(self.authority.secret)}
        if self.partner_organization is not None:
            payload["o"] = self.partner_organization
        return prefix + b64u_encode(canonical_json(payload))

    @classmethod
    def decode(cls, text: str, *, insecure_http: bool = False) -> EnrollmentCode:
        """Read a code; surrounding whitespace is ignored.

        Args:
            text: the code.
            insecure_http: a test lab's explicit choice to accept a plain http:// server elsewhere.

        Raises:
            EnrollmentError: not a Waypoint enrollment code of a version this device understands.
            InsecureServerAddress: the code names a plain http:// server on another machine.
        """
        text = text.strip()
        prefix = text[: len(CODE_PREFIX)]
        if prefix not in CODE_PREFIXES or len(text) > MAX_CODE_LENGTH:
            raise _unreadable()
        try:
            payload = json.loads(b64u_decode(text.removeprefix(prefix)))
            policy = None
            if prefix == POLICY_CODE_PREFIX:
                policy = OrganisationPolicy.from_wire(payload["p"])
            code = cls(
                server_url=_url(payload["u"]),
                organisation_public_key=_key(payload["k"]),
                organisation_key_id=str(payload["i"]),
                receipt_public_key=_key(payload["r"]),
                token=_token(payload["t"]),
                expires_at=int(payload["e"]),
                policy=policy,
                authority=_authority(payload.get("a")),
                partner_organization=_organization(payload.get("o")),
            )
        except (KeyError, TypeError, ValueError, binascii.Error) as error:
            raise _unreadable() from error
        check_server_transport(code.server_url, insecure_http=insecure_http)
        return code


def qr_png(code: str) -> bytes:
    """The code as a QR image in PNG (ECC level M, never a micro QR, which phone cameras rarely read).

    PNG, not SVG: Flutter draws an SVG QR with hairline gaps between the modules at most sizes.
    """
    import segno

    buffer = io.BytesIO()
    segno.make(code, error="m", micro=False).save(buffer, kind="png", scale=6, border=4)
    return buffer.getvalue()


def save_qr_png(code: str, path: Path) -> None:
    """Draw the code as a QR image (`qr_png`) at `path`, readable by the user only."""
    path.touch(mode=0o600)
    path.write_bytes(qr_png(code))


def _in_range(value: int, bounds: tuple[int, int]) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and bounds[0] <= value <= bounds[1]


def _optional_int(value: object) -> int | None:
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValueError("policy")
    return value


def check_server_url(value: object) -> str:
    """The server's address as a code carries it (http or https, a host, no query), without a final "/".

    Raises:
        ValueError: it is not such an address.
    """
    return _url(value)


def _url(value: object) -> str:
    if not isinstance(value, str):
        raise ValueError("url")
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise ValueError("url")
    return value.rstrip("/")


def _authority(value: object) -> CodeAuthority | None:
    if value is None:
        return None
    if not isinstance(value, dict) or set(value) != {"c", "s"} or not isinstance(value["c"], str):
        raise ValueError("authority")
    if not re.fullmatch(r"[A-Za-z0-9_-]{1,64}", value["c"]):
        raise ValueError("authority")
    return CodeAuthority(value["c"], _key(value["s"]))


def _organization(value: object) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not re.fullmatch(ORGANIZATION_ID_PATTERN, value):
        raise ValueError("organization")
    return value


def _token(value: object) -> str:
    if not isinstance(value, str) or not re.fullmatch(TOKEN_PATTERN, value):
        raise ValueError("token")
    return value


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
        N_("Copy the whole code (it starts with WP1: or WP2:) or scan the QR image again."),
    )
