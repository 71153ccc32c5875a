"""Issue 16: a referral that never arrives is closed, and a referral to an agency asks for
the client's consent to share before it is sent. On the demo data, in a real browser."""

import datetime

from django.utils import timezone
from playwright.sync_api import expect

from clients.models import Client
from plans.models import Referral
from tests.browser.conftest import DEMO_PASSWORD, choose


def test_manager_closes_a_referral_and_refers_on_consent_given_now(page, log_in, screenshot,
                                                                  demo):
    waiting = Client.objects.filter(site__code="DC1", status="referred").first()
    active = Client.objects.filter(site__code="DC1", status="active").first()
    log_in("manager", DEMO_PASSWORD)

    page.goto(waiting.get_absolute_url())
    page.get_by_role("link", name="Close the referral").click()
    page.get_by_label("Did not arrive").check()
    page.get_by_label("Why").select_option(label="Could not be contacted")
    page.get_by_label("More about it").fill("No answer on the phone number given.")
    screenshot("close-referral")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Close the referral").click()
    expect(page.get_by_text("is closed: did not arrive")).to_be_visible()
    expect(page.get_by_text("the referral closed on")).to_be_visible()

    page.goto(active.get_absolute_url())
    page.get_by_role("link", name="Refer", exact=True).click()
    choose(page, "Agency", r"^Northfield College")
    page.get_by_label("Reason*", exact=True).fill("Wants an English course")
    page.get_by_role("button", name="Save the referral").click()
    expect(page.get_by_text("has no consent in force to share information with "
                            "Northfield College")).to_be_visible()
    screenshot("referral-asks-for-consent")
    page.get_by_label("The client gives consent now").check()
    page.get_by_label("How consent was given").select_option(label="In writing (signed form)")
    page.get_by_label("Consent expires on").fill(
        (timezone.localdate() + datetime.timedelta(days=180)).isoformat())
    page.get_by_role("button", name="Save the referral").click()
    expect(page.get_by_text("Referral saved, on the client's consent")).to_be_visible()
    referral = Referral.objects.get(client=active, agency__name="Northfield College")
    assert referral.consent.how == "in_writing"
    waiting.refresh_from_db()
    assert waiting.status == Client.Status.DID_NOT_ARRIVE
