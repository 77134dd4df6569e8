"""The protocol library shipped with Waypoint: `screening_protocols/library/<id>.yaml`."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from screening_protocols.compiled import load_compiled
from screening_protocols.errors import UnknownProtocolError
from screening_protocols.model import Protocol
from waypoint.core.resources import package_folder

LIBRARY_DIR = package_folder("screening_protocols", "library")
_compiled_cache: dict[str, Path] = {}


def use_compiled_cache(folder: Path | None) -> None:
    """Keep the checked library as compiled JSON in `folder` (e.g. a cache folder beside the app's
    data), so a later start loads it without the schema and lint; None keeps it in memory only."""
    _compiled_cache.clear()
    if folder is not None:
        _compiled_cache["folder"] = folder
    get_protocol.cache_clear()


def library_paths() -> tuple[Path, ...]:
    """Every protocol file in the library, sorted by name."""
    return tuple(sorted(LIBRARY_DIR.glob("*.yaml")))


@cache
def get_protocol(protocol_id: str) -> Protocol:
    """The library protocol with this id (loaded once); UnknownProtocolError when there is none."""
    path = LIBRARY_DIR / f"{protocol_id}.yaml"
    if "/" in protocol_id or "\\" in protocol_id or not path.is_file():
        allowed = ", ".join(p.stem for p in library_paths())
        raise UnknownProtocolError(protocol=protocol_id, allowed=allowed)
    return load_compiled(path, cache_dir=_compiled_cache.get("folder"))


def list_protocols() -> tuple[Protocol, ...]:
    """Every library protocol, sorted by id."""
    return tuple(get_protocol(path.stem) for path in library_paths())
