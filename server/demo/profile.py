"""Camille Martin's profil médical, made through `add_item` as she and her médecin traitant would have made it.

Three sittings, each under `clock_at` at its moment, between Paul's invitation (a year ago) and the first
step of `make_history` (200 days ago), so that her access log stays in the order of time:
- one evening, Camille copies her booklet and her documents: her hay fever, her pill, her past (one condition
  she hides from professionals, as she hid its documents), her family, her vaccinations, the blood pressures
  her reports give and her weights, Paul to call, her position on organ donation;
- Dr Claire Bernard, when she prescribes the physiotherapy for the sprained knee: the antihistamine she
  prescribes, the conditions she follows, the booster she gave, and the fasting glucose of each yearly blood test;
- Camille again, once the physiotherapy is over: a weight and a blood pressure taken at home, and the sprain
  classed among her past illnesses.
Her flu shots after that first evening she adds the evening after each; those steps run among `make_history`'s,
in the order of time (`later_flu_shots`).
What comes from a document (a date, a lot, a value) is read from the catalogue's `Doc`, so the two agree.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, date, datetime, time, timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from ..auth.accounts import account_for_patient, account_for_professional
from ..accesslog.audit import Actor
from ..models import Dossier, Patient, Professional, clock_at
from ..profile.classing import set_nature
from ..profile.items import ItemInput, add_item, set_item_hidden
from .catalogue import Doc, ago, dmy
from .family import children_births

LOT = re.compile(r"\blot ([A-Z0-9][A-Z0-9-]*)", re.IGNORECASE)
PRESSURE = re.compile(r"\b(?:TA|Tension artérielle) (\d{2,3})/(\d{2,3}) mmHg")
HIDDEN = {"Trouble anxieux réactionnel"}  # as she hid the consultation itself
SPRAIN = "Entorse du ligament collatéral médial du genou droit (grade 2)"  # healed once the physiotherapy is over
# Her bathroom scale, now and then (years ago, kg): a runner's steady weight, a little more after the knee.
WEIGHTS = ((9.5, 58.5), (7.2, 59.4), (5.1, 60.2), (3.0, 59.6), (1.4, 60.1), (0.95, 61.3))


def _first(docs: list[Doc], title: str) -> Doc:
    return next(d for d in docs if d.title == title)


def _texts(doc: Doc) -> Iterator[str]:
    """Every piece of text of a document's body (paragraphs, sections, table cells)."""
    for section in doc.body:
        if isinstance(section, str):
            yield section
            continue
        content = section[1]
        if isinstance(content, str):
            yield content
        else:
            yield from (" ".join(str(cell) for cell in row) for row in content)


def _lot(texts: Iterator[str] | list[str]) -> str:
    return next((m.group(1) for text in texts if (m := LOT.search(text))), "")


def _pressures(docs: list[Doc], before: date) -> list[tuple[date, str, str]]:
    """The blood pressures her reports give, with their day."""
    return [(d.day, *m.groups()) for d in docs if d.day <= before
            for text in _texts(d) if (m := PRESSURE.search(text))]


def _glucose(docs: list[Doc], before: date) -> list[tuple[date, str]]:
    """The fasting glucose of each yearly blood test, as the laboratory reported it."""
    found = []
    for doc in docs:
        if doc.title.startswith("Bilan sanguin annuel") and doc.day <= before:
            found += [(doc.day, t.split()[3]) for t in _texts(doc) if t.startswith("Glycémie à jeun ")]
    return found


def _moment(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=UTC)


def camille_evening(docs: list[Doc], evening: date, today: date) -> list[ItemInput]:
    """What she types one evening, her booklet and her documents at hand."""
    booklet = _first(docs, "Carnet de santé - pages vaccinations (photo)")
    vaccines = [ItemInput("vaccination", label=name, started_on=datetime.strptime(day, "%d/%m/%Y").date(),
                          lot=_lot([sticker]))
                for name, day, sticker, _ in booklet.picture[2]["rows"] if name != "dTcaPolio"]
    for title, name in (("Vaccination COVID-19 - 1re dose", "COVID-19 (1re dose)"),
                        ("Vaccination COVID-19 - 2e dose", "COVID-19 (2e dose)"),
                        ("Vaccination COVID-19 - dose de rappel", "COVID-19 (rappel)")):
        doc = _first(docs, title)
        vaccines.append(ItemInput("vaccination", label=name, started_on=doc.day, lot=_lot(_texts(doc))))
    flu = [d for d in docs if d.title.startswith("Vaccination antigrippale") and d.day <= evening][-2:]
    vaccines += [ItemInput("vaccination", label="Grippe saisonnière", started_on=d.day, lot=_lot(_texts(d))) for d in flu]
    births = children_births(today)
    return [
        ItemInput("allergy", label="Pollens de graminées", severity="faible",
                  detail="Rhinite allergique (rhume des foins), d'avril à juin"),
        ItemInput("treatment", label="Leeloo (lévonorgestrel 0,10 mg / éthinylestradiol 0,02 mg)",
                  detail="1 comprimé par jour, 21 jours sur 28", prescriber="Hélène Roux, sage-femme"),
        ItemInput("condition", label="Rhinite allergique saisonnière (pollens de graminées)", nature="current"),
        ItemInput("condition", label="Avulsion de la dent de sagesse 48", nature="procedure",
                  started_on=_first(docs, "Compte rendu - extraction de la dent de sagesse 48").day),
        ItemInput("condition", label="Appendicectomie par cœlioscopie (appendicite aiguë)", detail="Suites simples",
                  nature="procedure",
                  started_on=_first(docs, "Compte rendu opératoire - appendicectomie par cœlioscopie").day),
        ItemInput("condition", label="Deux accouchements par voie basse, sans complication", nature="procedure",
                  detail=f"Inès en {births['ines'].year}, Léo en {births['leo'].year}"),
        ItemInput("condition", label="Trouble anxieux réactionnel", detail="Psychothérapie, sans traitement",
                  nature="past", started_on=_first(docs, "Consultation de psychiatrie").day),
        ItemInput("family_history", label="Hypertension artérielle, fibrillation atriale", detail="Père"),
        ItemInput("family_history", label="Hypothyroïdie", detail="Mère"),
        ItemInput("family_history", label="Infarctus du myocarde à 70 ans", detail="Grand-père paternel"),
        *vaccines,
        ItemInput("measurement", label="height", value="167", started_on=ago(today, years=9.5)),
        *(ItemInput("measurement", label="weight", value=str(kg), started_on=ago(today, years=years))
          for years, kg in WEIGHTS),
        *(ItemInput("measurement", label="blood_pressure", value=high, value2=low, started_on=day)
          for day, high, low in _pressures(docs, evening)),
        ItemInput("contact", label="Paul Martin", detail="Époux", phone="06 72 18 45 90"),
        ItemInput("organ_donation", label="donneur", detail="Mes proches connaissent ma position."),
    ]


