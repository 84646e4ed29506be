"""An image document's copy sized for a screen: what its page shows, while the download gives the original.

A phone's photo of a wound or a prescription is 3 to 5 MB, 4,000 px wide, shown in a box a phone's width: on 3G
(400 kbit/s) about 80 s, at every view, since nothing of a dossier is cached. Its copy is at most `MAX_SIDE` px on
its longest side (2.4 device pixels per CSS pixel on a 660 px column, the page's widest), a progressive JPEG,
turned as the camera's EXIF orientation says, with no metadata but its colour profile: a photo's EXIF may say
where it was taken (GPS) and with which phone.
"""

from __future__ import annotations

import io

from PIL import Image, ImageOps

MAX_SIDE = 1600
QUALITY = 82  # a prescription's small print still reads; a wound's colour still shows
MEDIA_TYPE = "image/jpeg"
SUFFIX = ".jpg"


def copy_for_screen(data: bytes) -> tuple[bytes, int, int] | None:
    """The copy's JPEG bytes, width and height; None if the image cannot be decoded (the page shows the original)."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)  # a JPEG is decoded at a fraction first
            image = ImageOps.exif_transpose(image)
            profile = image.info.get("icc_profile")
            if image.mode in ("RGBA", "LA", "P", "PA"):
                image = image.convert("RGBA")
                flat = Image.new("RGB", image.size, (255, 255, 255))  # JPEG has no transparency: on the page's white
                flat.paste(image, mask=image.getchannel("A"))
                image = flat
            elif image.mode != "RGB":
                image = image.convert("RGB")
            out = io.BytesIO()
            # No `exif=`: none is written. The colour profile stays (a wound's redness is clinical).
            image.save(out, format="JPEG", quality=QUALITY, optimize=True, progressive=True, icc_profile=profile)
            return out.getvalue(), image.width, image.height
    except Exception:  # noqa: BLE001 - Pillow raises many kinds; all mean "not decodable"
        return None
