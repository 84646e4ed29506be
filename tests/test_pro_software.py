"""A professional's practice software, through the pages: register it, rename it, revoke it; nobody else's."""

from __future__ import annotations

import html
import json
import re
import uuid

import jwt
from tests.conftest import AsyncTestClient
from sqlmodel import select

from server.models import ApiClient
from tests.conftest import (
    ORIGIN, activate, activate_professional, new_patient, new_professional, post_form, without_csrf, wrong_fields,
)
from tests.fhir_support import Software

TOKEN_URL = f"{ORIGIN}/fhir/token"
REGISTERED = re.compile(r"^/pro/logiciels\?nouveau=([0-9a-f]{32})$")
REVOKED = ("Ce logiciel a été révoqué par le professionnel qui l'avait enregistré : ses jetons ne valent plus et il "
           "n'en obtient plus de nouveaux. Le professionnel peut l'enregistrer de nouveau, avec une nouvelle paire "
           "de clés.")
UNKNOWN = "Logiciel inconnu ou révoqué, ou signature invalide."
NO_TOKEN = "Jeton d'accès manquant, expiré ou révoqué : demandez-en un nouveau."


async def register(client, name: str = "Logiciel du cabinet") -> Software:
    """The form on "Mes logiciels", filled with a new key's public half; the software learns its client_id."""
    software = Software()
    response = await post_form(client, "/pro/logiciels", {"name": name, "jwk": software.public_jwk()},
                               follow_redirects=False)
    assert response.status_code == 303, response.text
    software.client_id = REGISTERED.match(response.headers["location"]).group(1)
    return software


async def token(client, software: Software):
    return await client.post("/fhir/token", data=software.token_form(TOKEN_URL))


async def stored(db, professional) -> list[ApiClient]:
    await db.commit()  # a fresh read of what the app committed
    return list((await db.exec(select(ApiClient).where(ApiClient.professional_id == professional.id))).all())


async def test_registered_software_is_shown_with_what_to_configure_and_obtains_a_token(client, db):
    pro = await new_professional(db)
    await activate_professional(client, pro)
    empty = await client.get("/pro/logiciels")
    # The menu's link, marked as the page shown.
    assert "Aucun logiciel enregistré" in empty.text and \
        'href="/pro/logiciels" aria-current="page">Logiciels</a>' in empty.text

    software = await register(client)
    page = (await client.get(f"/pro/logiciels?nouveau={software.client_id}")).text
    assert "«\u00a0Logiciel du cabinet\u00a0» est enregistré" in html.unescape(page)
    assert page.count(f"<code>{software.client_id}</code>") == 2  # in the box and in the list
    for setting in (TOKEN_URL, f"<code>{ORIGIN}/fhir</code>", "system/DocumentReference.cruds", "system/Binary.r",
                    "<code>ES384</code>", 'href="/fhir/metadata"'):
        assert setting in page, setting
    assert "jamais utilisé" in page

    answer = await token(client, software)
    assert answer.status_code == 200, answer.text
    assert answer.json()["token_type"] == "bearer" and answer.json()["access_token"]
    listed = (await client.get("/pro/logiciels")).text
    assert "jamais utilisé" not in listed and "utilisé pour la dernière fois le" in listed
    assert "est enregistré" not in listed  # the box is shown after registering only


async def test_a_pasted_private_key_is_refused_in_french_and_nothing_is_stored(client, db):
    pro = await new_professional(db)
    await activate_professional(client, pro)
    private = jwt.algorithms.ECAlgorithm.to_jwk(Software().key)
    refused = await post_form(client, "/pro/logiciels", {"name": "Logiciel du cabinet", "jwk": private})
    assert refused.status_code == 400
    assert "Cette clé contient sa partie privée : ne la donnez jamais." in refused.text
    assert json.loads(private)["d"] not in refused.text  # not shown back either
    assert 'value="Logiciel du cabinet"' in refused.text
    assert wrong_fields(refused.text, "register-error") == ["jwk"]
    assert await stored(db, pro.professional) == []

    not_json = await post_form(client, "/pro/logiciels", {"name": "Logiciel du cabinet", "jwk": "ma clé"})
    assert not_json.status_code == 400 and "La clé publique doit être une JWK au format JSON" in not_json.text
    for unreadable in ("[" * 3000 + "]" * 3000, '{"kty": "EC", "crv": "\\u0000"}'):  # past the stack; a NUL escaped
        refused = await post_form(client, "/pro/logiciels", {"name": "Logiciel du cabinet", "jwk": unreadable})
        assert refused.status_code == 400 and "La clé publique doit être une JWK au format JSON" in refused.text
    assert await stored(db, pro.professional) == []
    # A missing name is the name's fault, not the key's.
    unnamed = await post_form(client, "/pro/logiciels", {"name": " ", "jwk": private})
    assert unnamed.status_code == 400 and wrong_fields(unnamed.text, "register-error") == ["name"]


