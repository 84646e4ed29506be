"""File names: a document's in a copy (archive.py), inside its folder and short enough for where it is opened; and
a download's, which says whose it is."""

from __future__ import annotations

import re
import unicodedata

from ..models import Patient

# Letters NFKD leaves whole (no accent to take off), spelled in ASCII.
LIGATURES = str.maketrans({"œ": "oe", "Œ": "Oe", "æ": "ae", "Æ": "Ae", "ß": "ss", "ø": "o", "Ø": "O",
                           "ł": "l", "Ł": "L", "đ": "d", "Đ": "D"})


def safe_name(filename: str) -> str:
    """A file name that stays inside its folder when the ZIP is opened: no path, no control character, short
    enough for the file system it is opened on."""
    name = filename.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(c for c in name if unicodedata.category(c)[0] != "C").strip().lstrip(".")
    return shortened(name) or "document"


# File systems count a name in bytes: 255 (ext4, APFS), 143 with Ubuntu's encrypted home folders (eCryptfs); and
# Windows's Explorer wants the whole path within 260 characters, of which "documents/<id>/" takes 43.
NAME_BYTES = 140
EXTENSION_BYTES = 10  # ".pdf", ".jpeg", dot included: past it, what follows the last dot is the end of a sentence


def shortened(name: str) -> str:
    """`name` within NAME_BYTES of UTF-8, cut between two characters, its extension kept."""
    if len(name.encode()) <= NAME_BYTES:
        return name
    stem, dot, extension = name.rpartition(".")
    extension = f"{dot}{extension}"
    if not stem or len(extension.encode()) > EXTENSION_BYTES:
        stem, extension = name, ""
    room = NAME_BYTES - len(extension.encode())
    # Decoding drops what is left of a character the cut went through.
    return stem.encode()[:room].decode(errors="ignore").rstrip(" .") + extension


def download_name(what: str, patient: Patient, last: str, extension: str) -> str:
    """carnet-dossier-ines-2026-11-30.zip, carnet-historique-ines-2026-11-30.csv: whose file it is, in ASCII, for a
    parent who saves several. The given name only: a downloads folder or a shared screen shows the file's name, and
    the family's files differ by it. Only in Content-Disposition: a name never travels in a URL (server logs,
    history, Referer keep those)."""
    name = patient.given_name.translate(LIGATURES)
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:60].strip("-")
    return "-".join(part for part in (what, slug, last) if part) + f".{extension}"
