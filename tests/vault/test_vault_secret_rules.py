"""Which new secrets are accepted (the rules in app/vault/secret_rules.py and docs/vault.md).

VS001: with a device secret, a 6+ digit PIN that is not a repetition or a run is accepted.
VS002: without one, only a passphrase of real strength is accepted.
VS003: the refusal says what to do and never repeats the secret.
"""

from __future__ import annotations

import pytest

from app.vault import WeakSecretError
from app.vault.secret_rules import check_new_secret

PIN_CASES = [
    ("480913", True),
    ("20517734", True),
    ("12345", False),  # too short
    ("111111", False),  # one digit repeated
    ("123456", False),  # a run
    ("987654", False),  # a run down
    ("121212", False),  # a block repeated
    ("123123", False),
]

PASSPHRASE_CASES = [
    ("correct horse battery staple", True),
    ("amber kettle violin 42 harbour", True),
    ("Tr0ub4dor&3xyz", True),
    ("маленький синий кит", True),  # non-Latin letters count
    ("480913", False),  # a PIN is not a passphrase
    ("short one", False),
    ("aaaaaaaaaaaaaaaa", False),
    ("abababababababab", False),
    ("abcdefghijklmnop", False),  # alphabet run
    ("qwertyuiopasdfgh", False),  # keyboard run
    ("123456789012", False),  # 12 digits: about 40 bits
    ("Password1234!", False),  # a common word plus a run
    ("passwordpassword", False),
    ("letmein letmein!", False),
]


@pytest.mark.parametrize(("secret", "accepted"), PIN_CASES)
def test_vs001_pin_with_device_secret(secret: str, accepted: bool) -> None:
    if accepted:
        check_new_secret(secret, with_device_secret=True)
    else:
        with pytest.raises(WeakSecretError):
            check_new_secret(secret, with_device_secret=True)


@pytest.mark.parametrize(("secret", "accepted"), PASSPHRASE_CASES)
def test_vs002_passphrase_without_device_secret(secret: str, accepted: bool) -> None:
    if accepted:
        check_new_secret(secret, with_device_secret=False)
    else:
        with pytest.raises(WeakSecretError):
            check_new_secret(secret, with_device_secret=False)


def test_vs003_message_says_what_to_do_without_the_secret() -> None:
    with pytest.raises(WeakSecretError) as raised:
        check_new_secret("Password1234!", with_device_secret=False)
    message = raised.value.message()
    assert "at least 12 characters" in message
    assert "Password1234!" not in message
    with pytest.raises(WeakSecretError) as raised:
        check_new_secret("123456", with_device_secret=True)
    assert "at least 6 digits" in raised.value.message()