async def test_software_is_renamed_and_a_blank_name_is_refused(client, db):
    pro = await new_professional(db)
    await activate_professional(client, pro)
    software = await register(client)
    renamed = await post_form(client, f"/pro/logiciels/{software.client_id}/nom", {"name": "Cabinet Moreau"},
                              follow_redirects=False)
    assert (renamed.status_code, renamed.headers["location"]) == (303, "/pro/logiciels?fait=renomme")
    page = (await client.get("/pro/logiciels?fait=renomme")).text
    assert "<strong>Cabinet Moreau</strong>" in page and "Le logiciel est renommé." in page

    blank = await post_form(client, f"/pro/logiciels/{software.client_id}/nom", {"name": "  "})
    assert blank.status_code == 400 and "Donnez un nom au logiciel" in blank.text
    assert f'aria-describedby="rename-error-{software.client_id}"' in blank.text  # said next to its own form
    [client_row] = await stored(db, pro.professional)
    assert client_row.name == "Cabinet Moreau"


async def test_revoking_through_the_confirmation_ends_the_software_and_its_tokens(client, db):
    pro = await new_professional(db)
    await activate_professional(client, pro)
    software = await register(client)
    held = (await token(client, software)).json()["access_token"]

    confirm = await client.get(f"/pro/logiciels/{software.client_id}/revoquer")
    assert "Révoquer «\u00a0Logiciel du cabinet\u00a0» ?" in html.unescape(confirm.text)
    assert ("Il ne pourra plus envoyer ni lire de documents ; ses jetons cessent de fonctionner immédiatement."
            in confirm.text)
    assert f'action="/pro/logiciels/{software.client_id}/revoquer"' in confirm.text
    done = await post_form(client, f"/pro/logiciels/{software.client_id}/revoquer", {}, follow_redirects=False)
    assert (done.status_code, done.headers["location"]) == (303, "/pro/logiciels?fait=revoque")

    page = (await client.get("/pro/logiciels?fait=revoque")).text
    assert software.client_id not in page and "Le logiciel est révoqué" in page
    # The software itself is told so, once it proves it is that software: a token issued to it, its signature (an
    # outside tester's find: "demandez-en un nouveau", then "Logiciel inconnu ou révoqué", advice it could not follow).
    search = await client.get("/fhir/DocumentReference", headers={"authorization": f"Bearer {held}"})
    assert search.status_code == 401 and search.json()["issue"][0]["diagnostics"] == REVOKED
    assert search.headers["www-authenticate"] == 'Bearer realm="carnet", error="invalid_token"'
    refused = await token(client, software)
    assert refused.status_code == 401 and refused.json() == {"error": "invalid_client", "error_description": REVOKED}
    # Anyone else learns nothing of whether this client_id exists, nor of what became of it.
    impostor = Software()
    impostor.client_id = software.client_id
    forged = await token(client, impostor)
    assert forged.status_code == 401 and forged.json()["error_description"] == UNKNOWN
    guessed = await client.get("/fhir/DocumentReference", headers={"authorization": f"Bearer {held}x"})
    assert guessed.json()["issue"][0]["diagnostics"] == NO_TOKEN
    assert (await client.get(f"/pro/logiciels/{software.client_id}/revoquer")).status_code == 404


async def test_another_professional_can_neither_see_nor_rename_nor_revoke_it(app, client, db):
    owner = await new_professional(db)
    await activate_professional(client, owner)
    software = await register(client)
    other = await new_professional(db, given_name="Paul", family_name="Girard", stem=2)
    missing = uuid.uuid4().hex
    async with AsyncTestClient(app, base_url=ORIGIN) as desk:
        await activate_professional(desk, other)
        listed = (await desk.get(f"/pro/logiciels?nouveau={software.client_id}")).text
        assert software.client_id not in listed and "est enregistré" not in listed
        for suffix, data in (("revoquer", None), ("nom", {"name": "Pris"}), ("revoquer", {})):
            theirs, absent = f"/pro/logiciels/{software.client_id}/{suffix}", f"/pro/logiciels/{missing}/{suffix}"
            if data is None:
                foreign, none = await desk.get(theirs), await desk.get(absent)
            else:
                foreign, none = await post_form(desk, theirs, data), await post_form(desk, absent, data)
            assert foreign.status_code == none.status_code == 404, (suffix, data)
            assert without_csrf(foreign.text) == without_csrf(none.text), (suffix, data)
    [kept] = await stored(db, owner.professional)
    assert (kept.name, kept.revoked_at) == ("Logiciel du cabinet", None)
    assert (await token(client, software)).status_code == 200


async def test_a_patient_cannot_reach_the_software_pages(client, db):
    await activate(client, await new_patient(db))
    page = await client.get("/pro/logiciels", follow_redirects=False)
    assert (page.status_code, page.headers["location"]) == (303, "/connexion")
    sent = await post_form(client, "/pro/logiciels", {"name": "Intrus", "jwk": Software().public_jwk()},
                           follow_redirects=False)
    assert (sent.status_code, sent.headers["location"]) == (303, "/connexion")
    home = (await client.get("/")).text
    assert 'href="/mes-dossiers"' in home and 'href="/pro/logiciels"' not in home  # no such menu link either


