"""Web Push end to end (issue 5): the patient's phone subscribes, the kiné opens the dossier for the
first time on her computer, and the phone's push service receives exactly one message.

The push service is a local stand-in (tests/push_service.py) on 127.0.0.1, which the server,
started with CARNET_ENV=test, accepts as an endpoint.
"""

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import expect

from tests.e2e.steps import log_in, log_in_professional, open_access_line
from tests.push_service import PushService

pytestmark = pytest.mark.e2e

READ = {"title": "Carnet", "body": "Un professionnel a consulté votre dossier.", "url": "/historique"}
SUBSCRIBED = "Les notifications sont activées sur cet appareil."

# What push.js does once PushManager.subscribe has answered: the same request, with the same headers.
POST_SUBSCRIPTION = """async (subscription) => {
  const response = await fetch("/notifications/abonnement", {
    method: "POST",
    credentials: "same-origin",
    headers: {"Content-Type": "application/json", "Accept": "application/json",
              "x-csrftoken": document.querySelector("[data-csrf-token]").dataset.csrfToken},
    body: JSON.stringify(subscription),
  });
  return [response.status, await response.json()];
}"""


def test_the_phone_is_pushed_once_when_the_kine_first_opens_the_dossier(
    page, context, computer, console, server, seed, seed_professional, seed_grant,
):
    patient, kine = seed(), seed_professional()
    seed_grant(patient, kine)
    desk = computer.page
    context.grant_permissions(["notifications"], origin=server.url)
    log_in(page, patient)

    with PushService() as push_service:
        # On "Accès", the patient asks for notifications on this phone.
        page.get_by_role("navigation", name="Menu principal").get_by_role("link", name="Accès", exact=True).click()
        open_access_line(page, "Notifications")
        notifications = page.get_by_role("region", name="Notifications")
        notifications.get_by_role("button", name="Recevoir des notifications sur cet appareil").click()
        status = notifications.get_by_role("status")
        expect(status).not_to_have_text(re.compile(r"^(Activation…)?$"), timeout=20_000)
        # Chromium's real PushManager.subscribe cannot succeed here: Playwright's contexts are
        # incognito, where Chromium has no Push API (it says so in the console, and rejects),
        # and a persistent profile would register with the vendor's push service (FCM), which
        # this machine cannot reach. push.js then says the activation failed. In its place the
        # phone's subscription is one made as a browser makes it (a P-256 key pair and 16 auth
        # bytes), pointing at the local push service, and posted through the very request
        # push.js makes. Should a Chromium ever subscribe here, its own endpoint would simply
        # fail to receive, which the server logs and survives.
        console.allow("does not support the Push API in incognito mode")
        if status.inner_text() != SUBSCRIBED:
            expect(status).to_have_text(re.compile("n'a pas abouti"))
        phone = push_service.device("telephone-de-camille")
        answer = page.evaluate(POST_SUBSCRIPTION, phone.subscription())
        assert answer == [200, {"message": SUBSCRIBED}]

        # The kiné opens the dossier for the first time, then a document.
        log_in_professional(desk, kine)
        desk.get_by_role("link", name=re.compile("MARTIN Camille")).click()
        expect(desk.get_by_text(re.compile("Accès accordé par la patiente"))).to_be_visible()
        assert len(push_service.wait_for(1)) == 1
        desk.get_by_role("link", name=re.compile("IRM du genou droit")).click()
        expect(desk.get_by_role("heading", name="IRM du genou droit")).to_be_visible()
        time.sleep(1)  # what a second push would need to arrive

        [message] = push_service.to(phone)
        assert len(push_service.received) == 1
        assert phone.read(message) == READ  # generic words and a link: nothing about her health

    # Back on her dossier, the patient sees who it was, and clears it.
    page.get_by_role("navigation", name="Menu principal").get_by_role("link", name="Mon dossier").click()
    banner = page.get_by_role("region", name="Nouveaux accès au dossier")
    expect(banner).to_contain_text(f"{kine.name}, {kine.profession}, a consulté votre dossier")
    banner.get_by_role("button", name=re.compile("^Vu")).click()
    expect(banner).to_have_count(0)
    page.reload()
    expect(page.get_by_role("heading", name="Mon dossier")).to_be_visible()
    expect(page.get_by_role("region", name="Nouveaux accès au dossier")).to_have_count(0)
