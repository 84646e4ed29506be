"""What a person types into a profile item, checked: its fields, or what is wrong with them, in the request's
language, every problem of a form said at once (items.add_item saves what this lets through)."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date
from typing import TypeVar

from ..dossiers import InvalidInput
from ..i18n import N_, _
from ..i18n.formats import long_date, number
from ..professionals.checks import Problem, refuse
from ..text_input import clean, readable_length
from . import phones
from .kinds import DONATION, KINDS, NATURES, OLDEST, SEVERITIES, Kind, measure_and_unit
from .pregnancy import plausible

T = TypeVar("T")
# The detail field as each form labels it (templates/profile_add.html), in a refusal's words: an allergy's "Réaction"
# was refused as "Les précisions" (an outside probe's find).
DETAIL_NAMES = {"allergy": N_("la réaction"), "treatment": N_("la posologie"),
                "family_history": N_("qui dans la famille"), "directive": N_("où les trouver"), "contact": N_("le lien")}
DECIMAL = re.compile(r"-?[0-9]+(?:[.,][0-9]+)?")  # the form keeps what was typed to 250 characters


@dataclass(frozen=True)
class ItemInput:
    """A form's values, as typed; `check` turns them into an item's fields or says what is wrong."""

    kind: str
    label: str = ""
    detail: str = ""
    severity: str = ""
    nature: str = ""
    started_on: date | None = None
    started_on_text: str = ""  # what was typed, to tell "empty" from "not a date"
    value: str = ""
    value2: str = ""
    lot: str = ""
    prescriber: str = ""
    phone: str = ""
    document_id: str = ""
    expected_on: date | None = None  # a pregnancy's date prévue d'accouchement
    expected_on_text: str = ""


def _number(text: str, name: str, field: str, *, example: float, unit: str) -> tuple[float | None, Problem | None]:
    """ASCII digits, a decimal comma or point, spaces between thousands, a leading minus: float() would also take
    "٣٤", "1e3", "7_2" or "nan", none of which a person means as a measure. "-5" is in digits: the measure's range
    says why it is refused, not "en chiffres". `example`: a usual value of this measure, in `unit` (kinds.Measure).
    The number, or what is wrong with it."""
    plain = text.replace("\u202f", "").replace(" ", "").replace("\u2212", "-")  # −, the minus of a pasted text
    if not DECIMAL.fullmatch(plain):
        return None, (_("Indiquez %(name)s en chiffres (par exemple %(example)s\u00a0%(unit)s).", name=name,
                        example=number(example), unit=unit), field)
    return float(plain.replace(",", ".")), None


def _text(value: str, name: str, field: str, limit: int, *, required: bool = False) -> tuple[str, Problem | None]:
    """The text as kept, and what is wrong with it. `name`, in the request's language, as the messages say it:
    "les précisions"; `field`, as the form names it."""
    value = clean(value)
    if required and not readable_length(value):
        return value, (_("Indiquez %(name)s.", name=name), field)
    if len(value) > limit:
        capitalised = name[:1].upper() + name[1:]
        return value, (_("%(name)s : %(limit)d caractères au plus.", name=capitalised, limit=limit), field)
    return value, None


def before_birth(day: date, *, born: date | None, field: str) -> Problem | None:
    """What is wrong with a day before the patient's birth (`born`, None where it is not checked), said of `field`."""
    if born is not None and day < born:
        return _("La date ne peut pas précéder la naissance (%(born)s).", born=long_date(born)), field
    return None


def not_before_birth(day: date, *, born: date | None, field: str) -> None:
    """InvalidInput on `field` for a day before the patient's birth (`born`, None where it is not checked)."""
    refuse([before_birth(day, born=born, field=field)])


