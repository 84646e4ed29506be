"""The transparency log, published: its latest signed checkpoint, its key, its proofs, and one event's offline proof.

What is public holds hashes only (leaves are salted hashes of events: see tlog/store.py), so it
needs no login: a patient's phone, a witness or an auditor reads it. Answers are text/plain,
as C2SP's formats are: a proof is its hashes in standard base64, one per line, in the RFC 9162
order (from the leaf's or the old tree's side up to the root), none for an empty proof.
Refusals are one sentence in the reader's language, 400 for a question that has no answer, 404 for a tree
the log has not reached yet.

One event's proof (C2SP tlog-proof) is for whoever may read the dossier's Historique, under the
same rule as the Historique (`managed_dossier` with readers, less what `kept_from` keeps from a
minor's parents): anyone else gets the 404 of a missing event.
"""

from __future__ import annotations

import base64
import re

from litestar import Request, Response, get
from litestar.exceptions import NotFoundException
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from ..caregivers.confidential import kept_from
from ..errors import Refused
from ..export.names import download_name
from ..guards import logged_in
from ..i18n import _, ngettext
from ..i18n.formats import quoted
from ..models import AccessEvent
from ..access.managing import managed_dossier
from ..tlog import merkle, store, witnessing
from .forms import MAX_INT

TEXT = "text/plain"  # Litestar adds "; charset=utf-8"
_NUMBER = re.compile(r"0|[1-9][0-9]{0,18}")  # a decimal, as checkpoints write sizes; at most 19 digits


