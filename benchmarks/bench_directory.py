"""Matching on the device against a directory of 5,000 services, and what the directory costs to read.

    python -m benchmarks directory [--services=5000] [--queries=2000]

Builds a synthetic directory (random needs, languages, eligibility, areas, 24/7), validates and signs
it as the desk does, opens it as the device does (signature, then read; the device leaves the HSDS
schema check to the desk), then times `match_services` for random people and needs, in wall time and
in CPU time (the machine this runs on is often shared: CPU time shows what the code costs).
Baseline in the same run: a bare scan over the same services that keeps those serving a need, so
the ratio shows what the matching rules add. Target: match p99 < 50 ms. Reported, never asserted.
"""

from __future__ import annotations

import os
import random
import statistics
import time
import uuid
from datetime import date

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from referral.directory.hsds import with_waypoint_fields
from referral.directory.model import Area, Directory, Service
from referral.directory.signed import import_directory, open_directory
from referral.matching import Person, match_services
from referral.needs import NEED_CODES

LANGUAGES = ("en", "fr", "es", "pt", "ru", "ar", "fa", "th", "vi", "ne", "my", "am", "uk", "ro", "tl")
AREAS = (("TH", "Bangkok"), ("TH", "Chon Buri"), ("MM", "Yangon"), ("FR", "Île-de-France"), ("ES", None))
TODAY = date(2026, 12, 3)


def _option(argv: list[str], name: str, default: int) -> int:
    for arg in argv:
        if arg.startswith(f"--{name}="):
            return int(arg.split("=", 1)[1])
    return default


def _percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def _service(rng: random.Random, n: int) -> dict[str, object]:
    needs = sorted(NEED_CODES)
    country, region = rng.choice(AREAS)
    entry = Service(
        id=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        name=f"Service {n}",
        organization_id=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        organization_name=f"Organisation {n // 3}",
        needs=frozenset(rng.sample(needs, rng.randint(1, 3))),
        languages=tuple(rng.sample(LANGUAGES, rng.randint(1, 3))),
        interpreter=rng.random() < 0.3,
        age_groups=frozenset(rng.choice([(), ("child",), ("adult",)])),
        genders=frozenset(rng.choice([(), (), ("female",), ("male",)])),
        areas=(Area(country, region),) if rng.random() < 0.8 else (),
        open_24_7=rng.random() < 0.2,
        phones=(f"+66 2 {n:07d}",),
        will_happen={"en": "Someone meets you and explains the help on offer."},
        last_verified=date(2026, rng.randint(1, 11), 1),
    )
    plain = {
        "id": entry.id,
        "name": entry.name,
        "status": "active",
        "organization": {"id": entry.organization_id, "name": entry.organization_name, "description": "x"},
        "languages": [{"id": str(uuid.uuid4()), "code": code} for code in entry.languages],
        "phones": [{"id": str(uuid.uuid4()), "number": entry.phones[0]}],
        "assured_date": entry.last_verified.isoformat() if entry.last_verified else None,
    }
    return with_waypoint_fields(plain, entry)


def _bare_scan(directory: Directory, needs: frozenset[str]) -> list[Service]:
    return [service for service in directory.services if service.needs & needs]


def main(argv: list[str]) -> None:
    count, queries = _option(argv, "services", 5000), _option(argv, "queries", 2000)
    rng = random.Random(20261203)
    services = [_service(rng, n) for n in range(count)]
    key = X25519PrivateKey.generate()
    public = key.public_key().public_bytes_raw()

    started = time.perf_counter()
    directory, signed = import_directory(services, version=1, organisation_key=key)
    print(f"desk: validate and sign {count} services: {time.perf_counter() - started:.2f} s", flush=True)
    print(f"signed document: {len(signed.document) / 1e6:.1f} MB")
    started = time.perf_counter()
    held = open_directory(signed, organisation_public_key=public, validate=False)
    print(f"device, open a new or held version (signature, read): {(time.perf_counter() - started):.2f} s")
    assert held.services == directory.services

    people = [
        (
            frozenset(rng.sample(sorted(NEED_CODES), rng.randint(1, 3))),
            Person(
                language=rng.choice(LANGUAGES),
                age_group=rng.choice(("child", "adult")),
                gender=rng.choice(("female", "male", "other")),
                country=rng.choice(("TH", "MM", "FR", "ES")),
                region=rng.choice((None, "Bangkok", "Yangon")),
            ),
        )
        for _ in range(queries)
    ]
    matching: list[float] = []
    matching_cpu: list[float] = []
    baseline: list[float] = []
    found = 0
    for needs, person in people:  # alternate the arms so machine noise hits both alike
        started, started_cpu = time.perf_counter(), time.thread_time()
        found += len(match_services(held, needs, person, today=TODAY))
        matching.append(time.perf_counter() - started)
        matching_cpu.append(time.thread_time() - started_cpu)
        started = time.perf_counter()
        _bare_scan(held, needs)
        baseline.append(time.perf_counter() - started)
    match_median, base_median = statistics.median(matching), statistics.median(baseline)
    print(
        f"match_services, {count} services, {queries} queries: median {match_median * 1000:.2f} ms, "
        f"p99 {_percentile(matching, 0.99) * 1000:.2f} ms (target p99 < 50 ms); "
        f"{found / queries:.0f} services offered on average"
    )
    print(
        f"match_services CPU time (what a busy machine does not inflate): median "
        f"{statistics.median(matching_cpu) * 1000:.2f} ms, "
        f"p99 {_percentile(matching_cpu, 0.99) * 1000:.2f} ms"
    )
    print(
        f"bare scan (baseline): median {base_median * 1000:.2f} ms, "
        f"p99 {_percentile(baseline, 0.99) * 1000:.2f} ms;"
        f" ratio {match_median / base_median:.1f}x"
    )
    print(f"load average while measuring: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
