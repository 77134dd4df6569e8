"""The shared aggregate file: released tables signed by the organisation, and a view combining several.

The file is canonical JSON; its `signature` is the organisation's XEdDSA signature
(`sync.organisation_signature`, the same X25519 key devices seal to) over the canonical JSON of every
other member. A combined view (consulates of two countries, say) takes each file with the public key of
the organisation that released it, obtained out of band, and refuses the whole view when one file does
not verify under the key given for it: the key inside the file is never trusted.

    {"format": "waypoint-shared-aggregates/1", "organisation_key_id": ..., "period": "2026-11",
     "epsilon": 0.5, "k": 11, "released_at": "...Z",
     "tables": {"level_by_protocol": {"rows": [..., "total"], "columns": [..., "total"],
                                      "values": [[12, null, ...], ...]}, ...},
     "signature": "<base64>"}
"""

from __future__ import annotations

import base64
import json
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey

from sync import organisation_signature
from sync.desk.aggregates.suppression import TOTAL, SuppressedTable
from sync.envelope import key_id_for
from sync.errors import SyncError
from sync.wire import canonical_json
from waypoint.core.i18n import N_

__all__ = ["SHARED_FORMAT", "SharedFileError", "combine", "read_public_key", "signed_release", "verified"]

SHARED_FORMAT = "waypoint-shared-aggregates/1"


class SharedFileError(SyncError):
    """A shared aggregate file is malformed or its signature does not verify."""

    code = "WP-SYNC-042"
    what = N_("The shared aggregate file {file} is refused: {reason}.")
    todo = N_("Ask the organisation that released it for the file and its public key again; do not use it.")


def _raw(public_key: X25519PublicKey) -> bytes:
    return public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def signed_release(
    tables: Sequence[SuppressedTable], private_key: X25519PrivateKey, *, period: str, epsilon: float, k: int
) -> bytes:
    """The shared file's bytes: the released tables and how they were released, signed."""
    body: dict[str, Any] = {
        "format": SHARED_FORMAT,
        "organisation_key_id": key_id_for(_raw(private_key.public_key())),
        "period": period,
        "epsilon": epsilon,
        "k": k,
        "released_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "tables": {table.name: table.to_json() for table in tables},
    }
    signature = organisation_signature.sign(private_key, canonical_json(body))
    return canonical_json({**body, "signature": base64.b64encode(signature).decode()})


def read_public_key(path: Path) -> X25519PublicKey:
    """An organisation's public key (organisation.public.pem)."""
    try:
        key = serialization.load_pem_public_key(Path(path).read_bytes())
    except (ValueError, OSError) as error:
        raise SharedFileError(file=str(path), reason="not an organisation public key") from error
    if not isinstance(key, X25519PublicKey):
        raise SharedFileError(file=str(path), reason="not an organisation public key")
    return key


def verified(content: bytes, public_key: X25519PublicKey, *, name: str) -> dict[str, Any]:
    """The released document, once its signature verifies under `public_key`.

    Raises:
        SharedFileError: not a shared aggregate file, or a signature that does not verify.
    """
    try:
        document = json.loads(content)
        signature = base64.b64decode(document.pop("signature"), validate=True)
        malformed = document.get("format") != SHARED_FORMAT or not isinstance(document.get("tables"), dict)
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        raise SharedFileError(file=name, reason="not a shared aggregate file") from error
    if malformed:
        raise SharedFileError(file=name, reason="not a shared aggregate file")
    if not organisation_signature.verify(_raw(public_key), canonical_json(document), signature):
        raise SharedFileError(file=name, reason="its signature does not verify under the key given for it")
    return dict(document)


def combine(documents: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Several verified releases summed table by table; a cell suppressed in any of them stays suppressed.

    Only released numbers are combined (post-processing), so the view reveals nothing the files did not.

    Raises:
        SharedFileError: a table is not rows, columns and values of matching sizes.
    """
    try:
        return _combined(documents)
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        raise SharedFileError(file="(combined view)", reason="a table is malformed") from error


def _combined(documents: Sequence[dict[str, Any]]) -> dict[str, Any]:
    tables: dict[str, dict[tuple[str, str], int | None]] = {}
    orders: dict[str, tuple[dict[str, None], dict[str, None]]] = {}
    for document in documents:
        for name, table in document["tables"].items():
            cells = tables.setdefault(name, {})
            rows, columns = orders.setdefault(name, ({}, {}))
            for row, values in zip(table["rows"], table["values"], strict=True):
                rows.setdefault(row)
                for column, value in zip(table["columns"], values, strict=True):
                    columns.setdefault(column)
                    before = cells.get((row, column), 0)
                    cells[(row, column)] = None if value is None or before is None else before + int(value)
    combined: dict[str, Any] = {}
    for name, cells in tables.items():
        row_names = [r for r in orders[name][0] if r != TOTAL] + [TOTAL]
        column_names = [c for c in orders[name][1] if c != TOTAL] + [TOTAL]
        combined[name] = {
            "rows": row_names,
            "columns": column_names,
            "values": [[cells.get((row, column), 0) for column in column_names] for row in row_names],
        }
    return {
        "format": "waypoint-combined-aggregates/1",
        "sources": [
            {
                "organisation_key_id": d.get("organisation_key_id"),
                "period": d.get("period"),
                "epsilon": d.get("epsilon"),
            }
            for d in documents
        ],
        "tables": combined,
    }
