"""Sealed envelopes: RFC 9180 conformance, interoperability, binding and tamper evidence.

EN001: the HPKE suite we seal with reproduces the RFC 9180 test vectors (base mode, X25519, HKDF-SHA256,
       AES-256-GCM): keys, enc, ciphertexts at several sequence numbers, exports.
EN002: an envelope from `seal_submission` opens with an independent HPKE implementation (cryptography's).
EN003: an envelope sealed by cryptography's HPKE opens with pyhpke and with `open_submission`.
EN004: changing any bound id (device, interview, protocol, version) makes the envelope refuse to open.
EN005: any single flipped bit makes the envelope refuse to open.
EN006: an envelope sealed to another organisation key says which key it needs.
EN007: any plaintext round-trips exactly.
EN008: malformed wrappers are refused with a clear error, never a crash.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hpke, serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st
from pyhpke import KEMKey
from sync_fakes import make_enrollment, raw_public

from sync.envelope import (
    ENVELOPE_MAGIC,
    HPKE_SUITE,
    binding_info,
    key_id_for,
    open_submission,
    read_header,
    seal_submission,
)
from sync.errors import EnvelopeError

VECTORS = Path(__file__).parent / "fixtures" / "hpke_rfc9180_base_x25519_sha256_aes256gcm.json"
BINDING = {
    "interview_id": "3f6c0d52-2c1e-4a51-9d7e-1b1a0c0e7f11",
    "protocol_id": "adult",
    "protocol_version": "1",
}
CRYPTOGRAPHY_SUITE = hpke.Suite(hpke.KEM.X25519, hpke.KDF.HKDF_SHA256, hpke.AEAD.AES_256_GCM)
ORG_KEY = X25519PrivateKey.generate()
ENROLLMENT = make_enrollment(ORG_KEY, device_id="0d9f3c1e-4a1b-4c2d-8e3f-5a6b7c8d9e0f")


def _info(device_id: str = ENROLLMENT.device_id) -> bytes:
    return binding_info(device_id=device_id, key_id=ENROLLMENT.organisation_key_id, **BINDING)


def _open(envelope: bytes, **changes: str) -> bytes:
    binding = {"device_id": ENROLLMENT.device_id, **BINDING, **changes}
    return open_submission(envelope, private_key=ORG_KEY, **binding)


def test_en001_rfc9180_vectors() -> None:
    document = json.loads(VECTORS.read_text())
    assert "cryptography_vectors" in document["source"]
    (vector,) = document["vectors"]
    assert (vector["mode"], vector["kem_id"], vector["kdf_id"], vector["aead_id"]) == (0, 0x20, 1, 2)
    receiver = HPKE_SUITE.kem.derive_key_pair(bytes.fromhex(vector["ikmR"]))
    ephemeral = HPKE_SUITE.kem.derive_key_pair(bytes.fromhex(vector["ikmE"]))
    assert receiver.public_key.to_public_bytes().hex() == vector["pkRm"]
    assert ephemeral.public_key.to_public_bytes().hex() == vector["pkEm"]
    info = bytes.fromhex(vector["info"])
    enc, sender = HPKE_SUITE.create_sender_context(receiver.public_key, info=info, eks=ephemeral)
    assert enc.hex() == vector["enc"]
    recipient = HPKE_SUITE.create_recipient_context(enc, receiver.private_key, info=info)
    sequence = 0
    for encryption in vector["encryptions"]:
        while sequence < encryption["seq"]:  # advance both contexts to the vector's sequence number
            recipient.open(sender.seal(b"", b""), b"")
            sequence += 1
        aad, plaintext = bytes.fromhex(encryption["aad"]), bytes.fromhex(encryption["pt"])
        ciphertext = sender.seal(plaintext, aad)
        assert ciphertext.hex() == encryption["ct"], encryption["seq"]
        assert recipient.open(ciphertext, aad) == plaintext
        sequence += 1
    for export in vector["exports"]:
        exported = sender.export(bytes.fromhex(export["exporter_context"]), export["L"])
        assert exported.hex() == export["exported_value"]


def test_en001_vector_keys_are_accepted_by_cryptography() -> None:
    vector = json.loads(VECTORS.read_text())["vectors"][0]
    private_key = X25519PrivateKey.from_private_bytes(bytes.fromhex(vector["skRm"]))
    assert raw_public(private_key).hex() == vector["pkRm"]


def test_en002_our_envelope_opens_with_cryptography() -> None:
    envelope = seal_submission(b'{"answers": {}}', enrollment=ENROLLMENT, **BINDING)
    header = read_header(envelope)
    assert envelope.startswith(ENVELOPE_MAGIC)
    assert header.key_id == key_id_for(raw_public(ORG_KEY)) == ENROLLMENT.organisation_key_id
    opened = CRYPTOGRAPHY_SUITE.decrypt(header.enc + header.ciphertext, ORG_KEY, info=_info())
    assert opened == b'{"answers": {}}'
    assert len(header.enc) + len(header.ciphertext) - len(opened) == 48  # RFC 9180: enc 32 + tag 16


def test_en002_our_envelope_opens_with_pyhpke_recipient() -> None:
    envelope = seal_submission(b"recorded", enrollment=ENROLLMENT, **BINDING)
    header = read_header(envelope)
    private = HPKE_SUITE.kem.deserialize_private_key(
        ORG_KEY.private_bytes(
            serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
        )
    )
    recipient = HPKE_SUITE.create_recipient_context(header.enc, private, info=_info())
    assert recipient.open(header.ciphertext) == b"recorded"


def test_en003_cryptography_envelope_opens_with_pyhpke_and_open_submission() -> None:
    sealed = CRYPTOGRAPHY_SUITE.encrypt(b"from openssl", ORG_KEY.public_key(), info=_info())
    enc, ciphertext = sealed[:32], sealed[32:]
    private = KEMKey.from_pyca_cryptography_key(ORG_KEY)
    recipient = HPKE_SUITE.create_recipient_context(enc, private, info=_info())
    assert recipient.open(ciphertext) == b"from openssl"
    kid = ENROLLMENT.organisation_key_id.encode()
    wrapped = ENVELOPE_MAGIC + bytes([0, 0x20, 0, 1, 0, 2, len(kid)]) + kid + sealed
    assert _open(wrapped) == b"from openssl"


@pytest.mark.parametrize(
    "changes",
    [
        {"device_id": "another-device"},
        {"interview_id": "another-interview"},
        {"protocol_id": "child"},
        {"protocol_version": "2"},
    ],
)
def test_en004_binding_is_checked(changes: dict[str, str]) -> None:
    envelope = seal_submission(b"x", enrollment=ENROLLMENT, **BINDING)
    assert _open(envelope) == b"x"
    with pytest.raises(EnvelopeError, match="does not open"):
        _open(envelope, **changes)


@settings(max_examples=200, deadline=None)
@given(st.binary(min_size=1, max_size=300), st.data())
def test_en005_any_flipped_bit_is_refused(plaintext: bytes, data: st.DataObject) -> None:
    envelope = bytearray(seal_submission(plaintext, enrollment=ENROLLMENT, **BINDING))
    position = data.draw(st.integers(0, len(envelope) * 8 - 1))
    envelope[position // 8] ^= 1 << (position % 8)
    with pytest.raises(EnvelopeError):
        _open(bytes(envelope))


def test_en006_another_key_is_named() -> None:
    other = X25519PrivateKey.generate()
    envelope = seal_submission(b"x", enrollment=make_enrollment(other, ENROLLMENT.device_id), **BINDING)
    with pytest.raises(EnvelopeError, match=key_id_for(raw_public(other))):
        _open(envelope)


def test_en006_swapped_key_id_does_not_open() -> None:
    envelope = seal_submission(b"x", enrollment=ENROLLMENT, **BINDING)
    header = read_header(envelope)
    forged_enrollment = make_enrollment(ORG_KEY, ENROLLMENT.device_id, key_id="rotated-key")
    kid = forged_enrollment.organisation_key_id.encode()
    forged = ENVELOPE_MAGIC + bytes([0, 0x20, 0, 1, 0, 2, len(kid)]) + kid + header.enc + header.ciphertext
    with pytest.raises(EnvelopeError):
        _open(forged)


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=20_000))
def test_en007_round_trip(plaintext: bytes) -> None:
    assert _open(seal_submission(plaintext, enrollment=ENROLLMENT, **BINDING)) == plaintext


@pytest.mark.parametrize(
    "envelope",
    [
        b"",
        b"WPS1",
        b"WPS2" + bytes(80),
        b"XXXX" + bytes(80),
        ENVELOPE_MAGIC + bytes([0, 0x20, 0, 1, 0, 2, 3]) + b"k",
    ],
)
def test_en008_malformed_is_refused(envelope: bytes) -> None:
    with pytest.raises(EnvelopeError, match="not a sealed Waypoint interview"):
        read_header(envelope)
    with pytest.raises(EnvelopeError):
        _open(envelope)


def test_en008_unusable_enrollment_is_refused() -> None:
    broken = make_enrollment(ORG_KEY, ENROLLMENT.device_id, key_id="bad key id with spaces")
    with pytest.raises(EnvelopeError, match="could not be sealed"):
        seal_submission(b"x", enrollment=broken, **BINDING)
