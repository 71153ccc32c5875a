"""Issue 19, item 4: a client's own page, on a phone. Chloe (a demo client whose page Kim
turned on, who reads Welsh) opens the sign-in page, which is in English, taps "Cymraeg",
asks for a code, reads it in her texts (the fake provider's, in Welsh), signs in, sees her
keyworker, her next session and her plan's goals in Welsh, says she can't make the session
and signs out; Kim, in the same browser, finds it on Today in English, opens it and marks
it read."""

import re

from django.core.cache import cache
from django.utils import translation
from playwright.sync_api import expect

from clients.models import Client
from portal import selectors
from portal.models import ClientNote
from tests.browser.conftest import DEMO_PASSWORD
from tests.messaging.conftest import provider  # noqa: F401 (fixture)

PHONE = {"width": 375, "height": 740}


def test_a_client_signs_in_says_she_cant_make_it_and_kim_reads_it(
        page, log_in, screenshot, demo, provider):  # noqa: F811
    cache.clear()  # the codes-an-hour counters of earlier tests in this process
    chloe = Client.objects.get(portal_access__is_on=True, first_name="Chloe")
    mobile = chloe.portal_access.phone
    session = selectors.next_session(chloe)
    assert session is not None, "the demo books Chloe's next session"

    assert chloe.document_language == "cy", "the demo's Chloe reads Welsh"
    page.set_viewport_size(PHONE)

    page.goto("/me/")
    expect(page).to_have_url("/me/sign-in/")
    expect(page.get_by_role("heading", name="Sign in to your page")).to_be_visible()
    screenshot("portal-sign-in-phone")
    page.get_by_role("link", name="Cymraeg").click()
    expect(page.locator("html")).to_have_attribute("lang", "cy")
    screenshot("portal-sign-in-welsh-phone")
    page.get_by_label("Eich rhif ffôn symudol neu'ch cyfeiriad e-bost").fill(
        "07700 900" + mobile[-3:])
    page.get_by_role("button", name="Anfon cod ataf i").click()
    expect(page.get_by_text("Os oes tudalen gan y rhif neu'r cyfeiriad hwnnw, mae cod ar ei "
                            "ffordd.")).to_be_visible()
    body = [text for text in provider.texts if text["To"] == mobile][-1]["Body"]
    assert body.startswith("Eich cod Keywork yw ")
    code = re.search(r"\b(\d{6})\b", body).group(1)
    page.get_by_label("Y cod 6 rhif a anfonon ni atoch chi").fill(code)
    page.get_by_role("button", name="Mewngofnodi").click()

    expect(page).to_have_url("/me/")
    expect(page.get_by_role("heading", name="Helo Chloe")).to_be_visible()
    expect(page.get_by_role("heading", name="Eich gweithiwr allweddol")).to_be_visible()
    expect(page.get_by_text("Kim", exact=True)).to_be_visible()
    with translation.override("cy"):
        words = selectors.my_page(chloe)["session_words"]
    assert words.startswith("Bydd Kim yn eich gweld yn ")
    expect(page.get_by_text(words)).to_be_visible()
    expect(page.get_by_role("heading", name=re.compile(r"^Nod 1: "))).to_be_visible()
    expect(page.get_by_text("Wedi'i wneud").first).to_be_visible()
    assert "/clients/" not in page.content()
    screenshot("portal-me-phone")

    page.get_by_text("Alla i ddim dod").click()
    page.get_by_label("Pam? (does dim rhaid i chi ddweud)").fill("A hospital appointment")
    page.get_by_role("button", name="Dweud wrth fy ngweithiwr allweddol").click()
    expect(page.get_by_text("Diolch am ddweud wrthon ni.")).to_be_visible()
    expect(page.get_by_text("Rydych chi wedi dweud wrth eich gweithiwr allweddol na allwch "
                            "chi ddod.")).to_be_visible()
    screenshot("portal-me-told-phone")
    page.get_by_role("button", name="Allgofnodi").click()
    expect(page).to_have_url("/me/sign-in/")
    expect(page.get_by_text("Rydych chi wedi allgofnodi.")).to_be_visible()
    page.goto("/me/")
    expect(page).to_have_url("/me/sign-in/")

    log_in("keyworker", DEMO_PASSWORD)
    page.goto("/diary/today/")
    expect(page.locator("html")).to_have_attribute("lang", "en-gb")
    item = page.get_by_role("link", name=re.compile(r"^Chloe says they can't make the session"))
    expect(item).to_be_visible()
    screenshot("portal-today-phone")
    item.click()
    expect(page.get_by_text("A hospital appointment")).to_be_visible()
    page.get_by_role("button", name="Mark as read").click()
    expect(page.get_by_text("Marked as read.")).to_be_visible()
    # Back on Chloe's file: her page's section, with what she sent.
    section = page.get_by_role("region", name="Their own page")
    expect(section.get_by_role("link", name=re.compile("^Can't make a session"))).to_be_visible()
    section.scroll_into_view_if_needed()
    page.screenshot(path=str(screenshot("portal-file-phone").parent / "portal-section.png"),
                    clip=section.bounding_box())
    note = ClientNote.objects.get(client=chloe, kind="cant_make_it")
    assert note.read_by.username == "keyworker" and note.session == session
    page.goto("/diary/today/")
    expect(page.get_by_role("heading", name=re.compile("^Today"))).to_be_visible()
    expect(item).to_have_count(0)


def test_the_next_session_changes_while_the_page_is_open(page, screenshot, demo,
                                                         provider):  # noqa: F811
    """Chloe opens "I can't make it", and before she sends it her keyworker books an
    earlier session: she is shown the session that is next now, and nothing is sent."""
    import datetime

    from tests.factories import KeyworkSessionFactory

    cache.clear()
    chloe = Client.objects.get(portal_access__is_on=True, first_name="Chloe")
    # In English here: the demo's Chloe reads Welsh (the first journey follows her so).
    chloe.document_language = "en-gb"
    chloe.save()
    mobile = chloe.portal_access.phone
    booked = selectors.next_session(chloe)
    page.set_viewport_size(PHONE)
    page.goto("/me/sign-in/")
    page.get_by_label("Your mobile number or e-mail address").fill("07700 900" + mobile[-3:])
    page.get_by_role("button", name="Send me a code").click()
    body = [text for text in provider.texts if text["To"] == mobile][-1]["Body"]
    page.get_by_label("The 6-number code we sent you").fill(re.search(r"\b(\d{6})\b",
                                                                      body).group(1))
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url("/me/")
    page.get_by_text("I can't make it").click()
    earlier = KeyworkSessionFactory(client=chloe, worker=booked.worker, site=chloe.site,
                                    starts_at=booked.starts_at - datetime.timedelta(minutes=30))
    page.get_by_role("button", name="Tell my keyworker").click()
    expect(page.get_by_text("Your next session has changed.")).to_be_visible()
    screenshot("portal-session-changed-phone")
    assert not ClientNote.objects.filter(client=chloe, kind="cant_make_it").exists()
    page.get_by_role("button", name="Tell my keyworker").click()
    expect(page.get_by_text("Thank you for telling us.")).to_be_visible()
    assert ClientNote.objects.get(client=chloe, kind="cant_make_it").session == earlier
