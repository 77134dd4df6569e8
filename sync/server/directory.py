"""The organisation's signed directory of services, as the server keeps it: opaque bytes and a version.

The case desk signs a directory (`waypoint directory import`) and publishes it here; `GET /v1/updates`
hands the newest version to a device whose version is older. The server never parses the document:
only devices and the desk do (`referral.directory`).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from sync.server.db import make_engine, now_ms, prepare_database
from sync.server.models import DirectoryVersion
from waypoint.core.errors import ConfigError
from waypoint.core.i18n import N_

__all__ = [
    "PublishedDirectory",
    "latest_directory",
    "newer_directory",
    "publish_directory",
    "store_directory",
]


@dataclass(frozen=True)
class PublishedDirectory:
    """One stored version: the signed document and its signature, as published."""

    version: int
    document: bytes
    signature: bytes
    published_at: int  # Unix ms


def latest_directory(database_url: str) -> PublishedDirectory | None:
    """The newest published directory, or None before the first import."""
    engine = make_engine(database_url)
    try:
        prepare_database(engine)
        with Session(engine) as session:
            return newer_directory(session, 0)
    finally:
        engine.dispose()


def newer_directory(session: Session, held_version: int) -> PublishedDirectory | None:
    """The newest directory if it is newer than `held_version` (inside the caller's transaction)."""
    row = session.exec(
        select(DirectoryVersion).order_by(col(DirectoryVersion.version).desc()).limit(1)
    ).first()
    if row is None or row.version <= held_version:
        return None
    return PublishedDirectory(row.version, row.document, row.signature, row.published_at)


def publish_directory(database_url: str, *, version: int, document: bytes, signature: bytes) -> None:
    """Store a newly signed directory version.

    Raises:
        ConfigError: that version exists already (two imports at once): import again.
    """
    engine = make_engine(database_url)
    try:
        prepare_database(engine)
        with Session(engine) as session:
            store_directory(session, version=version, document=document, signature=signature, now=now_ms())
    finally:
        engine.dispose()


def store_directory(session: Session, *, version: int, document: bytes, signature: bytes, now: int) -> None:
    """Add and commit one signed version (the command line's import and the coordinator's publish).

    Raises:
        ConfigError: that version exists already (two imports at once): import again.
    """
    session.add(
        DirectoryVersion(
            version=version,
            document=document,
            signature=signature,
            document_sha256=hashlib.sha256(document).hexdigest(),
            published_at=now,
        )
    )
    try:
        session.commit()
    except IntegrityError as error:
        session.rollback()
        raise ConfigError(
            N_("Directory version {version} was published by someone else meanwhile."),
            N_("Run the import again: it signs the next version."),
            version=version,
        ) from error
