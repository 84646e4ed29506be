"""The recovery codes page: each code whole on one line, and the means to keep them (copy, file,
print) without the codes ever leaving the page: no URL holds them, the server keeps only hashes."""

import re

from sqlmodel import select

from server.models import RecoveryCode
from tests.conftest import activate

CODE = r"[0-9A-Z]{4}(?:-[0-9A-Z]{4}){3}"


async def test_each_code_is_listed_in_an_element_that_never_breaks(client, patient):
    await activate(client, patient)
    page = (await client.get("/activer/codes")).text
    listed = re.search(r'<ol class="recovery-codes"[^>]*>(.*?)</ol>', page, re.S).group(1)
    codes = re.findall(rf"<li><code>({CODE})</code></li>", listed)
    assert len(codes) == 10 and len(set(codes)) == 10
    stylesheet = re.search(r'href="(/static/css/carnet[^"]*\.css)"', page).group(1)
    css = (await client.get(stylesheet)).text
    # As served: without its comments and spaces (assets.py).
    assert re.search(r"ol\.recovery-codes code\s*\{\s*white-space:\s*nowrap;?\s*\}", css)
    rule = css.split("ol.recovery-codes li", 1)[1].split("}", 1)[0]
    assert not re.search(r"overflow-wrap:\s*anywhere", rule)


async def test_the_codes_can_be_copied_downloaded_and_printed_by_a_script_that_fetches_nothing(client, db, patient):
    await activate(client, patient)
    page = (await client.get("/activer/codes")).text
    codes = re.findall(rf"<code>({CODE})</code>", page)
    for label in ("Copier les codes", "Télécharger (fichier texte)", "Imprimer"):
        assert f">{label}</button>" in page
    scripts = re.findall(r'<script src="(/static/js/[^"]+)"', page)
    assert any("recovery-codes" in s for s in scripts) and any("print" in s for s in scripts)
    assert "<script>" not in page  # the CSP forbids inline scripts
    script = (await client.get(next(s for s in scripts if "recovery-codes" in s))).text
    assert "carnetSaveFile(" in script and "navigator.clipboard" in script and "fetch(" not in script
    saver = (await client.get(next(s for s in scripts if "/carnet." in s))).text  # the file is made on the device
    assert "new Blob(" in saver and "fetch(" not in saver
    urls = " ".join(re.findall(r'(?:href|src|action)="([^"]*)"', page))
    assert not any(code in urls or code.replace("-", "") in urls for code in codes)
    await db.commit()
    stored = " ".join(row.code_hash for row in (await db.exec(select(RecoveryCode))).all())
    assert not any(code.replace("-", "") in stored for code in codes)  # hashes, never the codes
