"""File names: a document's in a copy (archive.py), inside its folder and short enough for where it is opened; a
download's, which says whose it is (a copy, a CSV, a document from a relative's dossier); and a file Carnet makes for
a document (a typed note, the demo's files), which says its date and its title."""

from __future__ import annotations

import re
import unicodedata
from datetime import date

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
# Windows's Explorer wants the whole path within 260 characters, of which "documents/<date>-<title>-<id>/" takes 95
# at most (FOLDER_TITLE): 235 with the name.
NAME_BYTES = 140
FOLDER_TITLE = 40  # ASCII characters of a document's title in its folder's name (ips_copy.zip_path)
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
    return "-".join(part for part in (what, slug(patient.given_name, limit=60), last) if part) + f".{extension}"


def named_for(filename: str, patient: Patient) -> str:
    """ines-ordonnance.pdf: a document downloaded from a relative's dossier, named for whose it is as
    `download_name` names a copy or a CSV taken from it (a parent's downloads folder holds her children's
    prescriptions side by side), its own name kept after. In Content-Disposition only, as every name."""
    who = slug(patient.given_name, limit=60)
    return shortened(f"{who}-{filename}") if who else filename


def dated_name(day: date, title: str, extension: str) -> str:
    """2026-07-14-compte-rendu-de-consultation.txt: the name of a file Carnet makes for a document, its date then its
    title in ASCII. Never the title as typed: "<b>Note</b> 😀" would name it "<b>Note<-b> 😀.txt", its markup and
    emoji shown to whoever saves it and mangled by the file systems that cannot hold them."""
    return f"{day.isoformat()}-{slug(title, limit=80) or 'document'}.{extension}"


# A tag's shape: "<b>", "</b>", "<br/>"; not "< 14" nor "<7 et >5", which say a value.
TAG = re.compile(r"</?[A-Za-z][^<>]*>")


def slug(text: str, *, limit: int) -> str:
    """"Œdème du pied" → "oedeme-du-pied": lower-case ASCII words joined by hyphens, `limit` characters at most.
    A title pasted with its markup keeps it as text, shown escaped on its page; its tags' letters are no words of
    a name ("<b>Note</b>" is "note", not "b-note-b")."""
    text = TAG.sub(" ", text)
    ascii_text = unicodedata.normalize("NFKD", text.translate(LIGATURES)).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:limit].strip("-")
