"""Read an enrollment code from a picture of its QR image (a photo, a screenshot, or the PNG itself).

The picture is decoded in Python on the device: Pillow reads PNG, JPEG and the other common formats,
and zxing-cpp (a maintained C++ barcode reader with manylinux wheels, no system packages and nothing
downloaded at run time) finds the QR code, in any rotation, also in a photo taken at an angle. Only a
Waypoint enrollment code (`WP1:` or `WP2:`) is accepted; the picture itself is never stored.

Both libraries are imported when a picture arrives, so a phone build without them still starts; the
officer is then told to paste the code instead.
"""

from __future__ import annotations

import io

from sync.enrollment_code import CODE_PREFIXES
from waypoint.core.errors import WaypointError
from waypoint.core.i18n import N_

__all__ = ["MAX_IMAGE_BYTES", "QrImageError", "read_enrollment_code"]

MAX_IMAGE_BYTES = 25 * 1024 * 1024  # a phone camera's photo is 2-8 MB
MAX_PIXELS = 50_000_000  # refuse decompression bombs before decoding them
WORKING_SIZE = 2000  # px on the longer side: a QR code in a phone photo stays readable, and it is fast


class QrImageError(WaypointError):
    """No enrollment code could be read from the picture."""

    code = "WP-APP-004"
    what = N_("No enrollment code was found in this picture.")
    todo = N_(
        "Take a sharp photo of the whole QR code, in good light, and choose it again; or paste the code."
    )


def read_enrollment_code(image: bytes) -> str:
    """The enrollment code in a picture of its QR image.

    Args:
        image: the picture's bytes (PNG, JPEG, WebP, GIF, BMP ...).

    Returns:
        The code, one line starting with `WP1:` or `WP2:` (not yet checked further: `join` does that).

    Raises:
        QrImageError: the bytes are no picture, too large, or hold no Waypoint enrollment code.
    """
    if not image or len(image) > MAX_IMAGE_BYTES:
        raise QrImageError()
    try:
        import zxingcpp
        from PIL import Image, UnidentifiedImageError
    except ImportError:
        raise QrImageError(
            N_("This device cannot read QR images."), N_("Paste the enrollment code instead.")
        ) from None
    try:
        with Image.open(io.BytesIO(image)) as picture:
            if picture.width * picture.height > MAX_PIXELS:
                raise QrImageError()
            grey = picture.convert("L")
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        raise QrImageError() from None
    grey.thumbnail((WORKING_SIZE, WORKING_SIZE))
    only_qr = zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode)
    for barcode in zxingcpp.read_barcodes(grey, formats=only_qr):
        text = str(barcode.text).strip()
        if text.startswith(CODE_PREFIXES):
            return text
    raise QrImageError()
