"""The referral server's settings: one frozen, validated object, every setting declared in a table.

`SETTINGS` lists each setting with its default and help; docs/sync.md documents every one (a test
checks), and `waypoint server` exposes the ones an operator changes.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, fields
from pathlib import Path

from waypoint.core.errors import ConfigError
from waypoint.core.i18n import N_

__all__ = ["SETTINGS", "ServerSettings", "Setting"]


@dataclass(frozen=True)
class Setting:
    name: str
    help: str


SETTINGS = (
    Setting("database_url", "SQLAlchemy URL: sqlite:///PATH (default) or postgresql+psycopg://..."),
    Setting("public_key_file", "The organisation's public key (PEM) to register and hand to new devices."),
    Setting("max_body_bytes", "Largest request body accepted; larger ones get 413 (the device splits)."),
    Setting("rate_limit_per_minute", "Signed requests each device may make per minute, on average."),
    Setting("rate_limit_burst", "Signed requests a device may make at once before the rate applies."),
    Setting("enroll_rate_limit_per_minute", "Enrollment attempts per minute from one client address."),
    Setting(
        "address_rate_limit_per_minute",
        "Signed requests per minute from one client address, checked before the signature is.",
    ),
    Setting("address_rate_limit_burst", "Signed requests one client address may make at once."),
    Setting("signature_window_seconds", "How far a request's `created` time may be from the server's."),
    Setting(
        "workers",
        "Server processes (uvicorn workers); None: one per CPU core on PostgreSQL, 1 on SQLite.",
    ),
    Setting("threads", "Requests one server process handles at once; also its PostgreSQL connections."),
    Setting(
        "deduplicate", "Test-only: False turns deduplication off, for the fault tests' negative control."
    ),
)


@dataclass(frozen=True)
class ServerSettings:
    """Everything the referral server needs to start; checked when built."""

    database_url: str
    public_key_file: Path | None = None
    max_body_bytes: int = 8 * 1024 * 1024
    rate_limit_per_minute: int = 600
    rate_limit_burst: int = 120
    enroll_rate_limit_per_minute: int = 30
    address_rate_limit_per_minute: int = 1200
    address_rate_limit_burst: int = 240
    signature_window_seconds: int = 300
    workers: int | None = None
    threads: int = 16
    deduplicate: bool = True

    @property
    def process_count(self) -> int:
        """How many server processes `waypoint server` starts (see `workers`).

        SQLite has one writer: processes would only queue on its busy timeout, so it gets one.
        """
        if self.workers is not None:
            return self.workers
        if self.database_url.startswith("sqlite:"):
            return 1
        return max(
            1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
        )

    def to_json(self) -> str:
        """These settings as JSON, for the worker processes (`from_json` reads them back)."""
        values = {f.name: getattr(self, f.name) for f in fields(self)}
        values["public_key_file"] = None if self.public_key_file is None else str(self.public_key_file)
        return json.dumps(values)

    @classmethod
    def from_json(cls, text: str) -> ServerSettings:
        values = json.loads(text)
        if values.get("public_key_file") is not None:
            values["public_key_file"] = Path(values["public_key_file"])
        return cls(**values)

    def __post_init__(self) -> None:
        if not self.database_url.startswith(("sqlite:", "postgresql")):
            raise ConfigError(
                N_("The database URL must start with sqlite: or postgresql."),
                N_("Use sqlite:///path/to/referral.db or postgresql+psycopg://user@host/db."),
            )
        for setting in fields(self):
            value = getattr(self, setting.name)
            if isinstance(value, int) and not isinstance(value, bool) and value <= 0:
                raise ConfigError(
                    N_("The server setting {name} must be a positive number."),
                    N_("Set {name} to a value above zero."),
                    name=setting.name,
                )
        if self.public_key_file is not None and not Path(self.public_key_file).is_file():
            raise ConfigError(
                N_("The organisation public key file {path} does not exist."),
                N_("Make one with `waypoint keys generate --out DIR`; pass DIR/organisation.public.pem."),
                path=str(self.public_key_file),
            )
