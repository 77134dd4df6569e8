"""A partner organisation's keys and enrollment: the device machinery, with two keys and a role.

A partner (a shelter, a legal-aid service) holds two key pairs, made on its own computer:
an Ed25519 key that signs its requests and its status changes, and an X25519 key referrals are sealed
to. `generate_partner_keys` writes them, locked under a passphrase like the organisation's key
(`sync.desk.keys.write_locked_file`):

* `partner.public.json`: both public keys (shareable: the organisation puts them in its directory);
* `partner.private.json`: both private keys, locked (Argon2id, AES-256-GCM).

Enrollment is a device's (`sync.enroll`), with a partner code (`EnrollmentCode.partner_organization`
names the HSDS organization it serves): the partner proves it holds the signing key, and, when the
case desk authorised the code, vouches for both keys and the organization id with the code's secret
(`sync.code_authority.partner_key_material`). The server signs the answer with its receipt key, which
the partner checks with the key from the code. What the partner keeps (`partner.json` in its state
folder) holds no secret.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from sync.code_authority import key_proof, partner_key_material
from sync.desk.keys import MIN_PASSPHRASE_LENGTH, read_locked_file, write_locked_file
from sync.enroll import partner_proof_message, submit_enrollment
from sync.enrollment_code import EnrollmentCode
from sync.errors import EnrollmentError
from sync.identity import DeviceIdentity, ed25519_public_bytes
from sync.wire import PartnerEnrollRequest, b64u_decode, b64u_encode
from waypoint.core.errors import ConfigError
from waypoint.core.i18n import N_

__all__ = [
    "PARTNER_PRIVATE_FILE",
    "PARTNER_PUBLIC_FILE",
    "PARTNER_STATE_FILE",
    "PartnerKeyPair",
    "PartnerState",
    "generate_partner_keys",
    "join_partner",
    "load_partner_keys",
    "load_partner_state",
]

PARTNER_PUBLIC_FILE = "partner.public.json"
PARTNER_PRIVATE_FILE = "partner.private.json"
PARTNER_STATE_FILE = "partner.json"
KEY_FORMAT = "waypoint-partner-key/1"
PUBLIC_FORMAT = "waypoint-partner-public-keys/1"


@dataclass(frozen=True)
class PartnerKeyPair:
    """A partner's two private keys."""

    signing: Ed25519PrivateKey
    sealing: X25519PrivateKey

    @property
    def signing_public(self) -> bytes:
        return ed25519_public_bytes(self.signing)

    @property
    def sealing_public(self) -> bytes:
        return self.sealing.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )


@dataclass(frozen=True)
class PartnerState:
    """What a partner keeps after joining (no secret): where its server is and who it is there."""

    server_url: str
    partner_id: str
    organization_id: str
    receipt_public_key: str  # base64url, from the code
    organisation_public_key: str  # base64url X25519: decline reasons and notes are sealed to it
    enrolled_at: str

    def identity(self, keys: PartnerKeyPair) -> DeviceIdentity:
        """Who signs the partner's requests: its id and its Ed25519 key."""
        return DeviceIdentity(self.partner_id, keys.signing)


def generate_partner_keys(out_dir: Path, passphrase: str) -> Path:
    """Make a partner's two key pairs in `out_dir` (0700); never replaces existing files.

    Returns:
        The public keys file.

    Raises:
        ConfigError: the passphrase is too short, or key files exist.
    """
    if len(passphrase) < MIN_PASSPHRASE_LENGTH:
        raise ConfigError(
            N_("The partner key passphrase is too short."),
            N_("Set WAYPOINT_KEY_PASSPHRASE to a passphrase of at least {length} characters."),
            length=MIN_PASSPHRASE_LENGTH,
        )
    out_dir = Path(out_dir)
    public_path, private_path = out_dir / PARTNER_PUBLIC_FILE, out_dir / PARTNER_PRIVATE_FILE
    if public_path.exists() or private_path.exists():
        raise ConfigError(
            N_("Partner key files already exist in {folder}."),
            N_("Keep them, or choose another --out folder: new keys cannot open referrals sent before."),
            folder=str(out_dir),
        )
    out_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    keys = PartnerKeyPair(Ed25519PrivateKey.generate(), X25519PrivateKey.generate())
    public = {
        "signing_public_key": b64u_encode(keys.signing_public),
        "sealing_public_key": b64u_encode(keys.sealing_public),
    }
    raw = keys.signing.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    ) + keys.sealing.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    write_locked_file(private_path, raw, KEY_FORMAT, public, passphrase)
    public_path.write_text(json.dumps({"format": PUBLIC_FORMAT, **public}, indent=1) + "\n")
    return public_path


