"""No form of Carnet lets the browser keep what is typed in it: on a shared computer (a pharmacy's, a family's),
Chromium offered the next person "Warfarine 5 mg" and "Dr Moreau" in any field of the same name (an outside probe).

Every <form> says autocomplete="off", which its fields follow in Chromium (tests/e2e/test_shared_computer.py reads
the profile's store), and no field says otherwise: a field's own token ("given-name", "bday") overrides its form's,
and Chromium 156 kept the value of such a field in a form that said "off". Carnet has no field that gains from
autofill: no password, no username (a passkey login asks for nothing typed)."""

from __future__ import annotations

import re
from pathlib import Path

JINJA = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.S)
FORM_TAG = re.compile(r"<form\b[^>]*>")
AUTOCOMPLETE = re.compile(r"""\bautocomplete\s*=\s*["']?([^"'\s>]*)""", re.I)
SCRIPT_FIELD = re.compile(r"""createElement\(\s*["'](form|input|textarea|select)["']|\bautocomplete\b""")
SERVER = Path(__file__).parents[1] / "server"
TEMPLATES, SCRIPTS = SERVER / "templates", SERVER / "static" / "js"


def templates() -> dict[str, str]:
    """Each template's HTML, its Jinja tags left out (an expression may hold a '>')."""
    return {path.relative_to(TEMPLATES).as_posix(): JINJA.sub("", path.read_text())
            for path in sorted(TEMPLATES.rglob("*.html"))}


def test_every_form_says_autocomplete_off():
    forms = [(name, tag) for name, html in templates().items() for tag in FORM_TAG.findall(html)]
    assert len(forms) > 70  # the templates were read
    missing = [(name, " ".join(tag.split())[:90]) for name, tag in forms if 'autocomplete="off"' not in tag]
    assert not missing, f"forms that let the browser keep what is typed in them: {missing}"


def test_no_field_asks_the_browser_to_fill_it():
    asked = [(name, value) for name, html in templates().items() for value in AUTOCOMPLETE.findall(html)
             if value != "off"]
    assert not asked, f"fields whose own autocomplete overrides their form's: {asked}"


def test_no_script_makes_a_field_of_its_own():
    """Forms and fields are the templates' only, where the two tests above read them."""
    made = [path.name for path in SCRIPTS.glob("*.js") if SCRIPT_FIELD.search(path.read_text())]
    assert not made, made
