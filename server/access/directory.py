"""The directory the patient picks professionals from ("Donner accès à un professionnel de l'annuaire"): words of
their name, city, RPPS or profession, each a range of an index (issue 10)."""

from __future__ import annotations

from functools import cache

from sqlalchemy import Select, bindparam
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from ..dossiers import WORD_LENGTH, InvalidInput
from ..i18n import _
from ..models import Professional, ProfessionalWord
from ..search import past_every_longer, search_title, words_of

SEARCH_LIMIT = 20
MAX_DIRECTORY_WORDS = 5
IGNORED_WORDS = {"dr", "docteur", "mme", "m", "madame", "monsieur", "a", "de", "en"}  # folded: "Dr.", "à"


async def search_professionals(session: AsyncSession, *, query: str) -> list[Professional]:
    """Professionals with a word starting with each word asked, of their name, city, RPPS or profession, accents and
    case ignored ("lefevre" finds Lefèvre, "kine" a masseur-kinésithérapeute); the first SEARCH_LIMIT by name.

    Each word asked is a range of the directory's words (`ProfessionalWord`'s primary key), so a search reads
    the professionals it may show, never the whole directory (issue 10)."""
    typed = [w for w in query.split() if search_title(w) not in IGNORED_WORDS][:MAX_DIRECTORY_WORDS]
    if not typed or len("".join(typed)) < 2:
        raise InvalidInput(_("Saisissez au moins deux lettres : un nom, un numéro RPPS, une profession ou une ville."),
                           "q")
    # Cut as the directory keeps them (dossiers.directory_words): a longer word still finds its own.
    words = [w[:WORD_LENGTH] for w in words_of(" ".join(typed)) if w not in IGNORED_WORDS][:MAX_DIRECTORY_WORDS]
    if not words:  # only signs ("%%"): nothing is a word of them
        return []
    params = {**{f"start_{n}": word for n, word in enumerate(words)},
              **{f"end_{n}": past_every_longer(word) for n, word in enumerate(words)}}
    return list((await session.exec(_directory_search(len(words)), params=params)).all())  # type: ignore[call-overload]


@cache
def _directory_search(count: int) -> Select:
    """Built once per number of words (listing says why): the professionals with a word in each range."""
    words = ProfessionalWord.__table__.c  # type: ignore[attr-defined]
    return select(Professional).where(*(col(Professional.id).in_(
        select(words.professional_id).where(words.word >= bindparam(f"start_{n}"), words.word < bindparam(f"end_{n}"))
    ) for n in range(count))).order_by(col(Professional.family_name), col(Professional.given_name),
                                       col(Professional.id)).limit(SEARCH_LIMIT)
