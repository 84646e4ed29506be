"""Sharing in person with a code and its QR code, and "voir comme": the dossier exactly as one
professional sees it now, computed by the same rule as that professional's own reads."""

import html
import pytest
import re
from datetime import date, timedelta

from sqlmodel import select

from tests.conftest import AsyncTestClient

from server.access import blocks, grants, hiding, share_codes
from server.access.medecin_traitant import set_medecin_traitant
from server.access.rule import document_right
from server.accesslog.audit import Actor
from server.models import Account, Dossier, Professional, ShareCode, utcnow
from server.facts import document_facts, dossier_facts
from server.listing import all_documents
from server.access.reading import open_dossier
from server.access.standing import professional_standing
from server.views.share_codes import qr_svg
from tests.conftest import (ORIGIN, activate, activate_professional, add_text_document, new_patient, new_professional,
                            post_form, wrong_fields)
from tests.caregiver_helpers import camille  # noqa: F401 - a fixture
from tests.caregiver_helpers import invitation_code, new_caregiver
from tests.patient_helpers import CAMILLE, MISSING, Log, fresh, professional, same_404, titles_in
from tests.test_minors_secret_sharing import code_made


# --- share codes --------------------------------------------------------------------------


async def test_a_share_code_shows_its_code_and_qr_then_who_used_it(client, db, patient):
    await activate(client, patient)
    form = html.unescape((await client.get(f"/dossiers/{patient.dossier.id}/partage")).text)
    assert "Afficher le code de partage" in form
    # A professional who already reads the dossier gets the code's scope instead (grants.end_current_grants): said.
    assert "Si ce professionnel a déjà accès au dossier, ce code remplace cet accès" in form
    async with Log(db, patient.dossier.id) as log:
        response = await post_form(client, f"/dossiers/{patient.dossier.id}/partage",
                                   {"portee": "categories", "categories": "imagerie", "duree": "3m"}, follow_redirects=False)
    assert response.status_code == 303 and log.actions == ["share_code"]
    url = response.headers["location"]
    page = await client.get(url)
    code = re.search(r'<p class="code"[^>]*>([^<]+)</p>', page.text).group(1)
    assert re.fullmatch(r"[23456789ABCDEFGHJKMNPQRSTVWXYZ]{6}", code)
    assert "Imagerie" in page.text and "3 mois" in page.text and "En attente du professionnel" in page.text
    assert 'hx-trigger="every 3s"' in page.text
    qr = await client.get(f"{url}/qr.svg")
    assert qr.headers["content-type"].startswith("image/svg+xml")
    assert qr.content == qr_svg(f"{ORIGIN}/pro/code#c={code}")  # after "#": never sent to a server or proxy
    assert b"<script" not in qr.content and b"style=" not in qr.content

    poll = {"HX-Request": "true", "HX-Target": "share-code-status"}
    # While it waits, a poll changes nothing: 204, so a screen reader does not hear the status again every 3 s.
    waiting = await client.get(url, headers=poll)
    assert waiting.status_code == 204 and waiting.content == b"" and waiting.headers["cache-control"] == "no-store"
    assert re.search(r'<div class="share-status" role="status">\s*<p id="share-code-status"', page.text)
    assert page.text.count('role="status"') == 1
    kine = await professional(db)
    await share_codes.redeem_share_code(db, code=code.lower(), professional=kine, actor=Actor(None, "professional", "Julie Moreau"))
    used = await client.get(url, headers=poll)
    assert "Code utilisé par Julie Moreau, masseur-kinésithérapeute" in used.text and "every 3s" not in used.text
    reloaded = await client.get(url)
    assert code not in reloaded.text and (await client.get(f"{url}/qr.svg")).status_code == 404
    # Its terms said what the professional would see; used, it no longer speaks in the future.
    assert "Le professionnel pourra voir" in page.text and "Le professionnel pourra voir" not in reloaded.text