def bernard_consultation(docs: list[Doc], day: date) -> list[ItemInput]:
    """What the médecin traitant adds while she prescribes the physiotherapy for the knee."""
    knee = _first(docs, "Consultation - entorse du genou droit")
    booster = _first(docs, "Rappel dTcaPolio (diphtérie, tétanos, coqueluche, poliomyélite)")
    return [
        ItemInput("treatment", label="Desloratadine 5 mg", prescriber="Dr Claire Bernard",
                  detail="1 comprimé par jour pendant la saison des pollens (avril à juin)"),
        ItemInput("condition", label=SPRAIN, nature="current",
                  started_on=knee.day - timedelta(days=2), detail=f"IRM du {dmy(knee.day + timedelta(days=10))}, "
                                                                 "rééducation en cours"),
        ItemInput("condition", label="Extrasystoles ventriculaires bénignes sur cœur sain", nature="current",
                  started_on=_first(docs, "Consultation de cardiologie - résultats des examens").day,
                  detail="Holter et échocardiographie normaux (Dr Moreau), pas de traitement"),
        ItemInput("condition", label="Anémie par carence martiale, corrigée par fer oral", nature="past",
                  started_on=_first(docs, "Ordonnance - traitement martial").day),
        ItemInput("vaccination", label="dTcaPolio (Repevax)", started_on=booster.day, lot=_lot(_texts(booster))),
        *(ItemInput("measurement", label="glucose", value=value, started_on=when)
          for when, value in _glucose(docs, day)),
    ]


def camille_at_home(day: date) -> list[ItemInput]:
    return [ItemInput("measurement", label="weight", value="60,4", started_on=day),
            ItemInput("measurement", label="blood_pressure", value="117", value2="71", started_on=day)]


def later_flu_shots(session: AsyncSession, *, dossier: Dossier, patient: Patient, docs: list[Doc],
                    today: date) -> list[tuple[datetime, Callable[[], Awaitable[object]]]]:
    """Each flu shot after her first evening, added to her profile the evening after it, as `make_history`'s steps:
    the profile's latest one was last year's, a year after the timeline had this year's."""
    evening = today - timedelta(days=330)

    async def add(doc: Doc) -> None:
        account = await account_for_patient(session, patient=patient)
        camille = Actor(account.id, "patient", f"{patient.given_name} {patient.family_name}")
        shot = ItemInput("vaccination", label="Grippe saisonnière", started_on=doc.day, lot=_lot(_texts(doc)))
        await add_item(session, dossier=dossier, data=shot, actor=camille, author=None, added_by_account_id=account.id,
                       right="", today=doc.day + timedelta(days=1))

    return [(_moment(d.day + timedelta(days=1), 20, 5), lambda d=d: add(d)) for d in docs
            if d.title.startswith("Vaccination antigrippale") and evening < d.day < today]


async def make_profile(session: AsyncSession, *, dossier: Dossier, patient: Patient,
                       pros: dict[str, Professional], docs: list[Doc], today: date) -> int:
    """Camille's profile, item by item, each in her log at its moment; returns how many items."""
    account = await account_for_patient(session, patient=patient)
    camille = Actor(account.id, "patient", f"{patient.given_name} {patient.family_name}")
    bernard = pros["bernard"]
    doctor = Actor.professional(await account_for_professional(session, professional=bernard), bernard)
    physio = _first(docs, "Ordonnance de masso-kinésithérapie").day  # after the MRI
    done = _first(docs, "Bilan kinésithérapique de fin de prise en charge").day + timedelta(days=1)
    evening = today - timedelta(days=330)
    sittings = [
        (_moment(evening, 19, 30), camille_evening(docs, evening, today), camille, None),
        (_moment(physio, 9, 40), bernard_consultation(docs, physio), doctor, bernard),
        (_moment(done, 18, 15), camille_at_home(done), camille, None),
    ]
    count = 0
    for start, entries, actor, author in sittings:
        for step, entry in enumerate(entries):
            with clock_at(start + timedelta(seconds=45 * step)):
                item = await add_item(session, dossier=dossier, data=entry, actor=actor, author=author,
                                      added_by_account_id=None if author else account.id,
                                      right="medecin_traitant" if author else "", today=start.date())
                if entry.label in HIDDEN:
                    await set_item_hidden(session, item=item, hidden=True, actor=actor)
                if entry.label == SPRAIN:
                    sprain = item
            count += 1
    with clock_at(_moment(done, 18, 20)):
        await set_nature(session, item=sprain, nature="past", actor=camille)
    return count
