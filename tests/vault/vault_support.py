"""Helpers shared by the vault tests: secrets, a controllable clock, and raw-byte scans."""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from app.vault import Clock, KdfPolicy, Vault
from app.vault.key_file import KeyFile, KeyRecord
from screening_protocols import Protocol, get_protocol, load_protocol
from sync.envelope import binding_info, open_submission
from sync.sealed import SealedInterview
from sync.sender_signature import verify_signed_document
from sync.stores import Enrollment, OutboxItem
from tests.tooling import files_under

SECRET = "amber kettle violin 42 harbour"
OTHER_SECRET = "seven quiet lanterns over Oslo"
DURESS_SECRET = "umbrella orchid 77 sandstone"
WRONG_SECRET = "not the secret at all, sorry"
FAST_KDF = KdfPolicy.insecure_fast_for_tests()


class FakeClock(Clock):
    """Wall and monotonic time that only move when a test moves them."""

    def __init__(self, start: float = 1_800_000_000.0) -> None:
        self.wall = start
        self.mono = 1_000.0

    def now(self) -> float:
        return self.wall

    def monotonic(self) -> float:
        return self.mono

    def advance(self, seconds: float) -> None:
        self.wall += seconds
        self.mono += seconds


@dataclass
class Organisation:
    """A test organisation: its X25519 key pair and the enrollment a device would receive."""

    private_key: X25519PrivateKey
    enrollment: Enrollment
    signing_key: bytes

    def open(self, item: OutboxItem) -> dict[str, Any]:
        """Open a sealed outbox item as the desk does, checking the device's signature inside it."""
        binding = {
            "device_id": self.enrollment.device_id,
            "interview_id": item.id,
            "protocol_id": item.protocol_id,
            "protocol_version": item.protocol_version,
        }
        plaintext = open_submission(item.envelope, private_key=self.private_key, **binding)
        device_key = Ed25519PrivateKey.from_private_bytes(self.signing_key).public_key().public_bytes_raw()
        document = verify_signed_document(
            plaintext,
            device_public_keys=[device_key],
            binding=binding_info(**binding, key_id=item.key_id),
            interview_id=item.id,
        )
        return dict(json.loads(document))


def store_interview(vault: Vault, answers: dict[str, object], **context: object) -> str:
    """Create an in-progress interview straight through the vault (no engine needed)."""
    state = {"format": "test-state", "answers": answers, "asked": list(answers)}
    return vault.interviews.create(
        protocol_id="test-protocol",
        protocol_version="1",
        engine_state=state,
        context={
            "respondent_language": "fr",
            "officer_language": "en",
            "checks": {},
            "consent": {},
            **context,
        },
    )


def submission_for(
    interview_id: str, answers: dict[str, object], notes: str | None = None
) -> SealedInterview:
    """A completed interview's document (what ScreeningService.finish passes to the vault)."""
    return SealedInterview(
        interview_id=interview_id,
        protocol_id="test-protocol",
        protocol_version="1",
        started_at="2026-01-01T00:00:00Z",
        respondent_language="fr",
        officer_language="en",
        answers=answers,
        asked=tuple(answers),
        outcome={"level": "insufficient_information"},
        notes=notes,
        consent={"given": True},
    )


def all_bytes_under(*roots: Path) -> bytes:
    """Every file under these folders (or these files), concatenated: for raw leak scans."""
    chunks = []
    for root in roots:
        paths = [root] if root.is_file() else list(files_under(root))
        for path in paths:
            try:
                chunks.append(path.read_bytes())
            except OSError:  # vanished meanwhile, or not ours to read
                continue
    return b"\n".join(chunks)


FIXTURES = Path(__file__).parent / "fixtures"


@functools.cache
def protocols_for_tests(protocol_id: str) -> Protocol:
    """The library, plus `vault-test` (tests/vault/fixtures/vault-test.yaml: it has a free-text question)."""
    if protocol_id == "vault-test":
        return load_protocol(FIXTURES / "vault-test.yaml")
    return get_protocol(protocol_id)


def key_record(vault: Vault) -> KeyRecord:
    """The key-slot file's current record (what anyone holding the files can read)."""
    record = KeyFile(vault.database_path.parent).read()
    assert record is not None
    return record


def edit_key_record(vault: Vault, **changes: object) -> None:
    """Change the key-slot file as an attacker with the files could (keeping it well-formed)."""
    key_file = KeyFile(vault.database_path.parent)
    record = key_file.read()
    assert record is not None
    key_file.write(replace(record, **changes))  # type: ignore[arg-type]
