"""How a recipient opens a link: the manifest request of SMART Health Links, answered.

The recipient POSTs `{"recipient": …, "passcode": …}` to the manifest URL. "If the SMART Health Link is
no longer active, the Resource Server SHALL respond with a 404"; "if an invalid Passcode is supplied,
[it] SHALL reject the request and SHALL enforce a total lifetime count of incorrect Passcodes … The
error response … SHALL use the 401 HTTP status code and the response body SHALL be a JSON payload with
`remainingAttempts`". Otherwise the manifest lists one file, made now from what the link shows and
encrypted with the link's key: a compact JWE, `"alg": "dir"`, `"enc": "A256GCM"`, with `cty` and (raw
DEFLATE) `zip`, a fresh nonce each time. Parallel guesses are serialised on the link's row (the
chain's write transaction: BEGIN IMMEDIATE on SQLite, `FOR UPDATE` on PostgreSQL), so they cannot
spend more attempts than the link has. A link is no longer active either once its maker may no longer make it
(a caregiver removed, stepped down, made a reader, whose delegation ended, a parent at the 18th birthday): it
answers as one that never was.

A link's holder reads like a professional with every category: never what the patient hid. Each
opening is counted and in the access log, committed before the file leaves, under the name the
recipient declared (its sentence says so, in the reader's language: nobody checked it); so is the wrong passcode
that blocks the link, in the same transaction as the count that reaches 0, with the notification that tells the
patient and their caregivers. An opening is the file's delivery: the manifest's `embedded` file, or, for a
recipient that asked for short embedded files, the GET of the `location` the manifest names instead (a manifest
that only names one reads nothing, and is neither counted nor logged: one opening, one line and one count). A
`location` carries the declared name under the server's MAC: its GET makes the file again. It "SHALL be
short-lived and intended for single use" (and "MAY" be "consumed as soon as [it is] dereferenced"): it serves the file
once, and then answers as an address that never was; the recipient asks the manifest again for a fresh one. A
single-use link is spent by its first file read, whichever way it left: a location never fetched spends nothing.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

from joserfc import jwe
from joserfc.errors import JoseError
from joserfc.jwk import OctKey
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from ..accesslog import audit
from ..accesslog.phrases import SPENT
from ..authors import adders_of
from ..access.rule import Visibility
from ..fhir.ips import compiler_of, summary_bundle
from ..i18n import N_, _
from ..caregivers.confidential import NOTHING, kept_from
from ..models import Account, Dossier, Patient, ShareLink, SpentLocation, utcnow
from ..notifications import notify
from ..profile.items import Profile, profile_of
from ..profile.pregnancy import current
from ..profile.kinds import ORDER
from ..text_input import UnstorableText, clean, read_json, readable_length
from .links import CONTENTS, description, maker_may_share, passcode_matches, state_of

FHIR_JSON = "application/fhir+json"
# A pregnancy in progress decides an emergency's drugs and imaging as an allergy does (a section only when there is one).
EMERGENCY_KINDS = ("allergy", "treatment", "condition", "pregnancy", "contact")
# What each content shows of the profile (links.CONTENTS); the summary, every kind.
KINDS_SHOWN = {"emergency": EMERGENCY_KINDS, "vaccinations": ("allergy", "vaccination"), "summary": ORDER}
HOLDER = Visibility(general=True)  # every category, never a hidden item
RECIPIENT_MAX = 100  # characters, once cleaned; the log keeps it alone (AccessEvent.actor_name: 200)
PASSCODE_SENT_MAX = 1000  # longer is no passcode anyone chose (links.PASSCODE_MAX), and costs scrypt time
# Who blocks a link: not the recipient who sent the last wrong passcode (the ten may come from anyone who holds it).
BLOCKER = audit.Actor(None, "system", "Carnet")
LOCATION_LIFETIME = timedelta(minutes=30)  # the spec: "SHALL NOT exceed one hour"
LOCATION_TOKEN_MAX = 2000  # a `location` token: a JWE of the link, its end, its jti, a declared name (100 characters)
# Said to whoever holds the link: the patient gave it, or a parent, a guardian or someone else who helps them.
# Every cause in one sentence, as Carnet's viewer says it (shl-viewer.js): another app shows this one to its user, who
# took a single-use link already opened for one the patient turned off (an outside probe's find).
GONE = N_("Ce lien n'est plus valable : il a expiré, a été désactivé ou bloqué, ou il ne s'ouvrait qu'une fois et "
          "l'a déjà été. Demandez-en un nouveau à la personne qui vous l'a donné.")


class BadRequest(Exception):
    """A manifest request that is not one; the message is in the request's language (the viewer shows it)."""


