"""Reading a PDF on a phone (issue 13): its pages come first, sharp at the screen's pixel ratio, and
each opens alone full screen, where pinching zooms in; with or without JavaScript."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.seeding import PDF_PAGES
from tests.e2e.steps import assert_fits_phone, back, log_in, page_ready, wait_for_image

pytestmark = pytest.mark.e2e

SCREEN = {"width": 360, "height": 740}
PIXEL_RATIO = 3
SHARP_PHONE = {"viewport": SCREEN, "device_scale_factor": PIXEL_RATIO, "is_mobile": True, "has_touch": True,
               "locale": "fr-FR", "timezone_id": "Europe/Paris"}
DOCUMENT = "IRM du genou droit"


@pytest.fixture(params=[True, False], ids=["javascript", "no-javascript"])
def reader(request, browser, server, page, console, seed):
    """A 3x phone holding the session of a patient who logged in with a passkey (which needs JavaScript)."""
    log_in(page, seed())
    context = browser.new_context(base_url=server.url, java_script_enabled=request.param, **SHARP_PHONE)
    context.add_cookies(page.context.cookies())
    phone = context.new_page()
    phone.on("console", lambda m: console.append(f"{m.text} ({phone.url})") if m.type == "error" else None)
    phone.on("pageerror", lambda e: console.append(f"uncaught: {e} ({phone.url})"))
    yield phone
    context.close()


def shown_width(image) -> float:
    return image.evaluate("img => img.getBoundingClientRect().width")


def zoomed(page) -> float:
    """The visual viewport's scale once the gesture has ended (it is not a page event: polled)."""
    scale = 1.0
    for _ in range(50):
        scale = page.evaluate("() => window.visualViewport.scale")
        if scale > 2:
            break
        page.wait_for_timeout(100)
    return scale


def test_a_pdf_page_is_read_first_sharp_and_opens_full_screen_to_pinch(reader, request):
    page = reader
    javascript = request.node.callspec.params["reader"]
    page.goto("/")
    page.get_by_role("link", name=re.compile(DOCUMENT)).click()
    expect(page.get_by_role("heading", name=DOCUMENT)).to_be_visible()
    page_ready(page)  # loaded whole (the timeline's links are not boosted): the view's "Fermer" is carnet.js's
    first = page.get_by_role("img", name=f"Page 1 sur {PDF_PAGES}")

    # The page is the first thing under the title: it starts on the first screen, most of which it fills.
    box = first.bounding_box()
    assert box["y"] < SCREEN["height"] / 2, f"the first page starts {box['y']:.0f} px down a {SCREEN['height']} px screen"
    # The phone's full width, with a pixel of the image for every pixel of the screen.
    assert page.evaluate("() => window.devicePixelRatio") == PIXEL_RATIO
    assert shown_width(first) == SCREEN["width"]
    assert wait_for_image(first) >= shown_width(first) * PIXEL_RATIO
    # The actions and details come after the pages, compact: a row of small buttons, a short list.
    download = page.get_by_role("link", name="Télécharger")
    assert download.bounding_box()["y"] > page.get_by_role("img", name=f"Page {PDF_PAGES} sur {PDF_PAGES}").bounding_box()["y"]
    assert download.bounding_box()["width"] < SCREEN["width"] / 2
    assert download.bounding_box()["y"] == page.get_by_role("link", name="Supprimer").bounding_box()["y"]  # one row
    assert_fits_phone(page)

    # The pages are images: their text, as written, is one tap away, for a screen reader or a copy (WCAG 1.1.1).
    written = page.locator("details.doc-pdf-text pre")
    expect(written).to_be_hidden()
    page.get_by_text("Lire le texte du document").click()
    expect(written).to_contain_text(f"{DOCUMENT} - page 1")
    expect(written).to_contain_text(f"{DOCUMENT} - page {PDF_PAGES}")
    assert_fits_phone(page)
    page.get_by_text("Lire le texte du document").click()
    expect(written).to_be_hidden()

    # A tap opens the page alone, the screen's width, as sharp.
    first.tap()
    expect(page).to_have_url(re.compile(r"/documents/\w+/pages/1/plein-ecran$"))
    alone = page.get_by_role("img", name=f"Page 1 sur {PDF_PAGES}")
    assert alone.bounding_box()["y"] < 100
    assert shown_width(alone) == SCREEN["width"]
    assert wait_for_image(alone) >= shown_width(alone) * PIXEL_RATIO
    assert_fits_phone(page)

    # The next page, alone too.
    page.get_by_role("link", name="Page suivante").click()
    second = page.get_by_role("img", name=f"Page 2 sur {PDF_PAGES}")
    assert wait_for_image(second) >= shown_width(second) * PIXEL_RATIO

    # Two fingers spread over it zoom in: the browser's own pinch-zoom, which the viewport allows. (Chromium's
    # synthetic pinch of gestureSourceType "touch" zooms nothing headless; the default one zooms a page, and
    # not one whose viewport says user-scalable=no.)
    cdp = page.context.new_cdp_session(page)
    cdp.send("Input.synthesizePinchGesture", {"x": 180, "y": 300, "scaleFactor": 2.5})
    assert zoomed(page) > 2, "the page did not zoom in"
    cdp.send("Input.synthesizePinchGesture", {"x": 60, "y": 100, "scaleFactor": 0.4})  # and back out (x, y: in the zoomed view)
    cdp.detach()

    # "Fermer" goes back to the document, at the page that was open.
    page.get_by_role("link", name="Fermer").click()
    expect(page).to_have_url(re.compile(r"/documents/\w+#page-2$"))
    expect(page.get_by_role("heading", name=DOCUMENT)).to_be_visible()
    expect(page.get_by_role("img", name=f"Page 2 sur {PDF_PAGES}")).to_be_in_viewport()
    assert_fits_phone(page)
    # The view was closed, not a page gone on to: Back leaves the document, as it would have without the view
    # (with JavaScript; without, "Fermer" is a link forward, and Back returns to the view).
    back(page)
    if javascript:
        expect(page).to_have_url(re.compile(r"/dossiers/\w+$"))
        expect(page.get_by_role("link", name=re.compile(DOCUMENT))).to_be_visible()
    else:
        expect(page).to_have_url(re.compile(r"/pages/2/plein-ecran$"))
