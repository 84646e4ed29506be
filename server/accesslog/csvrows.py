"""The Historique as a CSV row: one fixed French format, the Historique's export (views/log_exports.py) and the copy
of the dossier's (export/logfiles.py) alike."""

from __future__ import annotations

from collections.abc import Container

from ..models import AccessEvent
from ..templating import PARIS
from . import journal, right_words
from .audit import timestamp

# The CSV is one fixed French format, whatever the page's language: the copy of the dossier holds the same file, and
# its LISEZMOI (export/archive.py) names these columns to recompute each event's hash; its hashed cells are the
# event's own words, and its labels ("action", "droit") the log's, in French as the log is written; but for the title
# of a document its author withdrew since (WITHHELD_TITLE).
# Before "hash", what the readable columns do not say as the chain hashed it (audit.HASHED_FIELDS): with them, each row
# recomputes its event's hash, and "hash précédent" names the row before it; a cell of these left empty is null.
CHAIN_CHECK_COLUMNS = ["hash précédent", "dossier", "horodatage", "code action", "type d'acteur", "compte",
                       "code droit", "id document"]
CSV_COLUMNS = ["numéro", "date", "qui", "profession", "RPPS", "pour le compte de", "action", "document", "droit",
               "détail", *CHAIN_CHECK_COLUMNS, "hash"]
# The « document » of an event whose document its author withdrew since (journal.withheld), in place of its title:
# that row's hash is not recomputed, only named by the next row's "hash précédent" (the LISEZMOI says so).
WITHHELD_TITLE = "(document retiré depuis par son auteur)"
# What a legal representative's CSV leaves out: the dossier's numbering and chain (accesslog/numbering.py).
CHAIN_COLUMNS = frozenset({"numéro", "hash", *CHAIN_CHECK_COLUMNS})
UNCHAINED_COLUMNS = [name for name in CSV_COLUMNS if name not in CHAIN_COLUMNS]


def spreadsheet_safe(value: str) -> str:
    """A cell a spreadsheet will not run as a formula (OWASP "CSV injection"). A value that starts with an apostrophe
    gets one more, so that whoever recomputes a hash from the CSV takes off one leading apostrophe, always."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r", "'") else value


def csv_row(event: AccessEvent, *, chain: bool = True, withdrawn: Container[str] = ()) -> list[str]:
    """One event as a row of CSV_COLUMNS; without `chain` (a minor's representative), without its number and hash.
    `withdrawn`: queries.withdrawn_among's, whose events' titles the row leaves out (WITHHELD_TITLE)."""
    title = WITHHELD_TITLE if journal.withheld(event, withdrawn) else event.document_title
    texts = [event.actor_name, event.actor_profession, event.actor_rpps, event.on_behalf_of,
             journal.action_label(event), title, right_words.right_label(event), event.detail]
    row = [event.at.astimezone(PARIS).isoformat(timespec="seconds"), *(spreadsheet_safe(t) for t in texts)]
    if not chain:
        return row
    return [str(event.seq), *row, event.prev_hash, event.dossier_id, timestamp(event.at), event.action,
            event.actor_kind, event.actor_account_id or "", event.right, event.document_id or "", event.hash]
