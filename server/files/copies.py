"""The same bytes added again to a dossier by the same person soon after: on a dropped connection, the first was
saved but its answer lost, and a new form sent them again. Filed again only when the form says a second copy is
wanted (the patient's form and the professional's alike)."""

from __future__ import annotations

import hashlib
from datetime import timedelta

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from ..dossiers import InvalidInput
from ..i18n import _
from ..models import Account, Document, utcnow

# Long enough for a slow network, a lost answer and a second try; short enough that a copy filed on purpose later is
# not questioned.
COPY_WINDOW = timedelta(hours=1)


class AlreadyAdded(InvalidInput):
    """The same bytes, added to the dossier by the same account less than COPY_WINDOW ago: what the form shows of
    that document (its link, title and time), read before the refusal rolls back (which expires every row)."""

    def __init__(self, document: Document, field: str) -> None:
        super().__init__(_("Ce fichier a déjà été ajouté à ce dossier il y a moins d'une heure. Pour en ajouter "
                           "une seconde copie, cochez la case ci-dessous et choisissez-le à nouveau.")
                         if field == "file" else
                         _("Cette note a déjà été ajoutée à ce dossier il y a moins d'une heure. Pour en ajouter "
                           "une seconde copie, cochez la case ci-dessous."), field)
        self.document_id, self.title, self.added_at = document.id, document.title, document.created_at


async def refuse_recent_copy(session: AsyncSession, *, dossier_id: str, account: Account, data: bytes,
                             field: str) -> None:
    """AlreadyAdded if this account added these bytes to the dossier within COPY_WINDOW, and they are still there.

    Only the account's own additions: it may read each of them (the patient and a managing relative read what they
    added; a professional, as its author, while she may write here), so the answer reveals nothing of a document
    it may not see, or of its bytes."""
    rows = await session.exec(
        select(Document).where(Document.dossier_id == dossier_id, Document.added_by_account_id == account.id,
                               Document.sha256 == hashlib.sha256(data).hexdigest(),
                               Document.created_at >= utcnow() - COPY_WINDOW,
                               Document.deleted_at.is_(None), Document.withdrawn_at.is_(None))  # type: ignore[union-attr]
        .order_by(Document.created_at.desc()).limit(1))  # type: ignore[union-attr]
    copied = rows.first()
    if copied is not None:
        raise AlreadyAdded(copied, field)
