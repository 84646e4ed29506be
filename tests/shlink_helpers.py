"""SMART Health Links as a client that follows the spec and nothing else reads them, and the links the tests make."""

from __future__ import annotations

import base64
import json
import re
from datetime import date

from fhir.resources.R4B.bundle import Bundle
from jwcrypto import jwe, jwk

from server.auth.accounts import account_for_patient
from server.models import ShareLink
from server.profile.items import ItemInput, add_item, set_item_hidden
from server.shlinks import links
from server.shlinks.links import LinkInput
from tests.conftest import ORIGIN, AsyncTestClient
from tests.patient_helpers import CAMILLE
from tests.test_profile import TODAY


ANOTHER_SITE = {"Origin": "https://urgences.example.org"}
SHLINK = re.compile(re.escape(f"{ORIGIN}/shl#shlink:/") + r"([A-Za-z0-9_-]+)$")
MISSING_LINK = "A" * 43


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def decoded(viewer_url: str) -> dict:
    """The SHL payload of a viewer URL: after "#", "shlink:/", then base64url of minified JSON."""
    match = SHLINK.match(viewer_url)
    assert match, viewer_url
    return json.loads(b64url_decode(match.group(1)))


def decrypted(compact: str, key: str) -> tuple[dict, Bundle]:
    """The JWE opened with the payload's key by jwcrypto (not the server's JOSE library), as a FHIR Bundle."""
    token = jwe.JWE()
    token.deserialize(compact, key=jwk.JWK(kty="oct", k=key))
    return token.jose_header, Bundle.model_validate(json.loads(token.payload))


async def fetch(app, link: dict, *, recipient="Dr Anne Roux, urgences de Lyon", passcode: str | None = None,
                **extra):
    """The manifest request, from another site, with no cookie: a recipient's app."""
    body = {"recipient": recipient, **({"passcode": passcode} if passcode is not None else {}), **extra}
    async with AsyncTestClient(app, base_url=ORIGIN) as stranger:
        return await stranger.post(link["url"].removeprefix(ORIGIN), json=body, headers=ANOTHER_SITE)


def resources(bundle: Bundle, kind: str) -> list:
    return [e.resource for e in bundle.entry if e.resource.get_resource_type() == kind]


async def make_link(db, patient, *, content="emergency", passcode="", label="", duration="7j") -> ShareLink:
    account = await account_for_patient(db, patient=patient.patient)
    return await links.create_link(db, dossier=patient.dossier, account=account, actor=CAMILLE,
                                   data=LinkInput(content=content, label=label, passcode=passcode, duration=duration))


def payload_of(link: ShareLink) -> dict:
    from server.shlinks.payload import viewer_url
    return decoded(viewer_url(link, origin=ORIGIN))


ALLERGY = ItemInput("allergy", label="Pénicilline", detail="Urticaire géante", severity="severe")
HIDDEN = ItemInput("allergy", label="Arachide", detail="Œdème", severity="moderee")
CONTACT = ItemInput("contact", label="Paul Martin", detail="Époux", phone="06 12 34 56 78")
VACCINE = ItemInput("vaccination", label="DTP", started_on=date(2024, 5, 2), lot="X123")


async def emergency_items(db, dossier) -> None:
    for data in (ALLERGY, CONTACT, VACCINE):
        await add_item(db, dossier=dossier, data=data, actor=CAMILLE, today=TODAY)
    hidden = await add_item(db, dossier=dossier, data=HIDDEN, actor=CAMILLE, today=TODAY)
    await set_item_hidden(db, item=hidden, hidden=True, actor=CAMILLE)
