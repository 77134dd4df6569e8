"""The administrator's side, straight on the server's database: enrollment codes and revocation.

These run from the command line next to the database (`waypoint enroll create`, `waypoint device
revoke`), so no admin endpoint is exposed on the network.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from sync.enrollment_code import EnrollmentCode, OrganisationPolicy, check_server_url
from sync.server import crud
from sync.server.db import (
    current_organisation_key,
    load_receipt_key,
    make_engine,
    now_ms,
    prepare_database,
    read_public_key_file,
    register_organisation_key,
)
from sync.server.models import Device, PartnerToken
from sync.transport_security import check_server_transport
from sync.wire import ORGANIZATION_ID_PATTERN
from waypoint.core.errors import ConfigError
from waypoint.core.i18n import N_

__all__ = [
    "DEFAULT_CODE_TTL",
    "DeviceSummary",
    "create_enrollment_code",
    "issue_code",
    "list_devices",
    "revoke_device",
]

DEFAULT_CODE_TTL = timedelta(minutes=15)
TOKEN_BYTES = 16


@dataclass(frozen=True)
class DeviceSummary:
    device_id: str
    status: str
    enrolled_at: int
    revoked_at: int | None


def create_enrollment_code(
    database_url: str,
    server_url: str,
    *,
    public_key_file: Path | None = None,
    ttl: timedelta = DEFAULT_CODE_TTL,
    policy: OrganisationPolicy | None = None,
    insecure_http: bool = False,
    partner_organization: str | None = None,
) -> str:
    """Make a one-time enrollment code for one device (or, with `partner_organization`, one partner).

    The token is random (128 bits), kept in the database only as its SHA-256, usable once, until
    `ttl` runs out. The organisation's policy, when given, travels inside the code (`WP2:`) and is
    applied by the device when it joins.

    Args:
        database_url: the referral server's database.
        server_url: the address devices reach the server at, e.g. "https://referrals.example.org".
        public_key_file: register this organisation public key first (else the one the server has).
        ttl: how long the code stays usable.
        policy: the organisation's settings for the device's vault (wipe limit, duress secret, idle
            lock, retention); None leaves the device's defaults.
        insecure_http: a test lab's explicit choice of a plain http:// server address that is not
            loopback (devices must then also be told `--insecure-http`).
        partner_organization: a partner organisation's code for the HSDS organization it serves:
            its token is kept apart (`PartnerToken`), so it never enrolls a device.

    Returns:
        The code, one line starting with `WP1:` (no policy) or `WP2:` (with one).

    Raises:
        ConfigError: no organisation key is known yet, or a setting is wrong.
        InsecureServerAddress: the address is plain http:// on another machine, without
            `insecure_http`.
    """
    if ttl.total_seconds() <= 0:
        raise ConfigError(N_("An enrollment code must stay valid for some time."), N_("Use a positive TTL."))
    if policy is not None:
        policy.check()
    if partner_organization is not None and not re.fullmatch(ORGANIZATION_ID_PATTERN, partner_organization):
        raise ConfigError(
            N_("--organization must be the partner's HSDS organization id (letters, digits, - _ . :)."),
            N_("Copy the organization id from the directory."),
        )
    try:
        server_url = check_server_url(server_url)
    except ValueError:
        raise ConfigError(
            N_(
                "--server-url must be the address devices reach the server at, such as https://referrals.example.org."
            ),
            N_("Give the whole address, starting with https:// (or http:// on a test machine)."),
        ) from None
    check_server_transport(server_url, insecure_http=insecure_http)
    engine = make_engine(database_url)
    try:
        prepare_database(engine)
        if public_key_file is not None:
            register_organisation_key(engine, read_public_key_file(public_key_file))
        return issue_code(
            engine,
            server_url,
            load_receipt_key(engine).public_key(),
            ttl=ttl,
            policy=policy,
            partner_organization=partner_organization,
        )[0]
    finally:
        engine.dispose()


def issue_code(
    engine: Engine,
    server_url: str,
    receipt_public: Ed25519PublicKey,
    *,
    ttl: timedelta = DEFAULT_CODE_TTL,
    policy: OrganisationPolicy | None = None,
    partner_organization: str | None = None,
) -> tuple[str, int]:
    """Store a new one-time token and return the code that carries it, and its expiry (Unix ms).

    `server_url` is checked already. Shared by `create_enrollment_code` (the command line next to the
    database) and the coordinator's `POST /v1/desk/codes` (the desk over the API).

    Raises:
        ConfigError: no organisation key is known yet.
    """
    organisation_key = current_organisation_key(engine)
    if organisation_key is None:
        raise ConfigError(
            N_("The referral server database has no organisation public key yet."),
            N_("Start the server once with --public-key FILE, or pass --public-key FILE here."),
        )
    token = secrets.token_urlsafe(TOKEN_BYTES)
    now = now_ms()
    expires_at = now + int(ttl.total_seconds() * 1000)
    with Session(engine) as session:
        token_sha256 = hashlib.sha256(token.encode()).hexdigest()
        if partner_organization is None:
            crud.create_token(session=session, token_sha256=token_sha256, now=now, expires_at=expires_at)
            crud.record_event(session=session, at=now, kind="code_created")
        else:
            session.add(
                PartnerToken(
                    token_sha256=token_sha256,
                    organization_id=partner_organization,
                    created_at=now,
                    expires_at=expires_at,
                )
            )
            crud.record_event(session=session, at=now, kind="partner_code_created")
        session.commit()
    code = EnrollmentCode(
        server_url=server_url,
        organisation_public_key=organisation_key.public_key,
        organisation_key_id=organisation_key.key_id,
        receipt_public_key=receipt_public.public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        ),
        token=token,
        expires_at=expires_at // 1000,
        policy=policy,
        partner_organization=partner_organization,
    )
    return code.encode(), expires_at


def revoke_device(database_url: str, device_id: str) -> bool:
    """Revoke a device: from now on every request it makes is refused (403). False if unknown."""
    engine = make_engine(database_url)
    try:
        prepare_database(engine)
        with Session(engine) as session:
            found = crud.revoke_device(session=session, device_id=device_id, now=now_ms())
            session.commit()
        return found
    finally:
        engine.dispose()


def list_devices(database_url: str) -> list[DeviceSummary]:
    """Every enrolled device, oldest first."""
    engine = make_engine(database_url)
    try:
        prepare_database(engine)
        with Session(engine) as session:
            devices = session.exec(select(Device).order_by(col(Device.enrolled_at))).all()
            return [DeviceSummary(d.device_id, d.status, d.enrolled_at, d.revoked_at) for d in devices]
    finally:
        engine.dispose()
