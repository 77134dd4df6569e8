"""Which new secrets the vault accepts (docs/vault.md, "Secret rules", states the same rules).

With a device secret from hardware-backed storage (phones), the secret on its own cannot be attacked
offline without that device key, so a PIN is enough:

* at least 6 characters; an all-digit PIN must not be one digit repeated (111111), a run of consecutive
  digits (123456, 987654) or a short block repeated (121212, 123123).

Without one (web, desktop), the secret alone protects the data against offline guessing once the file
is copied, so it must be a passphrase:

* at least 12 characters (after Unicode NFC normalisation) and at least 5 different characters;
* not one short block repeated, not a keyboard or alphabet run;
* an estimated strength of at least 50 bits, where each character counts log2 of the size of the
  character classes used (digits 10, lower case 26, upper case 26, other ASCII 33, other letters 100),
  runs of three or more consecutive characters count as one, and a common password word (password,
  qwerty, letmein, ...) counts as 10 bits, however long it is.

These are estimates, not guarantees: they reject the guesses an attacker tries first.
"""

from __future__ import annotations

import itertools
import math
import re
import string
import unicodedata

from app.vault.errors import WeakSecretError
from waypoint.core.i18n import N_

__all__ = [
    "DIFFERENT_SECRET_TODO",
    "MIN_PASSPHRASE_BITS",
    "MIN_PASSPHRASE_LENGTH",
    "MIN_PIN_LENGTH",
    "check_duress_secret",
    "check_new_secret",
]

MIN_PIN_LENGTH = 6
MIN_PASSPHRASE_LENGTH = 12
MIN_PASSPHRASE_BITS = 50.0
MIN_DISTINCT_CHARACTERS = 5
COMMON_WORD_BITS = 10.0
COMMON_WORDS = (
    "password",
    "passwort",
    "motdepasse",
    "contrasena",
    "contraseña",
    "senha",
    "parola",
    "wachtwoord",
    "qwerty",
    "azerty",
    "qwertz",
    "asdfgh",
    "zxcvbn",
    "letmein",
    "welcome",
    "bienvenue",
    "admin",
    "iloveyou",
    "monkey",
    "dragon",
    "football",
    "secret",
    "waypoint",
    "login",
    "master",
    "sunshine",
    "princess",
    "shadow",
    "abc123",
    "changeme",
)
KEYBOARD_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm", "azertyuiop", "qwertzuiop", "1234567890")

PIN_TODO = N_(
    "Use at least 6 digits that are not a repeated digit, a run such as 123456, or a repeated block."
)
PASSPHRASE_TODO = N_(
    "Use a passphrase of at least 12 characters, for example four unrelated words; avoid repeated or "
    "common patterns."
)


DIFFERENT_SECRET_TODO = N_("Choose a secret that is different from the other secrets set on this device.")


def check_duress_secret(duress_secret: str, officer_secret: str, *, with_device_secret: bool) -> None:
    """Refuse a duress secret before anything is written: too easy to guess, or the officer's own.

    `Vault.set_policy` checks the same against the stored key; this lets the app and the command
    line refuse it before they spend a one-time enrollment code.

    Raises:
        WeakSecretError: with a message saying what would be accepted.
    """
    check_new_secret(duress_secret, with_device_secret=with_device_secret)
    if unicodedata.normalize("NFC", duress_secret) == unicodedata.normalize("NFC", officer_secret):
        raise WeakSecretError(todo=DIFFERENT_SECRET_TODO)


def check_new_secret(secret: str, *, with_device_secret: bool) -> None:
    """Refuse a secret that is too easy to guess for how the vault is protected.

    Args:
        secret: the proposed secret (never logged, never put in a message).
        with_device_secret: True when a hardware-held device secret is mixed into the key.

    Raises:
        WeakSecretError: with a message saying what would be accepted.
    """
    text = unicodedata.normalize("NFC", secret)
    if with_device_secret:
        if len(text) < MIN_PIN_LENGTH or _is_trivial(text):
            raise WeakSecretError(todo=PIN_TODO)
        return
    too_short = len(text) < MIN_PASSPHRASE_LENGTH
    if too_short or len(set(text)) < MIN_DISTINCT_CHARACTERS or _is_trivial(text.lower()):
        raise WeakSecretError(todo=PASSPHRASE_TODO)
    if estimated_bits(text) < MIN_PASSPHRASE_BITS:
        raise WeakSecretError(todo=PASSPHRASE_TODO)


def _is_trivial(text: str) -> bool:
    """One block repeated (aaaa, 121212, abcabc) or one run (123456, fedcba, qwertyui)."""
    if re.fullmatch(r"(.{1,4})\1+", text, flags=re.DOTALL):
        return True
    return _longest_run(text) == len(text)


def _is_step(a: str, b: str) -> bool:
    if abs(ord(a) - ord(b)) == 1:
        return True
    return any(a + b in row or b + a in row for row in KEYBOARD_ROWS)


def _longest_run(text: str) -> int:
    longest = current = 1
    for previous, char in itertools.pairwise(text):
        current = current + 1 if _is_step(previous.lower(), char.lower()) else 1
        longest = max(longest, current)
    return longest if text else 0


def _pool_size(text: str) -> int:
    pool = 0
    pool += 10 if any(c in string.digits for c in text) else 0
    pool += 26 if any(c in string.ascii_lowercase for c in text) else 0
    pool += 26 if any(c in string.ascii_uppercase for c in text) else 0
    pool += 33 if any(c in string.punctuation or c == " " for c in text) else 0
    pool += 100 if any(ord(c) > 127 for c in text) else 0
    return max(pool, 2)


def estimated_bits(text: str) -> float:
    """A deliberately pessimistic strength estimate in bits (see the module docstring)."""
    bits = 0.0
    remaining = text.lower()
    for word in COMMON_WORDS:
        while word in remaining:
            remaining = remaining.replace(word, "\x00", 1)
            bits += COMMON_WORD_BITS
    per_char = math.log2(_pool_size(text))
    run = 1
    previous = ""
    for char in remaining:
        if char == "\x00":
            previous, run = "", 1
            continue
        run = run + 1 if previous and (_is_step(previous, char) or previous == char) else 1
        if run < 3:
            bits += per_char
        previous = char
    return bits
