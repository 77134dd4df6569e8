"""Where Waypoint finds its bundled resources and keeps its private data."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

PROJECT_ROOT = Path(__file__).resolve().parent.parent
ASSETS_DIR = PROJECT_ROOT / "assets"
LOCALES_DIR = PROJECT_ROOT / "locales"

APP_NAME = "Waypoint"


def default_data_dir() -> Path:
    """The private folder for the vault: `WAYPOINT_DATA_DIR`, Flet's app storage on phones, else the
    platform's per-user data folder."""
    for variable in ("WAYPOINT_DATA_DIR", "FLET_APP_STORAGE_DATA"):
        if value := os.environ.get(variable):
            return Path(value)
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def ensure_private_dir(path: Path) -> Path:
    """Create `path` readable by this user only (0700) and return it."""
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    path.chmod(0o700)
    return path
