"""A form's action is no page of its own: a GET there (a reload, the address bar) is a 303 to the page that holds the
form, never a 405 "Action impossible"; and a form refused under htmx leaves its page's address in the address bar,
not the action's, so that a reload shows that page again."""

from __future__ import annotations

import html
import re

from server.profile.items import add_item, delete_item
from tests.conftest import ORIGIN, AsyncTestClient, activate, post_form
from tests.patient_helpers import CAMILLE, professional
from tests.test_profile import SAMPLES, TODAY

# What scripts and software call, never a form a person submits: their answers are JSON, and no browser shows
# their address.
CALLED_NOT_SUBMITTED = {
    "/cle/options", "/cle/verification", "/connexion/options", "/connexion/verification",  # passkeys.js
    "/reconnexion/options", "/reconnexion/verification", "/reconnexion/formulaire",
    "/notifications/abonnement", "/notifications/desabonnement",  # push.js
    "/session/prolonger",  # session.js's "Rester connecté"
    "/api/remboursements", "/fhir", "/fhir/token", "/fhir/DocumentReference/_search",  # software
    "/shl/{link_id:str}/manifest",  # a SMART Health Link's recipient
}
PARAMETER = re.compile(r"\{(\w+):str\}")
OTHER_ID = "0" * 32


def form_actions(app) -> list[str]:
    """Every path a person's form posts to, as the app declares it."""
    return sorted({route.path for route in app.routes if "POST" in getattr(route, "methods", ())}
                  - CALLED_NOT_SUBMITTED)


def address(path: str, dossier_id: str) -> str:
    return PARAMETER.sub(lambda m: dossier_id if m[1] == "dossier_id" else OTHER_ID, path)


async def test_a_get_on_any_forms_action_is_a_page_or_leads_to_one_never_a_405(client, patient):
    await activate(client, patient)
    actions = form_actions(client.app)
    assert "/dossiers/{dossier_id:str}/professionnels/{professional_id:str}/acces" in actions
    for path in actions:
        url = address(path, patient.dossier.id)
        response = await client.get(url, follow_redirects=False)
        assert response.status_code != 405, f"GET {path}: {response.status_code}"
        if response.status_code == 303:  # to the page that holds the form, which is one
            page = response.headers["location"]
            assert page.startswith("/") and not page.startswith("//") and page != url, (path, page)
            assert (await client.get(page)).status_code != 405, (path, page)
            assert response.headers["cache-control"] == "no-store"


async def test_a_get_on_a_forms_action_leads_to_the_page_that_holds_the_form(client, db, patient):
    pro = await professional(db, "Petit", given_name="Julien", profession="médecin")
    await activate(client, patient)
    dossier = f"/dossiers/{patient.dossier.id}"
    passkeys = await client.get("/cles")
    passkey_id = re.search(r'action="/cles/([0-9a-f]{32})/nom"', passkeys.text)[1]
    for action, page in [
        (f"{dossier}/professionnels/{pro.id}/acces", f"{dossier}/professionnels/{pro.id}"),  # "Changer son accès"
        (f"{dossier}/professionnels/{pro.id}/blocage", f"{dossier}/professionnels/{pro.id}"),
        (f"{dossier}/medecin-traitant", f"{dossier}/acces"),
        (f"/cles/{passkey_id}/nom", "/cles"),
        ("/cles/codes-de-secours", "/cles"),
        ("/invitation/compte", "/invitation"),
        (f"{dossier}/profil/{OTHER_ID}/arret", f"{dossier}/profil"),
        (f"{dossier}/recherche", dossier),
    ]:
        response = await client.get(action, follow_redirects=False)
        assert (response.status_code, response.headers.get("location")) == (303, page), action
    # Followed, as a browser does: the page itself, with its form.
    reloaded = await client.get(f"{dossier}/professionnels/{pro.id}/acces")
    assert reloaded.status_code == 200 and str(reloaded.url) == f"{ORIGIN}{dossier}/professionnels/{pro.id}"
    assert "Donner accès" in reloaded.text
    assert (await client.get(f"/cles/{passkey_id}/nom")).url.path == "/cles"


