"""Two sentences of a page never run into each other (a user probe read "…activez votre dossier à nouveau.Professionnel
de santé ?" on /recuperation): the templates drop a line break between two block tags (trim_blocks, lstrip_blocks),
so a {% trans %} that follows an {% endtrans %} on the next line, even past a comment, was glued to it."""

from __future__ import annotations

import html
import re
from pathlib import Path

TEMPLATES = Path(__file__).resolve().parent.parent / "server" / "templates"
COMMENT_LINE = re.compile(r"\s*\{#.*?#\}\s*$")


def words_of(page) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", page.text)).split())


async def test_the_lost_key_page_keeps_a_space_between_the_patients_sentence_and_the_professionals(client):
    words = words_of(await client.get("/recuperation"))
    assert "activez votre dossier à nouveau. Professionnel de santé ? Demandez-le" in words, words


def glued_lines(text: str) -> list[int]:
    """The lines (1-based) that end a {% trans %} block whose next sentence, on a line of its own after any comment
    lines, starts with another block tag: rendered with no space between them."""
    lines = text.split("\n")
    glued = []
    for number, line in enumerate(lines, start=1):
        if not line.rstrip().endswith("{% endtrans %}"):
            continue
        following = number
        while following < len(lines) and COMMENT_LINE.fullmatch(lines[following]):
            following += 1
        if following < len(lines) and re.match(r"\s*\{%-?\s*(trans|if)\b", lines[following]):
            glued.append(number)
    return glued


def test_no_template_glues_a_sentence_to_the_next_across_a_line_break():
    glued = {str(path.relative_to(TEMPLATES)): found for path in sorted(TEMPLATES.rglob("*.html"))
             if (found := glued_lines(path.read_text(encoding="utf-8")))}
    assert glued == {}


def test_the_check_finds_the_pattern_the_probe_met():
    probe = ("<p>{% trans %}A nouveau.{% endtrans %}\n"
             "    {# why #}\n"
             "    {% trans %}Professionnel ?{% endtrans %}</p>\n")
    assert glued_lines(probe) == [1]