def check(data: ItemInput, *, today: date, born: date | None = None, from_copy: bool = False) -> dict:
    """The fields of a new item of this kind; InvalidInput, in the request's language, for anything wrong, every
    problem said at once in the form's order, each wrong field named (`born`: the patient's birth date, before which
    nothing of theirs is dated; `from_copy`: an item read back from a copy of the dossier, a pregnancy's expected date
    checked as it was when declared, not against today). What depends on another field is judged once that one is
    right: a measure's value once the measure is known, a phone's form once it is given."""
    kind = KINDS.get(data.kind)
    if kind is None:
        raise InvalidInput(_("Choisissez le type d'information à ajouter."))
    problems = [_date_problem(data, today=today, born=born)]
    if kind.code == "measurement":
        fields = _measurement(data, problems, today=today)
    elif kind.code == "pregnancy":
        fields = _pregnancy(data, problems, today=today, from_copy=from_copy)
    elif kind.code == "organ_donation":
        if data.label not in DONATION:
            problems.append((_("Choisissez votre position sur le don d'organes."), "label"))
        fields = {"label": data.label,
                  "detail": _kept(problems, _text(data.detail, _("les précisions"), "detail", 500))}
    else:
        fields = _typed(data, problems, kind)
    # Said as the form asks: its main field, then the others (kinds.Kind.fields); a date its form has not, first.
    place = {field: at for at, field in enumerate(("label", *kind.fields))}
    refuse(sorted((p for p in problems if p is not None), key=lambda problem: place.get(problem[1], -1)))
    return {"kind": kind.code} | fields


def _kept(problems: list[Problem | None], checked: tuple[T, Problem | None]) -> T:
    """The value of a field checked, its problem (if any) added to the form's."""
    value, problem = checked
    problems.append(problem)
    return value


def _date_problem(data: ItemInput, *, today: date, born: date | None) -> Problem | None:
    if data.started_on_text and data.started_on is None:
        return _("La date n'est pas valide (JJ/MM/AAAA)."), "started_on"
    if data.started_on is not None and not OLDEST <= data.started_on <= today:
        return _("La date ne peut pas être dans le futur, ni avant 1900."), "started_on"
    if data.started_on is not None:
        return before_birth(data.started_on, born=born, field="started_on")
    return None


def _measurement(data: ItemInput, problems: list[Problem | None], *, today: date) -> dict:
    measure, unit = measure_and_unit(data.label)
    if measure is None:  # its value, in no known unit, is not judged
        problems.append((_("Choisissez la mesure dans la liste."), "label"))
        return {}
    typed, typed2 = data.value, data.value2
    if measure.second and not typed2.strip() and typed.count("/") == 1:  # "120/80", as a blood pressure is said
        typed, typed2 = typed.split("/")
    value = _kept(problems, _number(typed, _("la valeur"), "value", example=unit.example if unit else measure.example,
                                    unit=unit.symbol if unit else measure.unit))
    if value is not None and not measure.low <= value * (unit.factor if unit else 1) <= measure.high:
        # The bounds in the unit she typed, as the values of two decimals the check takes: 1,12 mmol/L, the first
        # of them at or above 0,2 g/L (1,11 is 0,19998); never a bound the check then refuses.
        low, high = ((math.ceil(round(measure.low / unit.factor * 100, 6)) / 100,
                      math.floor(round(measure.high / unit.factor * 100, 6)) / 100) if unit
                     else (measure.low, measure.high))
        problems.append((_("%(measure)s : une valeur entre %(low)s et %(high)s %(unit)s.",
                           measure=_(measure.label), low=number(low), high=number(high),
                           unit=unit.symbol if unit else measure.unit), "value"))
    if value is not None and unit is not None:  # kept in the measure's own unit, as a report in it would have given it
        value = round(value * unit.factor, unit.digits)
    fields = {"label": measure.code, "value": value, "unit": measure.unit, "started_on": data.started_on or today}
    if measure.second:
        value2 = _kept(problems, _number(typed2, _("la tension diastolique"), "value2",
                                         example=measure.second_example, unit=measure.unit))
        if value is not None and value2 is not None and not 20 <= value2 < value:
            problems.append((_("La tension diastolique (le second chiffre) doit être plus basse que la systolique."),
                             "value2"))
        fields["value2"] = value2
    elif data.value2:  # not dropped unread: whoever typed it meant something, maybe another measure
        problems.append((_("%(measure)s : une seule valeur. Laissez vide le second chiffre, réservé à la tension "
                           "artérielle.", measure=_(measure.label)), "value2"))
    return fields


