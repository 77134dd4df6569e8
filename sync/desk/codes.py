"""The case desk authorises enrollment codes, so the devices that use them can prove their keys.

The server's administrator makes a plain code (`waypoint enroll create`); the coordinator authorises it
on the case desk with the organisation's private key (`waypoint desk authorize-code`), which adds a
code id and a secret only that key can produce (`sync.code_authority`), and hands the authorised code
to the officer. Whoever never sees the authorised code, the server's operator included, cannot make a
device key the desk trusts.
"""

from __future__ import annotations

from dataclasses import replace

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from sync.code_authority import new_code_authority
from sync.enrollment_code import EnrollmentCode
from sync.envelope import key_id_for
from waypoint.core.errors import ConfigError
from waypoint.core.i18n import N_

__all__ = ["authorize_code"]


def authorize_code(code: str, organisation_key: X25519PrivateKey) -> str:
    """The same enrollment code, authorised by the organisation (a fresh code id and secret).

    Args:
        code: a code from `waypoint enroll create` (authorised already or not).
        organisation_key: the private half of the organisation key the code names.

    Returns:
        The authorised code, one line (same prefix, server, token, expiry and policy).

    Raises:
        EnrollmentError: `code` is not a readable enrollment code.
        ConfigError: the code names another organisation key than `organisation_key`.
    """
    parsed = EnrollmentCode.decode(code, insecure_http=True)  # devices check the address themselves
    public = organisation_key.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    if parsed.organisation_public_key != public or parsed.organisation_key_id != key_id_for(public):
        raise ConfigError(
            N_("This enrollment code is for organisation key {key_id}, not for the key given."),
            N_("Authorise it with the organisation.private.json whose key id is {key_id}."),
            key_id=parsed.organisation_key_id,
        )
    return replace(parsed, authority=new_code_authority(organisation_key)).encode()
