"""The directory of services: HSDS 3.0 import and export, Waypoint's attributes, signature, staleness.

DR001: the HSDS 3.0 examples (an API page and a single full service) import; with no Waypoint fields
       their services are listed with needs "not yet mapped".
DR002: an export is HSDS 3.0 that validates against the shipped `service.json`, and reads back the same.
DR003: bad input gives one problem per fault, each with its JSON path, and signs nothing.
DR004: Waypoint's attributes (needs, eligibility, area, 24/7, interpreter, texts per language) and the
       plain HSDS fields are read; partner keys given at import are written into the organisation.
DR005: a tampered, re-signed-by-another-key, relabelled or older directory is refused by the device.
DR006: entries past the verification age (and never verified) are flagged.
DR007: XEdDSA: the organisation's signature verifies as Ed25519 (OpenSSL) under the Edwards form of
       its X25519 key; the Python scalar multiplication agrees with OpenSSL's Ed25519 keys.
DR008: `directory import` / `directory export` on the command line: versions grow, problems are listed
       with their paths and nothing is published, the export validates.
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from directory_support import hsds_service, new_id

from referral.directory import (
    Area,
    InvalidDirectoryError,
    PartnerKeys,
    Service,
    TamperedDirectoryError,
    UnknownServiceError,
)
from referral.directory.errors import OlderDirectoryError
from referral.directory.hsds import hsds_page
from referral.directory.signed import SignedDirectory, document_services, import_directory, open_directory
from referral.hsds import schema_errors
from sync import organisation_signature
from waypoint.cli import main

FIXTURES = Path(__file__).parent / "fixtures" / "hsds"


def _public(key: X25519PrivateKey) -> bytes:
    return key.public_key().public_bytes_raw()


def _entry(**fields: Any) -> Service:
    defaults: dict[str, Any] = {
        "id": new_id(),
        "name": "Safe House North",
        "organization_id": new_id(),
        "organization_name": "Harbour Shelter Network",
        "needs": frozenset({"shelter", "psychosocial"}),
        "languages": ("en", "th"),
        "phones": ("+66 2 000 0000",),
        "last_verified": date(2026, 11, 1),
    }
    return Service(**{**defaults, **fields})


def test_dr001_hsds_examples_import_as_not_yet_mapped() -> None:
    key = X25519PrivateKey.generate()
    page = json.loads((FIXTURES / "service_list.json").read_text())
    full = json.loads((FIXTURES / "service_full.json").read_text())
    directory, _signed = import_directory(page, version=1, organisation_key=key)
    assert [s.name for s in directory.services] == ["Community Counselling"]
    service = directory.services[0]
    assert service.needs == frozenset() and not service.needs_mapped
    directory, _signed = import_directory([full], version=2, organisation_key=key)
    service = directory.service("ac148810-d857-441c-9679-408f346de14b")
    assert not service.needs_mapped
    assert service.organization_name == "Example Organization Inc."
    assert service.languages == ("ur",) and service.interpreter  # interpretation_services is given
    assert service.phones == ("+44 1234 234567",)
    assert service.last_verified == date(2005, 1, 1)
    assert service.age_groups == frozenset()  # 12 to 100: children and adults
    bare = {"id": new_id(), "name": "Drop-in", "status": "active", "organization_id": new_id()}
    directory, _signed = import_directory([bare], version=3, organisation_key=key)
    assert directory.services[0].organization_id == bare["organization_id"]
    with pytest.raises(UnknownServiceError) as raised:
        directory.service("no-such-service")
    assert raised.value.code == "WP-REFERRAL-002"


def test_dr002_export_validates_and_reads_back() -> None:
    key = X25519PrivateKey.generate()
    entry = _entry(
        will_happen={"en": "A worker meets you and offers a bed for tonight.", "th": "เจ้าหน้าที่จะพบคุณ"},
        will_not_happen={"en": "Nobody contacts the police unless you ask."},
        areas=(Area("TH", "Bangkok"),),
        open_24_7=True,
    )
    full = json.loads((FIXTURES / "service_full.json").read_text())
    partner = PartnerKeys("partner-a", _public(X25519PrivateKey.generate()), os.urandom(32))
    directory, signed = import_directory(
        [hsds_service(entry), full],
        version=3,
        organisation_key=key,
        partners={entry.organization_id: partner},
    )
    page = hsds_page(document_services(signed.document))
    assert page["total_items"] == 2 and page["contents"][1]["id"] == full["id"]
    for service in page["contents"]:
        assert list(schema_errors(service)) == []
    exported = json.loads(json.dumps(page))
    again, _ = import_directory(exported, version=4, organisation_key=key)
    assert again.services == directory.services
    assert again.services[0].partner == partner


def test_dr003_bad_input_lists_each_problem_with_its_path() -> None:
    key = X25519PrivateKey.generate()
    good = hsds_service(_entry())
    bad = copy.deepcopy(good)
    bad["id"] = new_id()
    del bad["name"]
    bad["languages"][0]["id"] = "not-a-uuid"
    need = next(i for i, a in enumerate(bad["attributes"]) if a["taxonomy_term"]["code"] == "need")
    bad["attributes"][need]["value"] = "spaceship"
    duplicate = copy.deepcopy(good)
    with pytest.raises(InvalidDirectoryError) as raised:
        import_directory(
            {"contents": [good, bad, duplicate], "total_items": 3}, version=1, organisation_key=key
        )
    found = {problem.path: problem.message for problem in raised.value.problems}
    assert set(found) == {
        "$.contents[1]",
        "$.contents[1].languages[0].id",
        f"$.contents[1].attributes[{need}]",
        "$.contents[2].id",
    }, found
    assert "'name' is a required property" in found["$.contents[1]"]
    assert "spaceship" in found[f"$.contents[1].attributes[{need}]"]
    assert "appears twice" in found["$.contents[2].id"]
    assert raised.value.code == "WP-REFERRAL-003"
    with pytest.raises(InvalidDirectoryError) as shape:
        import_directory({"services": []}, version=1, organisation_key=key)
    assert [p.path for p in shape.value.problems] == ["$"]


def test_dr004_waypoint_attributes_and_partner_keys_are_read() -> None:
    key = X25519PrivateKey.generate()
    entry = _entry(
        needs=frozenset({"labour_rights", "legal"}),
        age_groups=frozenset({"adult"}),
        genders=frozenset({"female"}),
        areas=(Area("TH", "Chon Buri", "Pattaya"), Area("MM")),
        open_24_7=True,
        interpreter=True,
        will_happen={"my": "ဝန်ထမ်းတစ်ဦး", "en": "A lawyer explains your options."},
    )
    partner = PartnerKeys("partner-b", _public(X25519PrivateKey.generate()), os.urandom(32))
    directory, _ = import_directory(
        [hsds_service(entry)], version=1, organisation_key=key, partners={entry.organization_id: partner}
    )
    read = directory.services[0]
    assert read == Service(**{**entry.__dict__, "partner": partner})
    assert read.will_happen_in("my-MM") == "ဝန်ထမ်းတစ်ဦး"
    assert read.will_happen_in("fr") == "A lawyer explains your options."
    assert read.will_not_happen_in("fr") is None


def _signed(key: X25519PrivateKey, version: int = 2) -> SignedDirectory:
    return import_directory([hsds_service(_entry())], version=version, organisation_key=key)[1]


def test_dr005_device_refuses_a_tampered_or_older_directory() -> None:
    key = X25519PrivateKey.generate()
    signed = _signed(key)
    assert open_directory(signed, organisation_public_key=_public(key), held_version=1).version == 2
    flipped = bytearray(signed.document)
    flipped[flipped.index(b"Safe House")] ^= 0x01
    forged = _signed(X25519PrivateKey.generate())
    relabelled = SignedDirectory(7, signed.document, signed.signature)
    for bad in (SignedDirectory(2, bytes(flipped), signed.signature), forged, relabelled):
        with pytest.raises(TamperedDirectoryError) as raised:
            open_directory(bad, organisation_public_key=_public(key))
        assert raised.value.code == "WP-REFERRAL-005"
    with pytest.raises(OlderDirectoryError):
        open_directory(signed, organisation_public_key=_public(key), held_version=2)


def test_dr006_stale_entries_are_flagged() -> None:
    key = X25519PrivateKey.generate()
    fresh = _entry(last_verified=date(2026, 10, 1))
    old = _entry(last_verified=date(2026, 1, 1))
    never = _entry(last_verified=None)
    directory, _ = import_directory(
        [hsds_service(fresh), hsds_service(old), hsds_service(never)], version=1, organisation_key=key
    )
    today = date(2026, 12, 3)
    assert [s.id for s in directory.stale(today)] == [old.id, never.id]
    assert [s.id for s in directory.stale(today, max_age_days=30)] == [fresh.id, old.id, never.id]
    assert [s.id for s in directory.stale(today, max_age_days=400)] == [never.id]


def test_dr007_xeddsa_signatures_verify_as_ed25519() -> None:
    for _ in range(8):  # both signs of the Edwards point occur among random keys
        seed = os.urandom(32)
        scalar = bytearray(hashlib.sha512(seed).digest()[:32])
        scalar[0] &= 248
        scalar[31] = (scalar[31] & 127) | 64
        point = organisation_signature._encode(
            organisation_signature._multiply(int.from_bytes(scalar, "little"))
        )
        assert point == Ed25519PrivateKey.from_private_bytes(seed).public_key().public_bytes_raw()
        key = X25519PrivateKey.generate()
        signature = organisation_signature.sign(key, b"directory")
        assert organisation_signature.verify(_public(key), b"directory", signature)
        assert not organisation_signature.verify(_public(key), b"directorz", signature)
        assert not organisation_signature.verify(
            _public(X25519PrivateKey.generate()), b"directory", signature
        )


def test_dr008_cli_import_and_export(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from sync.desk import generate_organisation_keys
    from sync.server.directory import latest_directory

    monkeypatch.setenv("WAYPOINT_KEY_PASSPHRASE", "correct horse battery staple")
    keys = generate_organisation_keys(tmp_path / "keys", "correct horse battery staple")
    url = f"sqlite:///{tmp_path / 'server.db'}"
    runner = CliRunner()
    good = tmp_path / "good.json"
    good.write_text(
        json.dumps([hsds_service(_entry()), json.loads((FIXTURES / "service_full.json").read_text())])
    )
    bad = tmp_path / "bad.json"
    broken = hsds_service(_entry())
    broken["status"] = "open"
    bad.write_text(json.dumps({"contents": [broken], "total_items": 1}))
    args = ["directory", "import", "--database-url", url, "--key", str(keys.private_key), "--hsds"]

    refused = runner.invoke(main, [*args, str(bad)])
    assert refused.exit_code == 1
    assert "$.contents[0].status: 'open' is not one of" in refused.output
    assert "(WP-REFERRAL-003)" in refused.output and "Traceback" not in refused.output
    assert latest_directory(url) is None

    first = runner.invoke(main, [*args, str(good)])
    assert first.exit_code == 0, first.output
    assert "directory version 1: 2 service(s), 1 not yet mapped" in first.output
    second = runner.invoke(main, [*args, str(good)])
    assert "directory version 2" in second.output
    latest = latest_directory(url)
    assert latest is not None and latest.version == 2
    published = SignedDirectory(latest.version, latest.document, latest.signature)
    opened = open_directory(published, organisation_public_key=_read_public(keys.public_key))
    assert opened.version == 2  # signed with the organisation key the devices trust

    out = tmp_path / "export.json"
    exported = runner.invoke(main, ["directory", "export", "--database-url", url, "--out", str(out)])
    assert exported.exit_code == 0, exported.output
    page = json.loads(out.read_text())
    assert page["total_items"] == 2
    assert all(list(schema_errors(service)) == [] for service in page["contents"])
    assert "needs verification: ac148810-d857-441c-9679-408f346de14b" in exported.output


def _read_public(path: Path) -> bytes:
    from sync.server.db import read_public_key_file

    return read_public_key_file(path)


def test_dr009_issued_at_is_utc() -> None:
    key = X25519PrivateKey.generate()
    moment = datetime(2026, 12, 3, 17, 0, tzinfo=UTC)
    directory, signed = import_directory(
        [hsds_service(_entry())], version=1, organisation_key=key, issued_at=moment
    )
    assert directory.issued_at == moment and directory.issued_at.utcoffset() is not None
    assert json.loads(signed.document)["issued_at"] == "2026-12-03T17:00:00+00:00"