def load_partner_keys(key_dir: Path, passphrase: str) -> PartnerKeyPair:
    """Open a partner's private keys.

    Raises:
        ConfigError: no partner key file there, or the passphrase does not open it.
    """
    path = Path(key_dir) / PARTNER_PRIVATE_FILE
    try:
        raw, _document = read_locked_file(path, KEY_FORMAT, passphrase)
        return PartnerKeyPair(
            Ed25519PrivateKey.from_private_bytes(raw[:32]), X25519PrivateKey.from_private_bytes(raw[32:])
        )
    except (ValueError, ConfigError) as error:
        raise ConfigError(
            N_("{path} is not a Waypoint partner key file."),
            N_("Pass the --key folder made by `waypoint partner keys`."),
            path=str(path),
        ) from error
    except InvalidTag as error:
        raise ConfigError(
            N_("The passphrase does not open the partner key {path}."),
            N_("Set WAYPOINT_KEY_PASSPHRASE to the passphrase used when the key was made."),
            path=str(path),
        ) from error


def load_partner_state(state_dir: Path) -> PartnerState:
    """The partner's enrollment.

    Raises:
        ConfigError: this partner has not joined yet (no state there).
    """
    try:
        return PartnerState(**json.loads((Path(state_dir) / PARTNER_STATE_FILE).read_text()))
    except (OSError, ValueError, TypeError) as error:
        raise ConfigError(
            N_("No partner enrollment in {folder}."),
            N_("Run `waypoint partner join` with the code from the organisation first."),
            folder=str(state_dir),
        ) from error


def join_partner(
    code: str,
    state_dir: Path,
    keys: PartnerKeyPair,
    transport: httpx.BaseTransport | None = None,
    *,
    insecure_http: bool = False,
) -> PartnerState:
    """Enroll a partner with a partner code and keep its state in `state_dir` (0700).

    Raises:
        EnrollmentError: not a partner code, expired, used, or refused.
        ReceiptError: the server that answered does not hold the key the code names.
    """
    parsed = EnrollmentCode.decode(code, insecure_http=insecure_http)
    if parsed.partner_organization is None:
        raise EnrollmentError(
            N_("This code enrolls a device, not a partner organisation."),
            N_("Ask the organisation for a partner enrollment code (`waypoint partner enroll-code`)."),
        )
    signing, sealing = b64u_encode(keys.signing_public), b64u_encode(keys.sealing_public)
    vouching: dict[str, str] = {}
    if parsed.authority is not None:
        material = partner_key_material(parsed.partner_organization, keys.signing_public, keys.sealing_public)
        vouching = {
            "code_id": parsed.authority.code_id,
            "key_proof": b64u_encode(key_proof(parsed.authority.secret, material)),
        }
    request = PartnerEnrollRequest(
        token=parsed.token,
        signing_public_key=signing,
        sealing_public_key=sealing,
        proof=b64u_encode(keys.signing.sign(partner_proof_message(parsed.token, signing, sealing))),
        **vouching,
    )
    response = submit_enrollment(
        parsed,
        lambda client: client.enroll_partner(request),
        signing_public_key=signing,
        transport=transport,
        insecure_http=insecure_http,
    )
    state = PartnerState(
        server_url=parsed.server_url,
        partner_id=response.device_id,
        organization_id=parsed.partner_organization,
        receipt_public_key=b64u_encode(parsed.receipt_public_key),
        organisation_public_key=b64u_encode(parsed.organisation_public_key),
        enrolled_at=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    )
    state_dir = Path(state_dir)
    state_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = state_dir / PARTNER_STATE_FILE
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        json.dump(asdict(state), handle, indent=1)
    return state


def organisation_key(state: PartnerState) -> bytes:
    """The organisation's raw X25519 public key, as the partner's code gave it."""
    return b64u_decode(state.organisation_public_key)
