"""The organisation's policy inside the enrollment code, and back out of `join`.

EP001: a code without a policy is still `WP1:` and reads as before; a code made by the previous
       version (no `p`) reads with no policy.
EP002: a code with a policy is `WP2:`, carries only what is set, and reads back equal.
EP003: a tampered or out-of-range policy makes the code unreadable; an unknown prefix too; a `WP2:`
       code is never read as if it had no policy.
EP004: the administrator's side refuses a policy out of range, naming the setting.
EP005: `join` returns the enrollment with the code's policy, and the device store receives it.
"""

from __future__ import annotations

import json

import pytest
from sync_fakes import MemoryDeviceStore
from sync_servers import Server

from sync import EnrollmentCode, join
from sync.enroll import OrganisationEnrollment
from sync.enrollment_code import OrganisationPolicy
from sync.errors import EnrollmentError
from sync.server import create_enrollment_code
from sync.wire import b64u_decode, b64u_encode, canonical_json
from waypoint.core.errors import ConfigError

KEY = bytes(range(32))
TOKEN = b64u_encode(bytes(range(16)))  # a one-time token has the shape of 16 random bytes


def _code(policy: OrganisationPolicy | None = None) -> EnrollmentCode:
    return EnrollmentCode("https://org.example", KEY, "k1", KEY[::-1], TOKEN, 1_900_000_000, policy)


def _payload(text: str) -> dict[str, object]:
    decoded: dict[str, object] = json.loads(b64u_decode(text[4:]))
    return decoded


def _with_payload(prefix: str, payload: dict[str, object]) -> str:
    return prefix + b64u_encode(canonical_json(payload))


def test_ep001_no_policy_stays_wp1() -> None:
    text = _code().encode()
    assert text.startswith("WP1:") and "p" not in _payload(text)
    assert EnrollmentCode.decode(text) == _code()
    previous_version = {"u": "https://org.example", "k": b64u_encode(KEY), "i": "k1"}
    previous_version |= {"r": b64u_encode(KEY[::-1]), "t": TOKEN, "e": 1_900_000_000}
    assert EnrollmentCode.decode(_with_payload("WP1:", previous_version)).policy is None


def test_ep002_policy_travels_in_wp2() -> None:
    policy = OrganisationPolicy(wipe_after_failures=5, require_duress=True)
    text = _code(policy).encode()
    assert text.startswith("WP2:")
    assert _payload(text)["p"] == {"v": 1, "w": 5, "d": True}
    assert EnrollmentCode.decode(text).policy == policy
    full = OrganisationPolicy(idle_lock_seconds=60, wipe_after_failures=100, retention_days=0)
    assert EnrollmentCode.decode(_code(full).encode()).policy == full
    private = OrganisationPolicy(private_idle_lock_seconds=900)
    assert _payload(_code(private).encode())["p"] == {"v": 1, "p": 900}
    assert EnrollmentCode.decode(_code(private).encode()).policy == private


@pytest.mark.parametrize(
    "policy",
    [
        {"v": 1, "w": 4},
        {"v": 1, "w": 101},
        {"v": 1, "l": 14},
        {"v": 1, "r": -1},
        {"v": 1, "p": 59},
        {"v": 1, "p": 3601},
        {"v": 1, "w": True},
        {"v": 1, "w": "5"},
        {"v": 1, "d": "yes"},
        {"v": 2, "w": 5},
        {"v": 1, "x": 1},
        [],
    ],
)
def test_ep003_bad_policy_is_unreadable(policy: object) -> None:
    payload = _payload(_code().encode()) | {"p": policy}
    with pytest.raises(EnrollmentError):
        EnrollmentCode.decode(_with_payload("WP2:", payload))


def test_ep003_prefixes() -> None:
    without_policy = _payload(_code().encode())
    with pytest.raises(EnrollmentError):
        EnrollmentCode.decode(_with_payload("WP2:", without_policy))  # WP2 must carry its policy
    with pytest.raises(EnrollmentError):
        EnrollmentCode.decode(_with_payload("WP3:", without_policy))


def test_ep004_admin_refuses_out_of_range(server: Server) -> None:
    with pytest.raises(ConfigError) as refused:
        create_enrollment_code(
            server.settings.database_url, server.url, policy=OrganisationPolicy(idle_lock_seconds=5)
        )
    assert "idle_lock_seconds" in refused.value.message() and "15" in refused.value.message()


def test_ep005_join_returns_the_policy(server: Server) -> None:
    policy = OrganisationPolicy(idle_lock_seconds=30, require_duress=True)
    code = create_enrollment_code(server.settings.database_url, server.url, policy=policy)
    assert code.startswith("WP2:")
    store = MemoryDeviceStore()
    enrollment = join(code, store, transport=server.transport)
    assert isinstance(enrollment, OrganisationEnrollment) and enrollment.policy == policy
    assert store.enrollment == enrollment
    plain = join(
        create_enrollment_code(server.settings.database_url, server.url), store, transport=server.transport
    )
    assert plain.policy is None and plain.device_id == enrollment.device_id
