"""French typography in what Carnet writes: times, sizes and quotes never break across two lines."""

from datetime import UTC, date, datetime

import pytest
from markupsafe import Markup

from server.accesslog.days import when_fr
from server.templating import datetime_fr, de, filesize_fr, quoted_fr, time_fr, typography_fr

NBSP, NNBSP = "\u00a0", "\u202f"
AT = datetime(2026, 3, 3, 13, 59, tzinfo=UTC)  # 14 h 59 in Paris (winter time)


def test_a_time_is_one_unbreakable_group():
    assert time_fr(datetime(2026, 3, 3, 14, 59)) == f"14{NBSP}h{NBSP}59"
    assert datetime_fr(AT) == f"3{NBSP}mars 2026 à 14{NBSP}h{NBSP}59"  # the day with its month


def test_the_journal_says_its_times_the_same_way():
    assert when_fr(AT, today=date(2026, 3, 3)) == f"le 3{NBSP}mars à 14{NBSP}h{NBSP}59"
    assert when_fr(AT, today=None, with_date=False) == f"à 14{NBSP}h{NBSP}59"


@pytest.mark.parametrize(("size", "said"), [(512, f"512{NBSP}o"), (20_480, f"20{NBSP}Ko"), (3_250_000, f"3,1{NBSP}Mo")])
def test_a_size_keeps_its_unit_on_its_line(size, said):
    assert filesize_fr(size) == said


def test_guillemets_hold_the_words_they_quote():
    assert quoted_fr("IRM du genou") == f"«{NBSP}IRM du genou{NBSP}»"


@pytest.mark.parametrize(("written", "printed"), [
    ("a renommé une clé (« Téléphone »)", f"a renommé une clé («{NBSP}Téléphone{NBSP}»)"),
    ("Supprimer « IRM » ?", f"Supprimer «{NBSP}IRM{NBSP}»{NNBSP}?"),
    ("Motif : malaise ; vu ! Pourquoi ?", f"Motif{NNBSP}: malaise{NNBSP}; vu{NNBSP}! Pourquoi{NNBSP}?"),
    ("«Déjà»", f"«{NBSP}Déjà{NBSP}»"),
    ("https://exemple.fr/a?b=1 et 10:30", "https://exemple.fr/a?b=1 et 10:30"),  # no space before: left alone
])
def test_typography_glues_guillemets_and_high_punctuation_to_their_word(written, printed):
    assert typography_fr(written) == printed


@pytest.mark.parametrize("name, said", [("Léo", "de Léo"), ("Inès", "d'Inès"), ("Hugo", "d'Hugo"), ("Émile", "d'Émile"),
                                        ("Œnone", "d'Œnone"), ("Ørjan", "d'Ørjan"), ("Zoé", "de Zoé")])
def test_de_elides_before_a_vowel_whatever_its_accent_ligature_or_stroke(name, said):
    assert de(name) == said


def test_de_elides_a_marked_up_name_by_its_text_and_keeps_it_markup():
    strong = Markup("<strong>Inès Martin</strong>")
    assert de(strong) == Markup("d'<strong>Inès Martin</strong>") and isinstance(de(strong), Markup)
    assert de(Markup("<strong>Léo</strong>")) == Markup("de <strong>Léo</strong>")
