"""The professions Carnet knows, each by one code, and how each is written for a person: "infirmier" for him,
"infirmière" for her, "sage-femme" for either; in the reader's language ("nurse": English has no gender)."""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

from .. import i18n
from ..i18n import N_, _

if TYPE_CHECKING:
    from ..models import Professional


class Forms(NamedTuple):
    """How a profession is written for a man and for a woman ("infirmier", "infirmière"; "sage-femme" either way),
    and other words said of a woman, which the directory finds her by and the registration desk may type."""

    masculine: str
    feminine: str
    also: tuple[str, ...] = ()

    @property
    def words(self) -> tuple[str, ...]:
        return (self.masculine, self.feminine, *self.also)


# Each profession Carnet knows, by its code (in French and the masculine, as the RPPS directory names it), which the
# rule, the directory and the filters go by; written for each person in their form (`written_profession`), and in
# the reader's language by `profession_label`.
PROFESSIONS = {
    N_("médecin"): Forms("médecin", "médecin"),
    N_("masseur-kinésithérapeute"): Forms("masseur-kinésithérapeute", "masseuse-kinésithérapeute"),
    N_("infirmier"): Forms("infirmier", "infirmière"),
    N_("pharmacien"): Forms("pharmacien", "pharmacienne"),
    N_("sage-femme"): Forms("sage-femme", "sage-femme"),
    N_("chirurgien-dentiste"): Forms("chirurgien-dentiste", "chirurgienne-dentiste"),
    N_("cardiologue"): Forms("cardiologue", "cardiologue"),
    N_("radiologue"): Forms("radiologue", "radiologue"),
    # A diabetic patient's specialist (a probe's find: none of these could be registered), found in the directory by
    # either word ("diabétologue"), as French doctors of that speciality name themselves.
    N_("endocrinologue-diabétologue"): Forms("endocrinologue-diabétologue", "endocrinologue-diabétologue"),
    N_("ophtalmologiste"): Forms("ophtalmologiste", "ophtalmologiste"),
}
# The auxiliaires médicaux among them (code de la santé publique, part IV, book III), whose report is of the care they
# gave (uploads.stored_type).
AUXILIARIES = frozenset({"infirmier", "masseur-kinésithérapeute"})
# Each form Carnet writes, and the profession it is of: what a log's snapshot holds, read back.
WRITTEN = {form: code for code, forms in PROFESSIONS.items() for form in (forms.masculine, forms.feminine)}


def profession_named(word: str) -> tuple[str, bool | None] | None:
    """The profession a word names, in either form ("infirmière"), and whether that form is the feminine (None: the
    word is written the same for both, "médecin"); None for a word that names no profession Carnet knows."""
    for code, forms in PROFESSIONS.items():
        if word in forms.also:
            return code, True
        if word in (forms.masculine, forms.feminine):
            return code, None if forms.masculine == forms.feminine else word == forms.feminine
    return None


def profession_words(profession: str) -> tuple[str, ...]:
    """Every word a profession is said by, in French, both forms: what search and the directory find it by. One
    Carnet does not know, as it was given."""
    forms = PROFESSIONS.get(profession)
    return forms.words if forms is not None else (profession,)


def written_profession(professional: Professional) -> str:
    """The profession as written for this person, in French ("infirmière"): what the log's snapshots keep."""
    forms = PROFESSIONS.get(professional.profession)
    if forms is None:
        return professional.profession
    return forms.feminine if professional.profession_feminine else forms.masculine


def profession_label(written: str) -> str:
    """A profession as written for a person ("infirmière"), in the request's language: French keeps the person's
    form; another language says the profession (English has no gender: "nurse"). One Carnet does not know, as it
    was given."""
    code = WRITTEN.get(written)
    if code is None or i18n.current() == i18n.SOURCE:
        return written
    return _(code)


def profession_of(professional: Professional) -> str:
    """This person's profession as the reader reads it: "infirmière" in French, "nurse" in English."""
    return profession_label(written_profession(professional))