async def test_the_share_form_says_the_medecin_traitant_keeps_reading_everything_whatever_her_code_opens(
        client, pro_client, db, app, patient):
    """The form promised that a code replaces a professional's access, "et seulement cela": Dr Bernard, the médecin
    traitant, used a "Compte rendu, 1 jour" code and still read everything, as the médecin traitant does (an outside
    probe's find). The form says so, where the dossier has one."""
    await add_text_document(db, app, patient.dossier, title="Bilan sanguin", category="biologie")
    await activate(client, patient)
    before = html.unescape((await client.get(f"/dossiers/{patient.dossier.id}/partage")).text)
    assert "médecin traitant" not in before  # none declared: nothing to except
    doctor = await new_professional(db, given_name="Claire", family_name="Bernard", profession="médecin", stem=7,
                                    feminine=True)
    await set_medecin_traitant(db, dossier=patient.dossier, professional=doctor.professional, actor=CAMILLE)
    form = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", (await client.get(
        f"/dossiers/{patient.dossier.id}/partage")).text)).split())
    assert ("ce code remplace cet accès : il verra ce que vous choisissez ici, et seulement cela. Sauf le médecin "
            "traitant, qui voit tout le dossier tant qu'il l'est.") in form
    _, code = await code_made(client, patient.dossier.id, portee="categories", categories="compte_rendu", duree="1j")
    await activate_professional(pro_client, doctor)
    assert (await post_form(pro_client, "/pro/code", {"code": code}, follow_redirects=False)).status_code == 303
    assert "Bilan sanguin" in (await pro_client.get(f"/dossiers/{patient.dossier.id}")).text  # what the form says


async def test_an_expired_share_code_says_so(client, db, patient):
    await activate(client, patient)
    response = await post_form(client, f"/dossiers/{patient.dossier.id}/partage", {"portee": "tout", "duree": "sans"},
                               follow_redirects=False)
    share_id = response.headers["location"].rsplit("/", 1)[1]
    row = await fresh(db, ShareCode, share_id)
    row.expires_at = utcnow() - timedelta(seconds=1)
    db.add(row)
    await db.commit()
    page = await client.get(f"/partage/{share_id}", headers={"HX-Request": "true", "HX-Target": "share-code-status"})
    assert "Code expiré" in page.text and "every 3s" not in page.text


async def test_a_waiting_share_code_is_taken_back_logged_and_then_opens_nothing(client, db, patient):
    """Shown to the wrong person, or made with the wrong scope: the patient cancels it before anyone types it."""
    await activate(client, patient)
    dossier_id = patient.dossier.id  # (a refused redeem rolls the test's session back: its rows expire)
    made = await post_form(client, f"/dossiers/{dossier_id}/partage", {"portee": "tout", "duree": "1m"},
                           follow_redirects=False)
    url = made.headers["location"]
    code = re.search(r'<p class="code"[^>]*>([^<]+)</p>', (await client.get(url)).text).group(1)
    assert "Annuler ce code" in (await client.get(url)).text
    async with Log(db, dossier_id) as log:
        cancelled = await post_form(client, f"{url}/annulation", {}, follow_redirects=False)
    assert cancelled.status_code == 303 and log.actions == ["share_code_cancelled"]
    notice = html.unescape((await client.get(cancelled.headers["location"])).text)
    assert "Le code de partage est annulé : personne ne peut plus l'utiliser." in notice
    kine = await professional(db)
    with pytest.raises(share_codes.ShareCodeRefused):
        await share_codes.redeem_share_code(db, code=code, professional=kine, actor=Actor(None, "professional", "Julie"))
    after = html.unescape((await client.get(url)).text)
    assert "Annuler ce code" not in after
    # Said as what happened, not "Code expiré" (an outside probe's find); one way to make another code, not two.
    assert "Code annulé." in after and "Code expiré" not in after
    assert after.count(f'href="/dossiers/{dossier_id}/partage"') == 1
    async with Log(db, dossier_id) as log:  # twice, or a used or another's code: nothing to cancel
        assert (await post_form(client, f"{url}/annulation", {})).status_code == 404
        assert (await post_form(client, f"/partage/{MISSING}/annulation", {})).status_code == 404
    assert log.actions == []
    log_page = html.unescape((await client.get(f"/dossiers/{dossier_id}/historique")).text).replace("\u00a0", " ")
    assert "Vous avez annulé un code de partage (tous les documents, 1 mois)" in log_page


def code_on(page) -> str:
    return re.search(r'<p class="code"[^>]*>([^<]+)</p>', page.text).group(1)


def said(page) -> str:
    """A page as read: tags out, entities decoded, no-break spaces as spaces."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page.text)).split())


async def made(client, dossier_id: str, **choices) -> str:
    """A share code made on `client`: its page's address."""
    response = await post_form(client, f"/dossiers/{dossier_id}/partage", choices or {"portee": "tout", "duree": "1m"},
                               follow_redirects=False)
    assert response.status_code == 303, response.text
    return response.headers["location"]


