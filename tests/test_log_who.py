"""The Historique's "Qui" filter also picks the reader's own actions ("Vous"), the patient's, and each relative's who
acted in the dossier, as the log names them: by an opaque token in the URL, never a name or an account, through the
same paging, count, exports and printout as a professional's; a minor's parents are shown no more than before."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, timedelta

import pytest

from server.access import blocks, hiding, share_codes
from server.accesslog import audit
from server.accesslog.audit import Actor
from server.accesslog.queries import person_token, professional_token
from server.auth.accounts import account_for_patient
from server.models import Account, Delegation
from server.access.reading import open_document
from tests.conftest import TEST_SECRET, new_patient, post_form
from tests.patient_helpers import Statements
from tests.log_page_helpers import World, as_account, filtered, log_lines, plain, professional

OPTION = re.compile(r'<option value="([0-9a-f]{32})"[^>]*>([^<]+)</option>')
# A minor's parent's page names events by tokens, not by the dossier's numbers (accesslog/numbering.py).
SENTENCE = re.compile(r'<li class="log-line[^"]*" id="evenement-[0-9a-f]+">.*?<span class="log-text"[^>]*>(.*?)</span>', re.S)
EVERYTHING = [5, 4, 3, 2, 1]


@pytest.fixture
async def world(db, app, patient):
    return await World().build(db, app, patient)


def sentences(page: str) -> list[str]:
    return [plain(re.sub(r"<[^>]+>", "", text)) for text in SENTENCE.findall(page)]


def people(page: str) -> dict[str, str]:
    """The filter's patient and relatives: label → the token that picks them."""
    group = re.search(r'<optgroup label="(?:Vous et vos proches|Le patient et ses proches)">(.*?)</optgroup>', page,
                      re.S)
    return {label: token for token, label in OPTION.findall(group[1] if group else "")}


async def relative(db, world, name: str) -> tuple[Account, Actor]:
    account = Account(display_name=name)
    db.add(account)
    await db.flush()
    db.add(Delegation(dossier_id=world.dossier.id, caregiver_account_id=account.id, relationship="proche"))
    await db.commit()
    return account, Actor(account.id, "caregiver", name, on_behalf_of="Camille Martin")


async def camille_paul_and_lea(db, world) -> Account:
    """1, 5: Camille's; 2, 3: Léa's; 4: Paul's, for her. Sophie, a relative too, never acted."""
    paul, for_camille = await relative(db, world, "Paul Martin")
    await relative(db, world, "Sophie Martin")
    await world.share_code_for_lea(db)  # 1 (Camille's code), 2 (Léa's use of it)
    await open_document(db, account=world.lea_account, document_id=world.irm.id)  # 3
    await hiding.set_hidden(db, document=world.bilan, hidden=True, actor=for_camille)  # 4
    await blocks.block(db, dossier=world.dossier, professional=world.lea, actor=world.camille)  # 5
    return paul


async def test_the_patient_picks_her_own_actions_or_a_relatives(client, db, world):
    paul = await camille_paul_and_lea(db, world)
    await as_account(client, db, world.patient_account)
    page = (await client.get(world.url())).text
    offered = people(page)
    assert list(offered) == ["Vous", "Paul Martin"]  # Sophie did nothing in the dossier
    assert '<label for="professionnel">Qui</label>' in page
    # The URL names them by a key of this dossier's: not a name, not an account.
    assert not {paul.id, world.patient_account.id} & set(offered.values())
    mine = (await client.get(world.url(f"?professionnel={offered['Vous']}"))).text
    assert [seq for seq, _, _ in log_lines(mine)] == [5, 1]
    assert all(text.startswith("Vous ") for _, _, text in log_lines(mine))
    assert f'<option value="{offered["Vous"]}" selected>' in mine and 'data-results-count="2 événements"' in mine
    his = (await client.get(world.url(f"?professionnel={offered['Paul Martin']}"))).text
    assert [(seq, text.startswith("Paul Martin, pour votre compte, a masqué")) for seq, _, text in log_lines(his)] == [
        (4, True)]
    assert await filtered(client, world, f"?professionnel={offered['Paul Martin']}&type=consultations") == []
    assert await filtered(client, world, f"?professionnel={offered['Vous']}&type=droits") == [5, 1]


