"""The organisation signs with the X25519 key devices already trust: XEdDSA (Signal's specification).

Devices learn one organisation key at enrollment, the X25519 public key interviews are sealed to (it
arrives in the enrollment code and is kept, integrity-protected, in the vault). For the organisation to
sign something a device must trust (its directory of services), a second key would need a second
trusted channel. XEdDSA avoids that: the case desk signs with the X25519 *private* key, and the result is
an ordinary Ed25519 signature under the Edwards form of the X25519 public key, so the device checks it
with `cryptography`'s Ed25519 (OpenSSL) and nothing else; only the desk runs the arithmetic below.

Specification: "The XEdDSA and VXEdDSA Signature Schemes", Trevor Perrin, revision 1 (2016), sections
2.3 (`calculate_key_pair`), 3.2 (`xeddsa_sign`) and 2.2 (the birational map u -> y). The scalar
multiplications run on the desk in Python integers, which are not constant-time: acceptable for a key
used on the organisation's own desk to sign a few documents, never on a device or the server.
"""

from __future__ import annotations

import hashlib
import os

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

__all__ = ["edwards_public_key", "sign", "verify"]

_P = 2**255 - 19
_Q = 2**252 + 27742317777372353535851937790883648493
_D = -121665 * pow(121666, _P - 2, _P) % _P
_SQRT_M1 = pow(2, (_P - 1) // 4, _P)
_Point = tuple[int, int, int, int]  # extended twisted Edwards coordinates (X, Y, Z, T)


def _recover_x(y: int, sign: int) -> int:
    x2 = (y * y - 1) * pow(_D * y * y + 1, _P - 2, _P) % _P
    x = pow(x2, (_P + 3) // 8, _P)
    if (x * x - x2) % _P != 0:
        x = x * _SQRT_M1 % _P
    if x & 1 != sign:
        x = _P - x
    return x


_BASE_Y = 4 * pow(5, _P - 2, _P) % _P
_BASE_X = _recover_x(_BASE_Y, 0)
_BASE: _Point = (_BASE_X, _BASE_Y, 1, _BASE_X * _BASE_Y % _P)
_IDENTITY: _Point = (0, 1, 1, 0)


def _add(p: _Point, q: _Point) -> _Point:
    a = (p[1] - p[0]) * (q[1] - q[0]) % _P
    b = (p[1] + p[0]) * (q[1] + q[0]) % _P
    c = 2 * p[3] * q[3] * _D % _P
    d = 2 * p[2] * q[2] % _P
    e, f, g, h = b - a, d - c, d + c, b + a
    return (e * f % _P, g * h % _P, f * g % _P, e * h % _P)


def _multiply(scalar: int) -> _Point:
    """scalar × base point, by a fixed-length double-and-add ladder over 255 bits."""
    result, addend = _IDENTITY, _BASE
    for bit in range(255):
        sum_ = _add(result, addend)
        result = sum_ if (scalar >> bit) & 1 else result
        addend = _add(addend, addend)
    return result


def _encode(point: _Point) -> bytes:
    z_inverse = pow(point[2], _P - 2, _P)
    x, y = point[0] * z_inverse % _P, point[1] * z_inverse % _P
    return (y | ((x & 1) << 255)).to_bytes(32, "little")


def _clamped_scalar(private_key: X25519PrivateKey) -> int:
    raw = bytearray(
        private_key.private_bytes(
            serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
        )
    )
    raw[0] &= 248
    raw[31] &= 127
    raw[31] |= 64
    return int.from_bytes(raw, "little")


def edwards_public_key(x25519_public_key: bytes) -> bytes:
    """The Ed25519 public key (sign bit 0) that XEdDSA signatures of this X25519 key verify under.

    Raises:
        ValueError: not a 32-byte key, or the one u-coordinate with no Edwards form.
    """
    if len(x25519_public_key) != 32:
        raise ValueError("an X25519 public key has 32 bytes")
    u = int.from_bytes(x25519_public_key, "little") & ((1 << 255) - 1)
    if (u + 1) % _P == 0:
        raise ValueError("this u-coordinate has no Edwards form")
    y = (u - 1) * pow(u + 1, _P - 2, _P) % _P
    return y.to_bytes(32, "little")


def sign(private_key: X25519PrivateKey, message: bytes) -> bytes:
    """An XEdDSA signature (64 bytes) of `message` by the organisation's X25519 private key."""
    k = _clamped_scalar(private_key)
    public_point = _encode(_multiply(k))
    a = (_Q - k % _Q) % _Q if public_point[31] & 0x80 else k % _Q
    public = bytes(public_point[:31]) + bytes([public_point[31] & 0x7F])
    prefix = b"\xfe" + b"\xff" * 31  # hash_1 of the specification
    nonce = os.urandom(64)
    r = int.from_bytes(hashlib.sha512(prefix + a.to_bytes(32, "little") + message + nonce).digest(), "little")
    r %= _Q
    big_r = _encode(_multiply(r))
    h = int.from_bytes(hashlib.sha512(big_r + public + message).digest(), "little") % _Q
    s = (r + h * a) % _Q
    return big_r + s.to_bytes(32, "little")


def verify(x25519_public_key: bytes, message: bytes, signature: bytes) -> bool:
    """True when `signature` is the organisation's XEdDSA signature of `message` (checked by OpenSSL)."""
    try:
        edwards = Ed25519PublicKey.from_public_bytes(edwards_public_key(x25519_public_key))
        edwards.verify(signature, message)
    except (InvalidSignature, ValueError):
        return False
    return True
