"""Where Waypoint's bundled resources are: package data, found with `importlib.resources`.

Fonts, icons and audio prompts (`waypoint/assets/`), the gettext catalogs and their compiled `.mo`
files (`waypoint/locales/`) and the protocol library (`screening_protocols/library/`) ship inside the
packages, so an installed wheel finds them wherever it is run from, with no source checkout.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from waypoint.core.errors import ConfigError

__all__ = ["ASSETS_DIR", "LOCALES_DIR", "package_folder"]


def package_folder(package: str, name: str) -> Path:
    """The folder `name` shipped inside `package`, as a path on disk.

    Flet serves assets from a folder and gettext reads catalogs from one, so the resource must be a
    real folder: it is, for a wheel or an editable install.

    Raises:
        ConfigError: the package is installed in a form that keeps no files on disk (a zip archive).
    """
    resource = files(package).joinpath(name)
    if not isinstance(resource, Path) or not resource.is_dir():
        # English only: without the package data there are no catalogs to translate it with.
        raise ConfigError(
            "Waypoint's bundled files ({name}) are missing from this installation.",
            "Install Waypoint again from its wheel, unpacked (not from a zip archive).",
            name=f"{package}/{name}",
        )
    return resource


ASSETS_DIR = package_folder("waypoint", "assets")
LOCALES_DIR = package_folder("waypoint", "locales")