@dataclass(frozen=True)
class ManifestRequest:
    recipient: str
    passcode: str | None = None
    embedded_length_max: int | None = None


@dataclass(frozen=True)
class Answer:
    status: int
    body: dict = field(default_factory=dict)


def parse(body: bytes) -> ManifestRequest:
    try:
        data = read_json(body)
    except UnstorableText:  # JSON all the same: said as what it is
        raise BadRequest(_("La demande contient un caractère qui n'est pas permis (le caractère nul, ou une moitié "
                           "isolée d'une paire UTF-16) : retirez-le du nom «\u00a0recipient\u00a0» ou du code "
                           "d'accès «\u00a0passcode\u00a0».")) from None
    except (ValueError, UnicodeDecodeError):
        raise BadRequest(_("La demande doit être un objet JSON.")) from None
    if not isinstance(data, dict):
        raise BadRequest(_("La demande doit être un objet JSON."))
    # Named as the viewer's form names them, and by the spec's keys for software that sends them itself.
    recipient = data.get("recipient")
    recipient = clean(recipient) if isinstance(recipient, str) else ""  # the body's limit bounds the work
    if not readable_length(recipient):
        raise BadRequest(_("Indiquez votre nom («\u00a0recipient\u00a0») : celui de la personne ou de l'organisation qui ouvre le lien."))
    if len(recipient) > RECIPIENT_MAX:  # refused, not cut: a name cut short is not the one declared
        raise BadRequest(_("Votre nom («\u00a0recipient\u00a0») : %(limit)d caractères au plus.", limit=RECIPIENT_MAX))
    passcode = data.get("passcode")
    if passcode is not None and not isinstance(passcode, str):
        raise BadRequest(_("Le code d'accès («\u00a0passcode\u00a0») doit être du texte."))
    if passcode is not None and len(passcode) > PASSCODE_SENT_MAX:
        raise BadRequest(_("Le code d'accès («\u00a0passcode\u00a0») : %(limit)d caractères au plus.", limit=PASSCODE_SENT_MAX))
    most = data.get("embeddedLengthMax")
    if most is not None and (isinstance(most, bool) or not isinstance(most, int) or most < 0):
        raise BadRequest(_("«\u00a0embeddedLengthMax\u00a0» doit être un entier positif."))
    return ManifestRequest(recipient, passcode or None, most)


async def answer(session: AsyncSession, *, link_id: str, asked: ManifestRequest, origin: str,
                 secret: str) -> Answer:
    """The manifest, a 401 with the attempts left, or a 404: the attempt or the fetch committed first."""
    now = utcnow()
    link = await session.get(ShareLink, link_id)
    # A link that no longer opens is refused before scrypt's moment, as one that never was: the time taken does not
    # tell them apart either.
    if link is None or await _opened(session, link, now) is None:
        await session.rollback()
        return Answer(404, {"error": _(GONE)})
    # scrypt takes a moment: checked before the lock, on a hash that never changes.
    right = not link.passcode_hash or (asked.passcode is not None and passcode_matches(link.passcode_hash,
                                                                                        asked.passcode))
    # The dossier's chain lock first, then the link's row, in the order a revocation takes them (links.revoke_link):
    # the other way round, on PostgreSQL, each waited on the other. A link never changes dossier.
    await audit.begin_chained(session, dossier_id=link.dossier_id)
    link = (await session.exec(select(ShareLink).where(ShareLink.id == link_id).with_for_update()
                               .execution_options(populate_existing=True))).one()
    dossier = await _opened(session, link, now)  # again: revoked, closed or its maker's right ended meanwhile
    if dossier is None:  # before a passcode is counted: a link that no longer opens spends no attempt
        await session.commit()
        return Answer(404, {"error": _(GONE)})
    if not right:
        if asked.passcode is not None:  # no passcode at all is not a guess: it spends nothing
            link.attempts_left -= 1
            session.add(link)
            if link.attempts_left == 0:  # blocked now: the patient reads it in the Historique, as a revocation,
                # and is told, with whoever helps with the dossier (notify.LINK_BLOCKED says why)
                event = await audit.append(session, dossier_id=dossier.id, action="shl_blocked", actor=BLOCKER,
                                           detail=description(link))
                await notify.record(session, dossier=dossier, event=event)
        await audit.commit_chained(session)
        return Answer(401, {"remainingAttempts": link.attempts_left})
    encrypted = await encrypted_file(session, link=link, dossier=dossier, origin=origin, now=now)
    located = asked.embedded_length_max is not None and len(encrypted) > asked.embedded_length_max
    if located:  # nothing read yet: the opening is its location's GET (`located_file`), if it ever comes
        await session.commit()
    else:
        await _delivered(session, link=link, dossier=dossier, recipient=asked.recipient, now=now)
    # The same FHIR version as the API's CapabilityStatement (fhir.resources' R4B models).
    entry = {"contentType": FHIR_JSON, "lastUpdated": now.strftime("%Y-%m-%dT%H:%M:%SZ"), "fhirVersion": "4.3.0"}
    if located:
        # "the server SHALL NOT return embedded payload longer than the client-designated maximum"
        entry["location"] = location_url(origin=origin, secret=secret, link_id=link.id, now=now,
                                         recipient=asked.recipient)
    else:
        entry["embedded"] = encrypted
    # The manifest's own status (HL7 SHL IG, ShlManifest.status): "can-change", made again from the profile each time;
    # a link that opens once, "no-longer-valid", which no recipient asks again: spent by this very answer, or by the
    # GET of its location.
    return Answer(200, {"status": "no-longer-valid" if link.single_use else "can-change", "files": [entry]})