async def test_waiting_codes_are_listed_on_the_access_page_whoever_made_them_each_to_cancel(
        client, db, app, patient, camille):
    """An outside probe's find: a code left waiting (a QR photographed across the room) was listed nowhere, and could
    not be cancelled once its page was left. Listed to the patient and to the relatives who manage the dossier."""
    dossier_id = patient.dossier.id
    access = f"/dossiers/{dossier_id}/acces"
    assert "Codes de partage en attente" not in (await client.get(access)).text
    async with new_caregiver(app, await invitation_code(client, dossier_id)) as paul:
        hers = await made(client, dossier_id, portee="categories", categories="imagerie", duree="3m")
        her_code = code_on(await client.get(hers))
        his = await made(paul, dossier_id, portee="tout", duree="sans")
        page = await client.get(access)  # she left her code's page
        listed = said(page)
        assert "Codes de partage en attente" in listed
        assert "Le professionnel pourra voir : Imagerie, sauf les documents masqués, pendant 3 mois." in listed
        assert "Le professionnel pourra voir : tous les documents, sauf les documents masqués, sans date de fin." \
            in listed
        assert listed.count("Code valable jusqu'à") == 2 and "Créé par vous." in listed \
            and "Créé par Paul Martin." in listed
        # Each to cancel; hers shows its code again (this session keeps it), his stays on his phone.
        assert f'action="{hers}/annulation"' in page.text and f'action="{his}/annulation"' in page.text
        assert f'href="{hers}"' in page.text and f'href="{his}"' not in page.text
        his_page = await paul.get(access)
        assert "Créé par Camille Martin." in said(his_page) and f'href="{his}"' in his_page.text

        # Paul cancels hers from the list: a change of rights, logged as on the code's own page.
        async with Log(db, dossier_id) as log:
            cancelled = await post_form(paul, f"{hers}/annulation", {}, follow_redirects=False)
        assert (cancelled.status_code, cancelled.headers["location"]) == (303, f"{access}?fait=code-annule")
        assert log.actions == ["share_code_cancelled"] and log.new[0].actor_name == "Paul Martin"
        after = await client.get(access)
        assert f"{hers}/annulation" not in after.text and f"{his}/annulation" in after.text
    kine = await professional(db)
    with pytest.raises(share_codes.ShareCodeRefused):
        await share_codes.redeem_share_code(db, code=her_code, professional=kine, actor=Actor(None, "professional", ""))
    # Used or ended, a code leaves the list.
    await db.commit()
    row = (await db.exec(select(ShareCode).where(ShareCode.id == his.rsplit("/", 1)[1]))).one()
    row.expires_at = utcnow() - timedelta(seconds=1)
    db.add(row)
    await db.commit()
    assert "Codes de partage en attente" not in (await client.get(access)).text


async def test_another_code_cancels_the_one_it_replaces_as_its_button_says(client, db, patient):
    """An outside probe's find: "Créer un autre code" left the code on screen valid, and a doctor who had it opened
    the dossier after the new one was made."""
    await activate(client, patient)
    dossier_id = patient.dossier.id
    first = await made(client, dossier_id)
    page = await client.get(first)
    old_code = code_on(page)
    assert "Créer un autre code (celui-ci sera annulé)" in said(page)
    assert re.search(rf'<form class="share-replace" method="post" action="{first}/annulation"', page.text)
    async with Log(db, dossier_id) as log:
        replaced = await post_form(client, f"{first}/annulation", {"ensuite": "nouveau-code"}, follow_redirects=False)
    assert (replaced.status_code, replaced.headers["location"]) == (303, f"/dossiers/{dossier_id}/partage?fait=code-annule")
    assert log.actions == ["share_code_cancelled"]
    form = said(await client.get(replaced.headers["location"]))
    assert "Le code de partage est annulé : personne ne peut plus l'utiliser." in form
    second = await made(client, dossier_id)
    kine = await professional(db)
    kine_id = kine.id  # (a refused redeem rolls the test's session back: its rows expire)
    with pytest.raises(share_codes.ShareCodeRefused):
        await share_codes.redeem_share_code(db, code=old_code, professional=kine, actor=Actor(None, "professional", ""))
    # Used meanwhile (between two polls): nothing to cancel; its page says who used it, and makes another plainly.
    await share_codes.redeem_share_code(db, code=code_on(await client.get(second)),
                                        professional=await fresh(db, Professional, kine_id),
                                        actor=Actor(None, "professional", "Julie Moreau"))
    async with Log(db, dossier_id) as log:
        late = await post_form(client, f"{second}/annulation", {"ensuite": "nouveau-code"}, follow_redirects=False)
    assert (late.status_code, late.headers["location"]) == (303, second) and log.actions == []
    used = await client.get(second)
    assert "Code utilisé par Julie Moreau" in said(used) and "celui-ci sera annulé" not in used.text
    assert f'href="/dossiers/{dossier_id}/partage"' in used.text