def _pregnancy(data: ItemInput, problems: list[Problem | None], *, today: date, from_copy: bool) -> dict:
    # A copy's date too: none before 1900 is a pregnancy's (nor has a last period nine months before it).
    if (data.expected_on_text and data.expected_on is None) or (data.expected_on or OLDEST) < OLDEST:
        problems.append((_("La date prévue d'accouchement n'est pas valide (JJ/MM/AAAA)."), "expected_on"))
    elif data.expected_on is not None and not from_copy and not plausible(data.expected_on, today):
        problems.append((_("Pour une grossesse en cours, la date prévue d'accouchement doit se situer au plus tôt il "
                           "y a deux semaines et au plus tard dans neuf mois et demi. Vérifiez-la."), "expected_on"))
    # No name to type: a pregnancy is said by its kind, in the reader's language (wording.py).
    return {"label": "", "expected_on": data.expected_on,
            "detail": _kept(problems, _text(data.detail, _("les précisions"), "detail", 500))}


def _typed(data: ItemInput, problems: list[Problem | None], kind: Kind) -> dict:
    """An item whose name is typed (an allergy, a treatment, a contact…), with the fields of its kind."""
    fields = {"label": _kept(problems, _text(data.label, _(kind.named), "label", 200, required=True))}
    if "detail" in kind.fields:
        fields["detail"] = _kept(problems, _text(data.detail, _(DETAIL_NAMES.get(kind.code, "les précisions")),
                                                 "detail", 500))
    if kind.code == "directive" and not fields["detail"] and not data.document_id:
        # A title alone would tell a professional that directives exist, and nothing of where to find them.
        problems.append((_("Indiquez où trouver ces directives, ou choisissez le document qui les contient."),
                         "detail", "document_id"))
    if "severity" in kind.fields:
        if data.severity and data.severity not in SEVERITIES:  # none: not known (the form's "Je ne sais pas")
            problems.append((_("Choisissez la gravité : faible, modérée, sévère, ou « Je ne sais pas »."),
                             "severity"))
        fields["severity"] = data.severity
    if "nature" in kind.fields:
        if data.nature not in NATURES:  # never guessed: a past illness or an operation is no current problem
            problems.append((_("Indiquez s'il s'agit d'un problème de santé actuel, d'une maladie passée ou d'une "
                               "intervention."), "nature"))
        fields["nature"] = data.nature
    if "started_on" in kind.fields:
        if kind.code == "vaccination" and data.started_on is None and not data.started_on_text:  # typed: not a date
            problems.append((_("Indiquez la date de la vaccination (JJ/MM/AAAA)."), "started_on"))
        fields["started_on"] = data.started_on
    if "lot" in kind.fields:
        fields["lot"] = _kept(problems, _text(data.lot, _("le numéro de lot"), "lot", 40))
    if "prescriber" in kind.fields:
        fields["prescriber"] = _kept(problems, _text(data.prescriber, _("le prescripteur"), "prescriber", 200))
    if "phone" in kind.fields:
        fields["phone"] = _phone(data.phone, problems)
    return fields


def _phone(typed: str, problems: list[Problem | None]) -> str:
    """A contact's phone as kept (phones.kept), its form judged once it is given."""
    phone, missing = _text(typed, _("le téléphone"), "phone", 30, required=True)
    if missing is not None:
        problems.append(missing)
        return phone
    if sum(c.isdigit() for c in phone) < 8 or any(c not in "0123456789 +.-()" for c in phone):
        problems.append((_("Le numéro de téléphone n'est pas valide (par exemple 06 12 34 56 78)."), "phone"))
        return phone
    dialled = phones.dialled(phone)
    if dialled is None:
        problems.append((_("Ce numéro de téléphone ne peut pas exister : vérifiez-le. Un numéro français a 10 "
                           "chiffres (par exemple 06 12 34 56 78) ; un numéro étranger commence par + et "
                           "l'indicatif du pays (par exemple +351 912 345 678)."), "phone"))
        return phone
    return phones.kept(dialled)