async def _opened(session: AsyncSession, link: ShareLink, now: datetime) -> Dossier | None:
    """The dossier the link opens now, or None: the link active, the dossier open (closed, no one but its holders
    reads it), and its maker still one who may make such a link on it (`links.maker_may_share`): a caregiver's link
    ends with their right, as every page of the dossier does for them. A `location` serves its file on the same
    terms: a single-use link is spent by the first file read, whichever address gave it."""
    if state_of(link, now) != "active":
        return None
    dossier = await session.get(Dossier, link.dossier_id, populate_existing=True)
    if dossier is None or dossier.state != "open":
        return None
    patient = await session.get(Patient, dossier.patient_id)
    return dossier if await maker_may_share(session, link=link, dossier=dossier, patient=patient, now=now) else None


async def encrypted_file(session: AsyncSession, *, link: ShareLink, dossier: Dossier, origin: str, now: datetime) -> str:
    """What the link shows, made now (the flag L: it follows the profile), as a JWE under the link's key."""
    patient = await session.get(Patient, dossier.patient_id)
    kinds = KINDS_SHOWN[link.content]
    profile = await profile_of(session, dossier_id=dossier.id, visible=await _holder(session, link, dossier),
                               kinds=kinds)
    if link.content == "emergency":
        profile = _in_progress(profile)
    items = [item for kind in profile.by_kind.values() for item in kind]
    maker = await session.get(Account, link.created_by_account_id)
    bundle = summary_bundle(patient=patient, profile=profile, documents=[], document_authors={}, base=origin, now=now,
                            kinds=None if kinds == ORDER else kinds, title=CONTENTS[link.content],
                            item_adders=await adders_of(session, items),
                            compiler=await compiler_of(session, dossier=dossier, account=maker) if maker else None,
                            contact_ids=False)
    header = {"alg": "dir", "enc": "A256GCM", "zip": "DEF", "cty": FHIR_JSON}
    return jwe.encrypt_compact(header, bundle.model_dump_json(exclude_none=True).encode(), OctKey.import_key(link.key))


def _in_progress(profile: Profile) -> Profile:
    """The emergency card's pregnancy: the one in progress, as its form says, never one whose end was noted (a birth,
    a miscarriage), nor the professional who wrote only that."""
    by_kind = {kind: items for kind, items in profile.by_kind.items() if kind != "pregnancy"}
    if (pregnancy := current(profile.by_kind.get("pregnancy", []))) is not None:
        by_kind["pregnancy"] = [pregnancy]
    authors = {i.author_professional_id for items in by_kind.values() for i in items}
    return replace(profile, by_kind=by_kind,
                   authors={pro_id: pro for pro_id, pro in profile.authors.items() if pro_id in authors})


