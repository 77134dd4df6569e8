"""Referrals end to end per second, against plain interview submissions measured in the same run.

On 127.0.0.1, one server process on SQLite (WAL, synchronous=FULL), the same device:

1. plain submissions: `Outbox.send_pending` (sealed to the organisation, signed, receipts checked);
2. referrals: each package signed and sealed twice (partner and organisation), sent in batches with
   receipts checked (`sync.referral_outbox.send_referrals`), then the partner's inbox fetched and every
   referral opened and its device signature verified (`sync.partner_inbox.fetch_inbox`);
3. status changes: the partner accepts each referral (one signed request each) and the device fetches
   and verifies every status (`fetch_statuses`).

    python -m benchmarks referrals [--items N] [--rounds R]
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
import uuid
from collections.abc import Sequence
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from benchmarks.bench_sync import _Device, _start_server, end_to_end_rate
from sync import join
from sync.partner_enroll import PartnerKeyPair, PartnerState, join_partner
from sync.partner_inbox import change_status, fetch_inbox, partner_client
from sync.referral_outbox import (
    PendingReferral,
    ReferralStatusUpdate,
    SentReferral,
    fetch_statuses,
    send_referrals,
)
from sync.referral_seal import REFERRAL_FORMAT, seal_referral
from sync.server import create_enrollment_code


class _Referrals:
    """An in-memory `ReferralStore` (the benchmark must not import tests)."""

    def __init__(self, partner_key: bytes) -> None:
        self.pending: dict[str, PendingReferral] = {}
        self.sent: list[str] = []
        self.partner_key = partner_key
        self.statuses = 0

    def pending_referrals(self, limit: int) -> list[PendingReferral]:
        return list(self.pending.values())[:limit]

    def mark_referrals_sent(self, referral_ids: Sequence[str], receipt: bytes) -> None:
        for referral_id in referral_ids:
            del self.pending[referral_id]
            self.sent.append(referral_id)

    def park_referral(self, referral_id: str, reason_code: str) -> None:
        del self.pending[referral_id]

    def sent_referrals(self) -> list[SentReferral]:
        return [SentReferral(referral_id, self.partner_key) for referral_id in self.sent]

    def record_statuses(self, updates: Sequence[ReferralStatusUpdate]) -> None:
        self.statuses = sum(1 for update in updates if update.verified)


def _package(referral_id: str, device_id: str, partner_id: str) -> bytes:
    fields = {
        "language": "fr",
        "contact_preference": "through_officer",
        "urgency": "soon",
        "age_group": "adult",
    }
    document = {"format": REFERRAL_FORMAT, "referral_id": referral_id, "device_id": device_id,
                "partner_id": partner_id, "needs": ["shelter"], "fields": fields}  # fmt: skip
    return json.dumps(document).encode()


def referral_rates(
    database_url: str,
    url: str,
    organisation: X25519PrivateKey,
    partner: tuple[PartnerState, PartnerKeyPair],
    items: int,
) -> tuple[float, float]:
    """(referrals/s sealed, sent and opened by the partner; statuses/s accepted and verified)."""
    state, keys = partner
    device = _Device()
    join(create_enrollment_code(database_url, url), device)
    assert device.enrollment is not None and device.key is not None
    store = _Referrals(keys.signing_public)
    organisation_public = organisation.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    started = time.perf_counter()
    for _ in range(items):
        referral_id = str(uuid.uuid4())
        copies = seal_referral(
            _package(referral_id, device.enrollment.device_id, state.partner_id),
            referral_id=referral_id,
            device_id=device.enrollment.device_id,
            partner_id=state.partner_id,
            partner_sealing_key=keys.sealing_public,
            organisation_public_key=organisation_public,
            device_signing_key=device.key,
        )
        store.pending[referral_id] = PendingReferral(
            referral_id, state.partner_id, copies.for_partner, copies.for_organisation
        )
    report = send_referrals(store, device)
    opened = [item for item in fetch_inbox(state, keys) if item.package is not None]
    elapsed = time.perf_counter() - started
    if report.sent != items or len(opened) < items:
        raise SystemExit(f"referral run did not finish: sent {report.sent}, opened {len(opened)}")
    began = time.perf_counter()
    with partner_client(state, keys) as client:
        for referral_id in store.sent:
            change_status(state, keys, referral_id, "accepted", client=client)
    fetch_statuses(store, device)
    status_elapsed = time.perf_counter() - began
    if store.statuses != items:
        raise SystemExit(f"status run did not finish: {store.statuses} of {items}")
    return items / elapsed, items / status_elapsed


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks referrals")
    parser.add_argument("--items", type=int, default=300, help="referrals (and interviews) per round")
    parser.add_argument("--rounds", type=int, default=3, help="rounds; medians are reported")
    options = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as temporary:
        folder = Path(temporary)
        organisation = X25519PrivateKey.generate()
        public_key = folder / "organisation.public.pem"
        public_key.write_bytes(
            organisation.public_key().public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
        )
        database_url = f"sqlite:///{folder / 'referral.db'}"
        process, url = _start_server(database_url, public_key)
        try:
            keys = PartnerKeyPair(Ed25519PrivateKey.generate(), X25519PrivateKey.generate())
            code = create_enrollment_code(database_url, url, partner_organization="bench-partner")
            state = join_partner(code, folder / "partner", keys)
            plain, referrals, statuses = [], [], []
            for _ in range(options.rounds):
                plain.append(end_to_end_rate(database_url, url, options.items))
                rate, status_rate = referral_rates(
                    database_url, url, organisation, (state, keys), options.items
                )
                referrals.append(rate)
                statuses.append(status_rate)
        finally:
            process.terminate()
            process.wait(timeout=20)
    plain_rate, referral_rate = statistics.median(plain), statistics.median(referrals)
    print(f"plain submissions end to end (sealed, signed, receipts): {plain_rate:,.0f} items/s")
    print(
        "referrals end to end (signed, sealed twice, sent, receipts, opened and verified by the partner): "
        f"{referral_rate:,.0f} referrals/s"
    )
    print(f"ratio referrals / plain submissions: {referral_rate / plain_rate:.2f}")
    print(
        "status changes (one signed request each, fetched and verified on the device): "
        f"{statistics.median(statuses):,.0f} statuses/s"
    )
