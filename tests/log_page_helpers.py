"""The patient's Historique as its tests read it (its lines, its days, what is new), and Camille's dossier."""

import html
import re

from server.access import share_codes
from server.access.medecin_traitant import set_medecin_traitant
from server.accesslog import audit, visits
from server.auth.accounts import account_for_patient, account_for_professional
from server.auth.sessions import start_session
from server.accesslog.audit import Actor
from server.dossiers import create_professional
from server.identifiers import rpps_with_key
from tests.conftest import add_text_document, set_cookie


LINE = re.compile(r'<li class="log-line( is-new)?" id="evenement-(\d+)">\s*(?:<span class="badge log-new">Nouveau</span><span class="visually-hidden">\u00a0?: </span>)?'
                  r'<span class="log-text"[^>]*>(?:<span class="fit fit-\d+">)?(.*?)</span>', re.S)


def log_lines(page: str) -> list[tuple[int, bool, str]]:
    """(seq, new, sentence) for each line of the page, top to bottom."""
    return [(int(seq), bool(new), plain(text)) for new, seq, text in LINE.findall(page)]


async def new_events(db, world) -> int:
    """The count a whole Historique page of the patient's says ("N nouveaux événements"), as it asks it."""
    return (await visits.head_seen_and_new(db, account=world.patient_account, dossier=world.dossier))[2]


def plain(markup: str) -> str:
    """Text as read: entities decoded, no-break spaces (around « », inside "14 h 12") as spaces."""
    return html.unescape(markup).replace("\u00a0", " ").replace("\u202f", " ")


def day_headers(page: str) -> list[str]:
    return [html.unescape(h) for h in re.findall(r'<h2 class="month log-day">([^<]+)</h2>', page)]


async def as_account(client, db, account) -> None:
    set_cookie(client, "carnet_session", await start_session(db, account=account, authenticated=True))


async def professional(db, given_name, family_name, profession, stem):
    pro = await create_professional(db, rpps=rpps_with_key(f"30{stem:08d}"), given_name=given_name,
                                    family_name=family_name, profession=profession, city="Lyon")
    return pro, await account_for_professional(db, professional=pro)


class World:
    """Camille's dossier, her account, two documents, and the professionals of this file."""

    async def build(self, db, app, patient):
        self.dossier = patient.dossier
        self.patient_account = await account_for_patient(db, patient=patient.patient)
        self.camille = Actor(self.patient_account.id, "patient", "Camille Martin")
        self.irm = await add_text_document(db, app, patient.dossier, title="IRM du genou droit", category="imagerie")
        self.bilan = await add_text_document(db, app, patient.dossier, title="Bilan sanguin", category="biologie")
        self.lea, self.lea_account = await professional(db, "Léa", "Fontaine", "masseur-kinésithérapeute", 1)
        self.claire, self.claire_account = await professional(db, "Claire", "Bernard", "médecin", 2)
        return self

    async def share_code_for_lea(self, db):
        code, _ = await share_codes.create_share_code(db, dossier=self.dossier, categories="", duration="1m", actor=self.camille)
        await share_codes.redeem_share_code(db, code=code, professional=self.lea,
                                       actor=Actor.professional(self.lea_account, self.lea))

    async def claire_is_medecin_traitant(self, db):
        await set_medecin_traitant(db, dossier=self.dossier, professional=self.claire, actor=self.camille)

    def url(self, suffix=""):
        return f"/dossiers/{self.dossier.id}/historique{suffix}"


async def append(db, dossier_id: str, action: str, actor: Actor, **kwargs):
    """An event no route makes yet, straight through the chain."""
    await audit.begin_chained(db)
    event = await audit.append(db, dossier_id=dossier_id, action=action, actor=actor, **kwargs)
    await audit.commit_chained(db)
    return event


async def filtered(client, world, query: str) -> list[int]:
    return [seq for seq, _, _ in log_lines((await client.get(world.url(query))).text)]
