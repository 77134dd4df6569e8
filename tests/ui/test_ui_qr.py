"""Reading an enrollment code from a picture of its QR image (`app.qr_scan`).

UI090: the PNG `waypoint enroll create --qr` draws reads back as the same code.
UI091: a photo of it (JPEG, turned, smaller, on a grey background, slightly blurred) still reads.
UI092: a QR code that is not a Waypoint code, a picture without one, bytes that are no picture, and an
       oversized file are refused with the same plain message (nothing about their content).
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
import segno
from PIL import Image, ImageFilter

from app.qr_scan import MAX_IMAGE_BYTES, QrImageError, read_enrollment_code
from sync.enrollment_code import EnrollmentCode, OrganisationPolicy, save_qr_png

CODE = EnrollmentCode(
    "https://referrals.example.org", bytes(range(32)), "0123456789abcdef", bytes(range(32, 64)),
    "t0k3n-t0k3n-t0k3n-t0kw", 1_900_000_000, OrganisationPolicy(wipe_after_failures=10, require_duress=True),
).encode()  # fmt: skip


def _png(tmp_path: Path) -> bytes:
    path = tmp_path / "code.png"
    save_qr_png(CODE, path)
    return path.read_bytes()


def test_ui090_the_drawn_png_reads_back(tmp_path: Path) -> None:
    assert CODE.startswith("WP2:")
    assert read_enrollment_code(_png(tmp_path)) == CODE


def test_ui091_a_photo_of_it_reads(tmp_path: Path) -> None:
    drawn = Image.open(io.BytesIO(_png(tmp_path))).convert("L")
    photo = Image.new("L", (2400, 1800), 150)
    turned = drawn.rotate(17, expand=True, fillcolor=150).resize((700, 700))
    photo.paste(turned, (900, 500))
    photo = photo.filter(ImageFilter.GaussianBlur(1.2)).convert("RGB")
    buffer = io.BytesIO()
    photo.save(buffer, format="JPEG", quality=70)
    assert read_enrollment_code(buffer.getvalue()) == CODE


def _refused(data: bytes) -> str:
    with pytest.raises(QrImageError) as refused:
        read_enrollment_code(data)
    return refused.value.message()


def test_ui092_anything_else_is_refused() -> None:
    other = io.BytesIO()
    segno.make("https://example.org/not-a-code", error="m").save(other, kind="png", scale=6)
    blank = io.BytesIO()
    Image.new("L", (300, 300), 255).save(blank, format="PNG")
    messages = {
        _refused(other.getvalue()),
        _refused(blank.getvalue()),
        _refused(b"not a picture at all"),
        _refused(b"\x89PNG" + b"\x00" * (MAX_IMAGE_BYTES + 1)),
    }
    assert messages == {QrImageError().message()}
    assert "example.org" not in next(iter(messages))
