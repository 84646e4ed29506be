"""What a file really is: its type read from its first bytes, never from the browser's claim; an image that opens as
that type and that a phone can decode; a name that says its real type."""

from __future__ import annotations

import io
from pathlib import PurePosixPath

from PIL import Image

from ..dossiers import InvalidInput
from ..i18n import _
from ..text_input import clean

# The real type of a file is read from its first bytes, never taken from the browser's claim.
MAGIC = {b"%PDF-": "application/pdf", b"\x89PNG\r\n\x1a\n": "image/png", b"\xff\xd8\xff": "image/jpeg"}
EXTENSIONS = {"application/pdf": (".pdf",), "image/png": (".png",), "image/jpeg": (".jpg", ".jpeg"),
              "text/plain": (".txt",)}  # a note typed instead of a file (typed_note)


def sniff_type(data: bytes) -> str | None:
    return next((mime for magic, mime in MAGIC.items() if data.startswith(magic)), None)


MAX_IMAGE_PIXELS = 40_000_000  # a phone decodes every pixel of an image it shows: 40 MP is ~160 MB already


def check_image(mime: str, data: bytes) -> None:
    """The image opens as what its first bytes say, and a phone can decode it (no decompression bomb)."""
    too_large = InvalidInput(_("Cette image est trop grande pour être affichée (plus de 40 millions de pixels) : "
                               "réduisez-la et réessayez."), "file")
    try:
        with Image.open(io.BytesIO(data)) as image:
            size, real = image.size, Image.MIME.get(image.format or "")
            image.verify()  # reads the structure, does not decode the pixels
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        # Pillow's own bomb check, at open, from 89 million pixels (an error from twice that, a warning before,
        # unless warnings are errors): beyond MAX_IMAGE_PIXELS either way, so it is too large, not damaged.
        raise too_large from None
    except Exception:  # noqa: BLE001 - Pillow raises many kinds; all mean "not readable"
        raise InvalidInput(_("Ce fichier est endommagé ou illisible."), "file") from None
    if real != mime:
        raise InvalidInput(_("Ce fichier est endommagé ou illisible."), "file")
    if size[0] * size[1] > MAX_IMAGE_PIXELS:
        raise too_large


def clean_filename(name: str, mime: str) -> str:
    """The name's last part, printable, with an extension that tells the real type."""
    base = PurePosixPath(name.replace("\\", "/")).name
    # No control or format character: a right-to-left override would show "rapport\u202efdp.exe" as "rapportexe.pdf".
    base = clean(base).strip(" .") or "document"
    if not base.lower().endswith(EXTENSIONS[mime]):
        base += EXTENSIONS[mime][0]
    return base[-200:]