async def test_a_refused_form_sent_by_htmx_keeps_the_address_of_its_page(client, db, patient):
    pro = await professional(db, "Petit", given_name="Julien", profession="médecin")
    await activate(client, patient)
    page = f"/dossiers/{patient.dossier.id}/professionnels/{pro.id}"
    boosted = {"HX-Request": "true", "HX-Boosted": "true", "HX-Current-URL": f"{ORIGIN}{page}?fait=bloque#acces"}
    refused = await post_form(client, f"{page}/acces", {"portee": "tout"}, headers=boosted)
    assert refused.status_code == 400 and "Choisissez une durée." in refused.text
    # The page's own address (what it said it had done is no longer so): a reload shows it again.
    assert refused.headers["hx-replace-url"] == page
    assert refused.headers["cache-control"] == "no-store"

    # A passkey named "   ", from "Mes clés d'accès".
    passkey_id = re.search(r'action="/cles/([0-9a-f]{32})/nom"', (await client.get("/cles")).text)[1]
    blank = await post_form(client, f"/cles/{passkey_id}/nom", {"name": "   "},
                            headers={**boosted, "HX-Current-URL": f"{ORIGIN}/cles"})
    assert blank.status_code == 400 and blank.headers["hx-replace-url"] == "/cles"

    # A refusal the app answers with its error page (no choice made) keeps it too: a reload shows the form again.
    access = f"/dossiers/{patient.dossier.id}/acces"
    unchosen = await post_form(client, f"/dossiers/{patient.dossier.id}/acces-urgence", {},
                               headers={**boosted, "HX-Current-URL": f"{ORIGIN}{access}"})
    assert unchosen.status_code == 400 and unchosen.headers["hx-replace-url"] == access


async def test_only_a_refused_form_of_this_site_sent_by_htmx_gets_an_address(client, db, patient):
    pro = await professional(db, "Petit", given_name="Julien", profession="médecin")
    await activate(client, patient)
    page = f"/dossiers/{patient.dossier.id}/professionnels/{pro.id}"
    boosted = {"HX-Request": "true", "HX-Boosted": "true", "HX-Current-URL": f"{ORIGIN}{page}"}
    # Without JavaScript: the page, at the action's address (a reload sends the form again, as browsers ask).
    plain = await post_form(client, f"{page}/acces", {"portee": "tout"})
    assert plain.status_code == 400 and "hx-replace-url" not in plain.headers
    # Given: the page it leads to has its own address.
    given = await post_form(client, f"{page}/acces", {"portee": "tout", "duree": "1m"}, headers=boosted,
                            follow_redirects=False)
    assert given.status_code == 303 and "hx-replace-url" not in given.headers
    # Never an address of another site, whatever the request claims.
    # Nor one no parser reads (an IPv6 host never closed): the refusal as it is, never a server error.
    for elsewhere in ("https://evil.example//evil.example/x", "javascript:alert(1)", "/\\evil.example",
                      "http://[oops/x", f"{ORIGIN}]{page}"):
        refused = await post_form(client, f"{page}/acces", {"portee": "tout"},
                                  headers={**boosted, "HX-Current-URL": elsewhere})
        assert refused.status_code == 400 and "hx-replace-url" not in refused.headers, elsewhere


async def test_a_refused_form_leads_back_to_it_not_only_home(client, db, patient):
    """A choice no page offers (a tampered form) is refused with a way back to the form (a probe found "Revenir à
    l'accueil" alone): the address the refusal is at, whose GET is the form's page (FORM_PAGES)."""
    from tests.conftest import activate, post_form

    await activate(client, patient)
    action = f"/dossiers/{patient.dossier.id}/acces-urgence"
    refused = await post_form(client, action, {"urgence": "peut-etre"})
    assert refused.status_code == 400 and '<a class="button primary" href="">Revenir au formulaire</a>' in refused.text
    back = await client.get(action, follow_redirects=False)
    assert (back.status_code, back.headers["location"]) == (303, f"/dossiers/{patient.dossier.id}/acces")
    missing = await client.get(f"/dossiers/{'0' * 32}", follow_redirects=False)
    assert missing.status_code == 404 and "Revenir au formulaire" not in missing.text  # no form there


async def test_an_action_on_what_changed_meanwhile_says_nothing_was_done_not_page_not_found(app, db, patient):
    """A caregivers' probe: Paul stopped a treatment Camille had just stopped (or hid an item she had just
    deleted) and met "Page introuvable : cette page n'existe pas" for a button his page showed. A form's 404 says
    nothing was done, and why it may be, alike for a missing, a changed and a foreign target (a refusal never
    tells which), with a way back to the page as it is now."""
    item = await add_item(db, dossier=patient.dossier, data=SAMPLES["allergy"], actor=CAMILLE, today=TODAY)
    async with AsyncTestClient(app, base_url=ORIGIN) as client:
        await activate(client, patient)
        await delete_item(db, item=item, actor=CAMILLE)  # by the other manager, a moment before
        stale = await post_form(client, f"/dossiers/{patient.dossier.id}/profil/{item.id}/masquage", {"masque": "oui"})
        missing = await post_form(client, f"/dossiers/{patient.dossier.id}/profil/{'0' * 32}/masquage",
                                  {"masque": "oui"})
    assert stale.status_code == missing.status_code == 404
    text = html.unescape(stale.text)
    assert "Action non effectuée" in text and "a changé entre-temps" in text and "n'existe pas, ou" not in text
    assert '<a class="button primary" href="">Revoir la page</a>' in stale.text
