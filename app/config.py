"""The app's settings: one frozen object with defaults, built once and passed in.

Phones have no environment variables, so nothing here is read from the environment; `waypoint app`
and the tests build an `AppConfig` and hand it to `create_main`. Every setting is declared in
`SETTINGS` (name, default, help) so the docs can be checked against it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from waypoint.core.data_folder import default_data_dir
from waypoint.core.errors import ConfigError
from waypoint.core.i18n import N_
from waypoint.core.resources import ASSETS_DIR, LOCALES_DIR

__all__ = ["SETTINGS", "AppConfig", "Setting"]


@dataclass(frozen=True)
class Setting:
    name: str
    help: str


SETTINGS = (
    Setting("data_dir", "Folder holding the encrypted vault (default: the platform's private data folder)."),
    Setting("idle_lock_seconds", "Lock the vault after this many seconds without a tap (default 120)."),
    Setting(
        "private_idle_lock_seconds",
        "While the respondent holds the device (private answering): lock after this many seconds "
        "without a tap, after asking for the device back (default 600; never shorter than the idle lock).",
    ),
    Setting("default_language", "Officer's interface language on first start (default 'en')."),
    Setting(
        "sync_interval_seconds", "How often the sender wakes to look for pending interviews (default 30)."
    ),
    Setting("sync_backoff_max_seconds", "Longest wait between failed send attempts (default 300)."),
    Setting("sync_deadline_seconds", "Longest a single send run may take (default 20)."),
    Setting("assets_dir", "Bundled fonts, icons and audio prompts (default: the packaged waypoint/assets/)."),
    Setting("locales_dir", "Compiled translation catalogs (default: the packaged waypoint/locales/)."),
)


@dataclass(frozen=True)
class AppConfig:
    """Settings for one app process; see `SETTINGS` for what each one means."""

    data_dir: Path = field(default_factory=default_data_dir)
    idle_lock_seconds: float = 120.0
    private_idle_lock_seconds: float = 600.0
    default_language: str = "en"
    sync_interval_seconds: float = 30.0
    sync_backoff_max_seconds: float = 300.0
    sync_deadline_seconds: float = 20.0
    assets_dir: Path = ASSETS_DIR
    locales_dir: Path = LOCALES_DIR

    def __post_init__(self) -> None:
        object.__setattr__(self, "data_dir", Path(self.data_dir))
        for name in (
            "idle_lock_seconds",
            "private_idle_lock_seconds",
            "sync_interval_seconds",
            "sync_backoff_max_seconds",
            "sync_deadline_seconds",
        ):
            if getattr(self, name) <= 0:
                raise ConfigError(
                    N_("The setting {name} must be a positive number of seconds."),
                    N_("Give it a value such as 120."),
                    name=name,
                )