DIRECTORY_WAY = ("Si le code ne fonctionne pas, vous pouvez aussi donner accès à ce professionnel en le cherchant par "
                 "son nom dans l'annuaire.")


async def test_a_code_still_waiting_after_two_minutes_says_the_directory_is_another_way(client, db, patient):
    """An outside probe's find: paused for wrong codes, the professional could not use the patient's code, whose page
    kept saying "En attente du professionnel". Said by the time alone: nothing of what she typed."""
    await activate(client, patient)
    dossier_id = patient.dossier.id
    url = await made(client, dossier_id)
    poll = {"HX-Request": "true", "HX-Target": "share-code-status"}
    assert DIRECTORY_WAY not in said(await client.get(url))
    assert (await client.get(url, headers=poll)).status_code == 204
    await db.commit()
    row = await db.get(ShareCode, url.rsplit("/", 1)[1], populate_existing=True)
    row.created_at = utcnow() - timedelta(minutes=2, seconds=5)
    db.add(row)
    await db.commit()
    hinted = await client.get(url, headers=poll)  # swapped in once, in the live region
    assert hinted.status_code == 200 and DIRECTORY_WAY in said(hinted)
    assert f'href="/dossiers/{dossier_id}/annuaire"' in hinted.text and f'hx-get="{url}?aide=1"' in hinted.text
    assert (await client.get(f"{url}?aide=1", headers=poll)).status_code == 204  # then heard no more
    assert DIRECTORY_WAY in said(await client.get(url))  # and said on a reload


async def test_a_share_code_and_its_qr_are_only_for_the_patient_who_made_it(client, app, db, patient):
    other = await new_patient(db, given_name="Hugo", family_name="Lefèvre", birth=date(1950, 6, 1), serial=2, sex="M")
    await activate(client, patient)
    response = await post_form(client, f"/dossiers/{patient.dossier.id}/partage", {"portee": "tout", "duree": "1m"},
                               follow_redirects=False)
    url = response.headers["location"]
    async with AsyncTestClient(app, base_url=ORIGIN) as stranger:
        await activate(stranger, other)
        for suffix in ("", "/qr.svg"):
            await same_404(stranger, f"{url}{suffix}", f"/partage/{MISSING}{suffix}")


async def test_bad_share_code_forms_get_a_french_400_on_the_wrong_field(client, db, patient):
    await activate(client, patient)
    url = f"/dossiers/{patient.dossier.id}/partage"
    async with Log(db, patient.dossier.id) as log:
        no_duration = await post_form(client, url, {"portee": "tout"})
        unknown = await post_form(client, url, {"portee": "categories", "categories": "inconnue", "duree": "1m"})
        none_ticked = await post_form(client, url, {"portee": "categories", "duree": "1m"})
        both = await post_form(client, url, {"portee": "categories"})
    assert no_duration.status_code == 400 and "Choisissez une durée." in no_duration.text
    assert unknown.status_code == 400 and "Catégorie inconnue." in unknown.text
    assert log.new == []
    assert wrong_fields(no_duration.text) == ["duree"] and wrong_fields(unknown.text) == ["categories"]
    assert wrong_fields(none_ticked.text) == ["categories"] and 'value="1m" required checked' in none_ticked.text
    # Both wrong: both said at once, not the duration only once a category is ticked.
    assert wrong_fields(both.text) == ["categories", "duree"]
    assert "Cochez au moins une catégorie" in html.unescape(both.text) and "Choisissez une durée." in both.text


# --- "voir comme" ----------------------------------------------------------------------------