async def _holder(session: AsyncSession, link: ShareLink, dossier: Dossier) -> Visibility:
    """What a link shows of the profile: what its maker may pass on. A minor's parent never passes on (and so never
    reads through their own link) what a professional kept from them (caregivers/confidential.py)."""
    maker = await session.get(Account, link.created_by_account_id)
    kept = await kept_from(session, dossier_id=dossier.id, account=maker) if maker is not None else NOTHING
    return replace(HOLDER, not_kept_from_parents=kept.representative)


# --- `location`: the same file by GET, for a recipient that asked for short embedded payloads --------------------


def _location_key(secret: str) -> OctKey:
    return OctKey.import_key(hmac.new(secret.encode(), b"shl-location", hashlib.sha256).digest())


def location_url(*, origin: str, secret: str, link_id: str, now: datetime, recipient: str) -> str:
    """The file's address for this recipient: its end, its own id (`jti`, spent by its one fetch) and the name they
    declared, enciphered under the server's key (a JWE: a name is never readable in an address, and none can be put
    in it). Its GET is a fetch of the file, logged under that name as the manifest's own is."""
    until = int((now + LOCATION_LIFETIME).timestamp())
    claims = json.dumps({"link": link_id, "until": until, "jti": secrets.token_urlsafe(16), "recipient": recipient},
                        ensure_ascii=False)
    token = jwe.encrypt_compact({"alg": "dir", "enc": "A256GCM"}, claims.encode(), _location_key(secret))
    return f"{origin.rstrip('/')}/shl/{link_id}/fichier?t={token}"


def _location_claims(token: str, *, secret: str, link_id: str, now: datetime) -> tuple[str, str, int] | None:
    """The recipient a `location` token names, its jti and its end, if this server made it for this link and it has
    not ended (spent or not)."""
    if len(token) > LOCATION_TOKEN_MAX or not token.isascii():
        return None
    try:
        claims = json.loads(jwe.decrypt_compact(token, _location_key(secret)).plaintext or b"")
    except (JoseError, ValueError):
        return None
    if not isinstance(claims, dict) or claims.get("link") != link_id or not isinstance(claims.get("until"), int):
        return None
    recipient, jti = claims.get("recipient"), claims.get("jti")
    if not isinstance(recipient, str) or not isinstance(jti, str) or claims["until"] < now.timestamp():
        return None
    return recipient, jti, claims["until"]


async def located_file(session: AsyncSession, *, link_id: str, token: str, origin: str, secret: str) -> str | None:
    """The file a manifest answer's `location` names, made now and logged as a fetch (under the recipient's declared
    name), its address spent in the same transaction, before it is sent; None once the address was used, or it or the
    link is no longer valid."""
    now = utcnow()
    claims = _location_claims(token, secret=secret, link_id=link_id, now=now)
    if claims is None:
        return None
    recipient, jti, until = claims
    found = await session.get(ShareLink, link_id)
    if found is None:
        await session.rollback()
        return None
    await audit.begin_chained(session, dossier_id=found.dossier_id)  # as `answer`: the chain's lock, then the link's
    link = (await session.exec(select(ShareLink).where(ShareLink.id == link_id).with_for_update()
                               .execution_options(populate_existing=True))).one()
    dossier = await _opened(session, link, now)
    # Under the link's lock: two GETs of one address at once are taken in turn, and the second finds it spent.
    if dossier is None or await session.get(SpentLocation, jti) is not None:
        await session.rollback()
        return None
    encrypted = await encrypted_file(session, link=link, dossier=dossier, origin=origin, now=now)
    session.add(SpentLocation(jti=jti, expires_at=datetime.fromtimestamp(until, UTC)))
    await _delivered(session, link=link, dossier=dossier, recipient=recipient, now=now)
    return encrypted


async def _delivered(session: AsyncSession, *, link: ShareLink, dossier: Dossier, recipient: str,
                     now: datetime) -> None:
    """One opening, where the file leaves (the manifest's embedded file, or its location's GET; never a manifest that
    only names a location): counted, in the access log under the name the recipient declared, committed before the
    file is sent. A single-use link's first: spent from now on (links.state_of), in this transaction."""
    link.fetch_count += 1
    link.last_fetched_at, link.last_fetched_by = now, recipient
    session.add(link)
    await audit.append(session, dossier_id=dossier.id, action="shl_fetch", right="shl",
                       detail=description(link, *([SPENT] if link.single_use else [])),
                       # The name alone: the kind says it was declared, and the sentence says so in the reader's
                       # language (journal.subject_of).
                       actor=audit.Actor(None, "shl_recipient", recipient))
    await audit.commit_chained(session)
