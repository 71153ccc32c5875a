"""Issue 17, item 7: a keyworker logs a contact with a professional from the agencies
directory about a client, and sees it on the client's file, on the demo data, in a real
browser (the form shows only the fields for the person chosen)."""

from playwright.sync_api import expect

from clients.models import Allocation
from diary.models import Contact
from tests.browser.conftest import DEMO_PASSWORD


def test_keyworker_logs_a_contact_with_a_professional_and_sees_it_on_the_file(
        page, log_in, screenshot, demo):
    dee = (Allocation.objects.current().primary()
           .filter(worker__username="keyworker", client__status="active")
           .order_by("client__pk").first().client)
    log_in("keyworker", DEMO_PASSWORD)
    page.goto(dee.get_absolute_url())

    with_whom = page.get_by_role("group", name="With whom?")
    expect(with_whom.get_by_label("The client")).to_be_checked()
    # The common case asks for nobody's name.
    expect(page.get_by_label("Agency", exact=True)).to_be_hidden()
    expect(page.get_by_label("Their name")).to_be_hidden()

    with_whom.get_by_label("A professional (agency)").check()
    expect(page.get_by_label("Agency", exact=True)).to_be_visible()
    expect(page.get_by_label("Relationship to the client")).to_be_hidden()
    page.get_by_label("Agency", exact=True).select_option(label="Housing Options Team")
    page.get_by_label("Their name").fill("J. Patel")
    page.get_by_role("group", name="Kind of contact").get_by_label("E-mail").check()
    page.locator("form.contact-form").get_by_label("Note").fill(
        "Sent the housing application; they will confirm the band.")
    # (No screenshot of the filled form: taking one leaves style="" on the fields, which
    # htmx's settle then copies and the Content-Security-Policy refuses.)
    page.get_by_role("button", name="Log contact").click()
    expect(page.get_by_role("status")).to_contain_text(
        "E-mail with Housing Options Team — J. Patel logged at")
    screenshot("contact-with-a-professional-logged")
    # The fresh form is back to the client, its other fields hidden again.
    expect(page.get_by_role("group", name="With whom?").get_by_label("The client")).to_be_checked()
    expect(page.get_by_label("Agency", exact=True)).to_be_hidden()

    page.reload()
    timeline = page.locator("#timeline")
    expect(timeline.get_by_text("E-mail with Housing Options Team — J. Patel")).to_be_visible()
    expect(timeline.get_by_text("Sent the housing application; they will confirm the band."
                                )).to_be_visible()
    screenshot("contact-on-the-file")
    contact = Contact.objects.filter(client=dee).latest("created_at")
    assert (contact.with_whom, contact.agency.name, contact.person_name) == (
        "professional", "Housing Options Team", "J. Patel")
    assert not contact.is_with_client