async def test_voir_comme_lists_exactly_what_the_rule_lets_each_professional_see(client, db, app, patient):
    docs = {
        "visible": await add_text_document(db, app, patient.dossier, title="IRM du genou", category="imagerie"),
        "hidden": await add_text_document(db, app, patient.dossier, title="Scanner caché", category="imagerie"),
        "other": await add_text_document(db, app, patient.dossier, title="Bilan sanguin", category="biologie"),
        "deleted": await add_text_document(db, app, patient.dossier, title="Radio effacée", category="imagerie"),
    }
    await hiding.set_hidden(db, document=docs["hidden"], hidden=True, actor=CAMILLE)
    await hiding.delete_document(db, document=docs["deleted"], actor=CAMILLE)
    doctor = await professional(db, "Bernard", given_name="Claire", profession="médecin", stem=1)
    kine = await professional(db, stem=2)
    stranger = await professional(db, "Petit", given_name="Luc", profession="infirmier", stem=3)
    blocked = await professional(db, "Roux", given_name="Anne", profession="médecin", stem=4)
    await set_medecin_traitant(db, dossier=patient.dossier, professional=doctor, actor=CAMILLE)
    await grants.grant_access(db, dossier=patient.dossier, professional=kine, categories="imagerie", duration="1m", actor=CAMILLE)
    await grants.grant_access(db, dossier=patient.dossier, professional=blocked, categories="", duration="1m", actor=CAMILLE)
    await blocks.block(db, dossier=patient.dossier, professional=blocked, actor=CAMILLE)
    await activate(client, patient)
    dossier = await fresh(db, Dossier, patient.dossier.id)
    expected_titles = {doctor.id: {"IRM du genou", "Scanner caché", "Bilan sanguin"}, kine.id: {"IRM du genou"},
                       stranger.id: set(), blocked.id: set()}
    for pro in (doctor, kine, stranger, blocked):
        async with Log(db, dossier.id) as log:
            page = await client.get(f"/dossiers/{dossier.id}/voir-comme/{pro.id}")
        assert log.new == []  # the patient's check is not a professional's read
        assert f"comme <strong>{pro.given_name}" in page.text or f"comme <strong>Dr {pro.given_name}" in page.text
        standing = await professional_standing(db, professional_id=pro.id, dossier=dossier, now=utcnow())
        allowed = {d.title for d in docs.values() if document_right(standing, dossier_facts(dossier), document_facts(d), utcnow())}
        assert set(titles_in(page.text)) == allowed == expected_titles[pro.id], pro.family_name
        if not allowed:
            assert "ne voit aucun document" in page.text and "ne peut pas ouvrir le dossier" in page.text
    # The professionals' own reads return the very same documents.
    for pro in (doctor, kine):
        account = Account(display_name=pro.family_name, professional_id=pro.id)
        db.add(account)
        await db.commit()
        view = await open_dossier(db, account=account, dossier_id=dossier.id)
        shown = await all_documents(db, dossier_id=dossier.id, visible=view.visible)
        assert {d.title for d in shown} == expected_titles[pro.id]
    await same_404(client, f"/dossiers/{dossier.id}/voir-comme/{MISSING}", f"/dossiers/{MISSING}/voir-comme/{kine.id}")


async def test_migration_0033_marks_the_codes_cancelled_before_it(db, app, patient):
    """0033 down then up on both engines: a code cancelled before it (it ended before its ten minutes) reads as
    cancelled; one that ran its course, or was used, does not."""
    from alembic import command

    from tests.patient_helpers import migrate

    made = [(await share_codes.create_share_code(db, dossier=patient.dossier, categories="", duration="1m",
                                                 actor=CAMILLE))[1].id for _ in range(2)]
    await share_codes.cancel_share_code(db, share_code_id=made[0], dossier=patient.dossier, actor=CAMILLE)
    expired = await db.get(ShareCode, made[1])
    expired.created_at, expired.expires_at = expired.created_at - timedelta(hours=1), expired.expires_at - timedelta(hours=1)
    db.add(expired)
    await db.commit()
    await migrate(app, command.downgrade, "0032")
    await migrate(app, command.upgrade, "head")
    db.expire_all()
    cancelled, ran_out = [await db.get(ShareCode, code_id) for code_id in made]
    assert cancelled.cancelled_at is not None and ran_out.cancelled_at is None
