"""What a link carries (the `shlink:/` payload), the address that opens it in Carnet's viewer, and its QR code.

SMART Health Links, "Construct a SMART Health Link Payload": a JSON object with `url` (the manifest
URL), `key` ("43 characters, consisting of 32 random bytes base64urlencoded"), `exp` (epoch seconds),
`flag` ("single-character flags in alphabetical order": L, P), `label` ("no longer than 80
characters") and `v`; minified, base64urlencoded, prefixed with `shlink:/`, "optionally prefixed with a
viewer URL that ends with #" — after "#", so that the key never reaches a server.
"""

from __future__ import annotations

import base64
import io
import json
import xml.etree.ElementTree as ET

import qrcode
import qrcode.image.svg

from ..models import ShareLink
from .links import written_name

SVG = "http://www.w3.org/2000/svg"
QR_SIZE = 288  # CSS pixels; the page scales it down on a narrower screen


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def manifest_url(origin: str, link_id: str) -> str:
    return f"{origin.rstrip('/')}/shl/{link_id}/manifest"


def flag_of(link: ShareLink) -> str:
    """L: the manifest's content follows the profile (made afresh at each fetch), for a recipient to ask again; not
    for a link that opens once (an outside probe: it announced itself long-term). P: a passcode is asked."""
    return ("" if link.single_use else "L") + ("P" if link.passcode_hash else "")


def payload(link: ShareLink, *, origin: str) -> dict:
    """The payload; `flag` (optional in the spec) left out when it has none to say, not sent empty."""
    flag = flag_of(link)
    return {"url": manifest_url(origin, link.id), "key": b64url(link.key), "exp": int(link.expires_at.timestamp()),
            **({"flag": flag} if flag else {}), "label": written_name(link), "v": 1}


def shlink(link: ShareLink, *, origin: str) -> str:
    minified = json.dumps(payload(link, origin=origin), separators=(",", ":"), ensure_ascii=False)
    return "shlink:/" + b64url(minified.encode())


def viewer_url(link: ShareLink, *, origin: str) -> str:
    """The address to give: Carnet's viewer, with the link after "#"."""
    return f"{origin.rstrip('/')}/shl#{shlink(link, origin=origin)}"


def qr_svg(content: str, *, title: str) -> str:
    """A QR code (error correction M, as the spec recommends) as an <svg> to put in a page: no style, no script."""
    image = qrcode.make(content, image_factory=qrcode.image.svg.SvgPathFillImage, box_size=10,
                        error_correction=qrcode.constants.ERROR_CORRECT_M)
    out = io.BytesIO()
    image.save(out)
    ET.register_namespace("", SVG)
    root = ET.fromstring(out.getvalue())
    root.set("width", str(QR_SIZE))
    root.set("height", str(QR_SIZE))
    root.set("role", "img")
    root.set("aria-label", title)
    root.set("shape-rendering", "crispEdges")  # no hairlines between modules
    return ET.tostring(root, encoding="unicode")