async def test_the_exports_and_the_printout_follow_the_person_picked(client, db, world):
    await camille_paul_and_lea(db, world)
    await as_account(client, db, world.patient_account)
    offered = people((await client.get(world.url())).text)
    fragment = await client.get(world.url(f"?professionnel={offered['Paul Martin']}"),
                                headers={"HX-Request": "true", "HX-Target": "log-results"})
    assert fragment.headers["hx-push-url"] == world.url(f"?professionnel={offered['Paul Martin']}")
    assert f'href="{world.url(".csv?professionnel=" + offered["Paul Martin"])}"' in fragment.text
    assert f'href="{world.url("/imprimer?professionnel=" + offered["Paul Martin"])}"' in fragment.text
    exported = await client.get(world.url(f".csv?professionnel={offered['Vous']}"))
    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig")), delimiter=";"))
    assert [row[0] for row in rows[1:]] == ["5", "1"]
    printed = plain((await client.get(world.url(f"/imprimer?professionnel={offered['Paul Martin']}"))).text)
    assert "Filtres : Paul Martin" in printed
    assert len(re.findall(r'<li value="\d+">', printed)) == 1
    assert "Filtres : Vous" in plain((await client.get(world.url(f"/imprimer?professionnel={offered['Vous']}"))).text)


async def test_a_relative_reads_vous_for_their_own_and_the_patient_by_name(client, db, world):
    paul = await camille_paul_and_lea(db, world)
    await as_account(client, db, paul)
    page = (await client.get(world.url())).text
    offered = people(page)
    assert list(offered) == ["Vous", "Camille Martin"] and "Le patient et ses proches" in page
    mine = (await client.get(world.url(f"?professionnel={offered['Vous']}"))).text
    assert [seq for seq, _, _ in log_lines(mine)] == [4]
    assert log_lines(mine)[0][2].startswith("Pour le compte de Camille Martin, vous avez masqué")
    assert await filtered(client, world, f"?professionnel={offered['Camille Martin']}") == [5, 1]


async def test_a_forged_or_foreign_token_filters_nothing(client, db, world):
    paul = await camille_paul_and_lea(db, world)
    await as_account(client, db, world.patient_account)
    hugo = await new_patient(db, given_name="Hugo", family_name="Lefèvre", birth=date(1950, 6, 1), serial=2, sex="M")
    forged = [
        paul.id, world.patient_account.id,  # an account, as such
        person_token(secret="another secret", dossier_id=world.dossier.id, account_id=paul.id),
        person_token(secret=TEST_SECRET, dossier_id=hugo.dossier.id, account_id=paul.id),  # another dossier's
        professional_token(secret=TEST_SECRET, dossier_id=world.dossier.id, key=paul.id),  # not a person's key
        "Paul%20Martin", "vous",
    ]
    for token in forged:
        response = await client.get(world.url(f"?professionnel={token}"))
        assert response.status_code == 200, token
        assert [seq for seq, _, _ in log_lines(response.text)] == EVERYTHING, token
        for suffix in (".csv", "/imprimer"):
            assert (await client.get(world.url(f"{suffix}?professionnel={token}"))).status_code == 200


async def test_a_persons_list_pages_by_its_keyset(client, db, world):
    paul = await camille_paul_and_lea(db, world)
    _, sophie = await relative(db, world, "Sophie Lefèvre")
    await audit.begin_chained(db)
    for i in range(40):  # 6 to 45: Paul's and Sophie's, turn by turn
        await audit.append(db, dossier_id=world.dossier.id, action="hide" if i % 4 < 2 else "unhide",
                           actor=Actor(paul.id, "caregiver", "Paul Martin", on_behalf_of="Camille Martin")
                           if i % 2 else sophie, document=world.irm)
    await audit.commit_chained(db)
    await as_account(client, db, world.patient_account)
    token = people((await client.get(world.url())).text)["Paul Martin"]
    first = (await client.get(world.url(f"?professionnel={token}"))).text
    theirs = [seq for seq, _, _ in log_lines(first)]
    assert theirs == list(range(45, 5, -2)) + [4]  # 21: one page
    assert 'id="more-' not in first
    await audit.begin_chained(db)
    for _ in range(20):
        await audit.append(db, dossier_id=world.dossier.id, action="hide", actor=Actor(
            paul.id, "caregiver", "Paul Martin", on_behalf_of="Camille Martin"), document=world.irm)
    await audit.commit_chained(db)
    page = (await client.get(world.url(f"?professionnel={token}"))).text
    shown = [seq for seq, _, _ in log_lines(page)]
    assert shown == list(range(65, 45, -1)) + list(range(45, 25, -2))  # 30
    more = re.search(r'<a id="more-(\d+)"[^>]*href="([^"#]+)', page)
    assert more and more[2].replace("&amp;", "&") == world.url(f"?professionnel={token}&avant={more[1]}")
    rest = await client.get(more[2].replace("&amp;", "&"), headers={"HX-Request": "true",
                                                                      "HX-Target": f"more-{more[1]}"})
    assert [seq for seq, _, _ in log_lines(rest.text)] == list(range(25, 5, -2)) + [4]


