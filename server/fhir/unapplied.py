"""What a push sends that Carnet does not apply, said in the entry's outcome rather than dropped: the metadata of a
document sent again that differ from those stored, and an author other than the professional behind the software."""

from __future__ import annotations

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from ..dossiers import author_title
from ..models import Document, Professional
from ..professionals.checks import Upload
from ..professionals.uploads import stored_type
from ..professionals.versions import replacing
from ..text_input import clean
from .docreference import DeclaredAuthor

Issue = tuple[str, str, str, tuple[str, ...]]  # severity, code, diagnostics, elements (FHIRPath within the entry)


def ignored_authors(authors: tuple[DeclaredAuthor, ...], professional: Professional) -> Issue | None:
    """A warning for the authors a DocumentReference declares that are not the professional who registered the
    software: the document is theirs, whatever `author` says. Their access to the dossier is what lets the software
    write to it, the patient's access log names them, and an author reads their document even once the patient hides
    it (access/rule.py): attributed to anyone else, a document would give that person a right no one granted."""
    others = [author for author in authors if not author.is_professional(professional.rpps)]
    if not others:
        return None
    return ("warning", "business-rule",
            f"author ignoré ({' ; '.join(author.said() for author in others)}) : le document est attribué à "
            f"{author_title(professional, in_french=True)} (RPPS {professional.rpps}), qui a enregistré ce logiciel "
            "dans Carnet. C'est son accès au dossier qui permet l'envoi, le journal d'accès du patient le nomme, et "
            "l'auteur d'un document le lit même masqué par le patient : Carnet n'attribue un document à personne "
            "d'autre. Le document d'un autre professionnel s'envoie depuis un logiciel que celui-ci a enregistré.",
            ("author",))


async def unapplied_metadata(session: AsyncSession, *, document: Document, upload: Upload,
                             elements: dict[str, str], author: Professional) -> Issue | None:
    """A warning naming each of the metadata of a document sent again (same identifier, same bytes: received once,
    uploads._already_received) that differ from those stored, which were not applied, and how to correct them: a new
    version that replaces it (relatesTo), or, for its category, which a version keeps, its withdrawal and a new
    document. None where nothing differs, or the document is withdrawn or deleted (its content is erased)."""
    if document.deleted_at is not None or document.withdrawn_at is not None:
        return None
    sent_type, kept_type = stored_type(upload, author), (document.type_system, document.type_code,
                                                         document.type_display)
    differing = [
        (elements["title"].partition(",")[0], f"«\u00a0{document.title}\u00a0»", clean(upload.title) != document.title),
        (elements["event_date"].partition(",")[0], document.event_date.isoformat(),
         upload.event_date != document.event_date),
        ("category", document.category, upload.category != document.category),
        ("type", "|".join(part for part in kept_type[:2] if part) or "aucun, celui de sa catégorie",
         sent_type != kept_type),
    ]
    named = [(element, kept) for element, kept, differs in differing if differs]
    if not named:
        return None
    latest = await _latest_version(session, document)
    target = (f"DocumentReference/{latest.id}" if latest is document else
              f"DocumentReference/{latest.id}, la plus récente : celle-ci est déjà remplacée")
    said = (f"Ces éléments diffèrent de ceux du document enregistré sous ce masterIdentifier et n'ont pas été "
            f"appliqués : {', '.join(f'{element} (enregistré : {kept})' for element, kept in named)}. Pour corriger "
            "un document reçu, envoyez-en une nouvelle version, sous un nouveau masterIdentifier, qui le remplace : "
            f"relatesTo, code «\u00a0replaces\u00a0», cible {target}.")
    if any(element == "category" for element, _ in named):
        said += (" Une nouvelle version garde la catégorie de la précédente, qui décide qui la lit : pour changer de "
                 "catégorie, retirez ce document (PATCH, status entered-in-error) et envoyez-le de nouveau, sous un "
                 "nouveau masterIdentifier, sans relatesTo.")
    return "warning", "business-rule", said, tuple(element for element, _ in named)


async def _latest_version(session: AsyncSession, document: Document) -> Document:
    """The version that replaces this one now, and so on: the one a correction replaces (versions.py)."""
    for _ in range(100):  # a chain of corrections, never a loop; bounded all the same
        if document.superseded_at is None:
            break
        later = (await session.exec(select(Document).where(replacing(document.id)))).first()
        if later is None:
            break
        document = later
    return document