class Unanswerable(Exception):
    """A question about the tree that has no answer: a status and one sentence, as plain text."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message


LARGEST = 2**63 - 1  # a tree's size and an index are 64-bit signed integers (RFC 9162, and the database's)


def number(value: str | None, name: str) -> int:
    if value is not None and value.isascii() and value.isdigit() and value[0] != "0" and int(value) > LARGEST:
        raise Unanswerable(400, _("Le paramètre %(name)s dépasse tout journal possible (%(largest)s au plus).",
                                  name=quoted(name), largest=LARGEST))
    if value is None or not _NUMBER.fullmatch(value):
        raise Unanswerable(400, _("Le paramètre %(name)s doit être un nombre entier positif ou nul.",
                                  name=quoted(name)))
    return int(value)


PUBLIC = {"Access-Control-Allow-Origin": "*"}  # an auditor's or a witness's page, elsewhere, reads it (no cookie)


def plain(body: str, status: int = 200, headers: dict[str, str] | None = None, *, public: bool = True) -> Response:
    return Response(body, status_code=status, media_type=TEXT, headers={**(PUBLIC if public else {}), **(headers or {})})


def lines(hashes: list[bytes]) -> Response:
    return plain("".join(base64.b64encode(h).decode() + "\n" for h in hashes))


def on_unanswerable(_request: Request, exc: Unanswerable) -> Response:
    return plain(exc.message + "\n", exc.status)


async def tree_size(db: AsyncSession) -> int:
    latest = await store.latest_checkpoint(db)
    return latest.size if latest else 0


def reached(size: int, wanted: int) -> None:
    if wanted > size:
        raise Unanswerable(404, ngettext("Le journal n'a encore que %(num)d entrée : pas d'arbre de taille "
                                         "%(wanted)d.", "Le journal n'a encore que %(num)d entrées : pas d'arbre "
                                         "de taille %(wanted)d.", size, wanted=wanted))


@get("/journal/checkpoint")
async def checkpoint(request: Request, db: AsyncSession, tous: str | None = None) -> Response:
    """The newest checkpoint that the required witnesses cosigned, with its cosignatures; ?tous=1: the newest one."""
    settings = request.app.state.settings
    note = await witnessing.served_checkpoint(db, settings, newest=tous not in (None, "", "0"))
    # Not yet (404, with when to ask again), never a 5xx: the server is well, the checkpoint is still to come.
    if note is None and await store.latest_checkpoint(db) is None:  # the integrator signs one within a second
        return plain(_("Le journal n'a pas encore de point de contrôle signé : réessayez dans un instant.") + "\n", 404,
                     {"Retry-After": "1"})
    if note is None:  # the witnesses are asked within a second of each checkpoint; one may be down
        return plain(ngettext("Aucun point de contrôle n'a encore la cosignature de témoin requise : réessayez "
                              "dans un instant.", "Aucun point de contrôle n'a encore les %(num)s cosignatures de "
                              "témoins requises : réessayez dans un instant.", settings.journal_witnesses_required)
                     + "\n", 404, {"Retry-After": "5"})
    return plain(note)


@get("/journal/cle")
async def verifier_key(request: Request) -> Response:
    return plain(request.app.state.journal_signer.verifier.key + "\n")


@get("/journal/preuve/consistance", exception_handlers={Unanswerable: on_unanswerable})
async def consistency(db: AsyncSession, de: str | None = None, a: str | None = None) -> Response:
    old, new = number(de, "de"), number(a, "a")
    if old > new:
        raise Unanswerable(400, _("%(old)s ne peut pas dépasser %(new)s : un arbre ne prolonge que les plus petits.",
                                  old=quoted("de"), new=quoted("a")))
    reached(await tree_size(db), new)
    return lines(await store.prove(db, merkle.consistency_proof, old, new))


@get("/journal/preuve/inclusion", exception_handlers={Unanswerable: on_unanswerable})
async def inclusion(db: AsyncSession, index: str | None = None, taille: str | None = None) -> Response:
    leaf, size = number(index, "index"), number(taille, "taille")
    if leaf >= size:
        raise Unanswerable(400, _("%(index)s doit être plus petit que %(size)s : les entrées sont numérotées depuis 0.",
                                  index=quoted("index"), size=quoted("taille")))
    reached(await tree_size(db), size)
    return lines(await store.prove(db, merkle.inclusion_proof, leaf, size))


@get("/dossiers/{dossier_id:str}/historique/preuve/{numero:str}", guards=[logged_in])
async def historique_proof(request: Request, db: AsyncSession, dossier_id: str, numero: str) -> Response:
    """The offline proof that this event of the Historique is in the log, as a file to keep or hand over
    (`carnet audit verify-proof` checks it); numero is the event's number in the dossier's log."""
    account = request.user.account
    found = await managed_dossier(db, account=account, dossier_id=dossier_id, readers=True)
    dossier, patient = found.dossier, found.patient
    seq = int(numero) if _NUMBER.fullmatch(numero) and 0 < int(numero) <= MAX_INT else 0
    event = (await db.exec(select(AccessEvent).where(AccessEvent.dossier_id == dossier.id,
                                                     AccessEvent.seq == seq))).first()
    kept = await kept_from(db, dossier_id=dossier.id, account=account)
    if event is None or kept.representative:  # numbers are the chain's, which a minor's parent is not shown
        raise NotFoundException()
    # In the checkpoint the phone checks, with the witnesses' cosignatures it carries: whoever holds the proof can
    # hold it to them too (`--temoin`), not to the log's key alone.
    signed = await witnessing.served_checkpoint(db, request.app.state.settings)
    proof = None if signed is None else await store.event_proof(db, event, signed)
    if proof is None:
        # Not a server failure: the event is there. Its leaf comes with the next integration (a few seconds); once
        # integrated, a proof waits for the checkpoint that holds it to be cosigned by the witnesses required, who may
        # be slow or unreachable for a while: said so, never "in a few seconds" for an hour.
        if request.app.state.settings.journal_witnesses_required and await store.leaf_of(db, event) is not None:
            raise Refused(409, _("Cet événement est inscrit au journal de transparence, mais les témoins indépendants "
                                 "ne l'ont pas encore contresigné : sa preuve sera prête dès qu'ils l'auront fait, "
                                 "d'ordinaire en quelques minutes. Réessayez plus tard."), headers={"Retry-After": "60"})
        raise Refused(409, _("Cet événement entre dans le journal de transparence dans quelques secondes : "
                             "réessayez dans un instant."), headers={"Retry-After": "2"})
    # Each dossier numbers its own events; the extension is C2SP tlog-proof's ("Proofs SHOULD be stored with file
    # extension .tlog-proof"), the content plain UTF-8 text all the same.
    name = download_name("preuve-journal", patient, str(seq), "tlog-proof")
    return plain(proof.text(), headers={"Content-Disposition": f'attachment; filename="{name}"'}, public=False)


routes = [checkpoint, verifier_key, consistency, inclusion, historique_proof]
