"""A document's file name in a copy (archive.py): inside its folder, and short enough for where it is opened."""

from __future__ import annotations

import unicodedata


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