async def test_a_minors_parent_is_offered_no_one_whose_actions_are_kept_from_them(client, db, world):
    leo = await new_patient(db, given_name="Léo", family_name="Martin", birth=date.today() - timedelta(days=15 * 366),
                            serial=4, sex="M")
    leo_account = await account_for_patient(db, patient=leo.patient)
    mother_account = world.patient_account
    await as_account(client, db, mother_account)
    await post_form(client, "/enfant", {"code": leo.code, "birth_date": leo.birth_date.isoformat()})
    marc, _ = await professional(db, "Marc", "Petit", "médecin", 8)
    # Léo makes a share code: his alone, never his parents' to see (caregivers/confidential.py).
    await share_codes.create_share_code(db, dossier=leo.dossier, categories="", duration="1m",
                                        actor=Actor(leo_account.id, "patient", "Léo Martin"))
    await blocks.block(db, dossier=leo.dossier, professional=marc,
                       actor=Actor(mother_account.id, "caregiver", "Camille Martin", on_behalf_of="Léo Martin"))
    url = f"/dossiers/{leo.dossier.id}/historique"
    page = (await client.get(url)).text
    offered = people(page)
    assert list(offered) == ["Vous"] and "Léo Martin</option>" not in page
    unfiltered = sentences(page)
    mine = sentences((await client.get(f"{url}?professionnel={offered['Vous']}")).text)
    assert mine and all(text.startswith(("Vous ", "Pour le compte de Léo Martin, vous ")) for text in mine)
    # Léo's key, as his own page names him, picks nothing for his mother, and shows no trace of his code.
    leos = person_token(secret=TEST_SECRET, dossier_id=leo.dossier.id, account_id=leo_account.id)
    assert sentences((await client.get(f"{url}?professionnel={leos}")).text) == unfiltered
    everything = (await client.get(f"{url}.csv")).text
    assert (await client.get(f"{url}.csv?professionnel={leos}")).text == everything
    assert (await client.get(f"{url}/imprimer?professionnel={leos}")).status_code == 200
    await as_account(client, db, leo_account)
    his = people((await client.get(url)).text)
    assert list(his) == ["Vous", "Camille Martin"]
    assert [text.startswith("Vous avez créé un code de partage") for text in sentences(
        (await client.get(f"{url}?professionnel={his['Vous']}")).text)] == [True]


async def test_the_filter_asks_one_question_whatever_the_number_of_relatives(client, db, app, world):
    """Each relative's name, as the log last gave it, was a question of its own (issue 10: a page's questions do not
    grow with the dossier); one question reads them all now, with the patient's."""
    await camille_paul_and_lea(db, world)
    await as_account(client, db, world.patient_account)

    async def asked() -> tuple[int, dict[str, str]]:
        with Statements(app.state.engine) as seen:
            page = (await client.get(world.url())).text
        return len(seen.seen), people(page)

    before, offered = await asked()
    assert list(offered) == ["Vous", "Paul Martin"]
    for name, hidden in (("Jeanne Martin", True), ("Louis Martin", False), ("Rose Martin", True)):
        _account, actor = await relative(db, world, name)
        await hiding.set_hidden(db, document=world.irm, hidden=hidden, actor=actor)
    after, offered = await asked()
    assert list(offered) == ["Vous", "Jeanne Martin", "Louis Martin", "Paul Martin", "Rose Martin"]
    assert after == before