async def test_a_key_whose_members_are_of_the_wrong_type_or_purpose_is_refused_on_its_field(client, db):
    pro = await new_professional(db)
    await activate_professional(client, pro)
    public = json.loads(Software().public_jwk())
    for jwk, said in (
        ({"kty": ["EC"]}, "Seules les clés EC (P-384, pour ES384) et RSA"),  # a list once crashed the lookup (500)
        ({"kty": {}}, "Seules les clés EC (P-384, pour ES384) et RSA"),
        ({"keys": [{"kty": ["RSA"]}]}, "Seules les clés EC (P-384, pour ES384) et RSA"),
        ({**public, "crv": ["P-384"]}, "Une clé EC doit être sur la courbe P-384"),
        ({**public, "x": 5}, "Cette clé publique n'est pas une JWK valide."),
        ({**public, "kid": {}}, "Cette clé publique n'est pas une JWK valide."),
        ({**public, "alg": ["ES384"]}, "Cette clé publique n'est pas une JWK valide."),
        # Well typed, but joserfc would then refuse every assertion it signs as "signature invalide".
        ({**public, "alg": "ES256"}, "Cette clé est déclarée pour un autre algorithme"),
        ({**public, "use": "enc"}, "Cette clé n'est pas déclarée pour vérifier des signatures"),
        ({**public, "key_ops": ["encrypt"]}, "Cette clé n'est pas déclarée pour vérifier des signatures"),
    ):
        refused = await post_form(client, "/pro/logiciels", {"name": "Logiciel du cabinet", "jwk": json.dumps(jwk)})
        assert refused.status_code == 400 and said in html.unescape(refused.text), jwk
        assert wrong_fields(refused.text, "register-error") == ["jwk"], jwk
    assert await stored(db, pro.professional) == []

    declared = Software()
    jwk = {**json.loads(declared.public_jwk()), "alg": "ES384", "use": "sig", "key_ops": ["verify"], "kid": "cabinet"}
    sent = await post_form(client, "/pro/logiciels", {"name": "Logiciel du cabinet", "jwk": json.dumps(jwk)},
                           follow_redirects=False)
    assert sent.status_code == 303, sent.text
    declared.client_id = REGISTERED.match(sent.headers["location"]).group(1)
    assert (await token(client, declared)).status_code == 200


async def test_a_key_already_registered_is_refused_so_revoking_one_software_ends_its_key(client, db):
    """An outside probe's find: the same public key registered as two software kept working under the second once the
    first was revoked after a leak. One key, one software, whatever its JSON's order of members."""
    pro = await new_professional(db)
    await activate_professional(client, pro)
    software = await register(client, name="Logiciel à révoquer")
    members = json.loads(software.public_jwk())
    reordered = json.dumps(dict(reversed(list(members.items()))))
    again = await post_form(client, "/pro/logiciels", {"name": "Même clé encore", "jwk": reordered})
    assert again.status_code == 400
    assert ("Cette clé est déjà celle de «\u00a0Logiciel à révoquer\u00a0» : chaque logiciel a sa propre paire de "
            "clés.") in html.unescape(again.text)
    assert wrong_fields(again.text, "register-error") == ["jwk"]
    assert [row.name for row in await stored(db, pro.professional)] == ["Logiciel à révoquer"]
    # Revoked, its key stays revoked: registered again, the leak would be back.
    assert (await post_form(client, f"/pro/logiciels/{software.client_id}/revoquer", {},
                            follow_redirects=False)).status_code == 303
    dead = await post_form(client, "/pro/logiciels", {"name": "Réinstallé", "jwk": reordered})
    assert dead.status_code == 400 and "Cette clé a déjà servi à un autre enregistrement" in html.unescape(dead.text)
    assert (await post_form(client, "/pro/logiciels", {"name": "Réinstallé", "jwk": Software().public_jwk()},
                            follow_redirects=False)).status_code == 303  # a new pair



async def test_a_key_another_professional_registered_is_refused_too(app, client, db):
    """The same probe's find, across two professionals: a colleague's registration of the key kept it working after
    its owner revoked it for a leak."""
    owner = await new_professional(db)
    await activate_professional(client, owner)
    software = await register(client)
    other = await new_professional(db, given_name="Paul", family_name="Girard", stem=2)
    async with AsyncTestClient(app, base_url=ORIGIN) as theirs:
        await activate_professional(theirs, other)
        copied = await post_form(theirs, "/pro/logiciels", {"name": "Le même", "jwk": software.public_jwk()})
    assert copied.status_code == 400
    assert "Cette clé a déjà servi à un autre enregistrement : elle ne peut plus servir." in html.unescape(copied.text)
    assert await stored(db, other.professional) == []
