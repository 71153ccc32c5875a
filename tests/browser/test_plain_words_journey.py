"""Issue 15, item 7: a keyworker finds the glossary from the help menu, on a phone and on
a desk, reads the ratings explained above the assessment form, and a session's page in
plain words."""

from playwright.sync_api import expect

from clients.models import Client
from diary.models import KeyworkSession
from staff.models import User
from stages.models import Rating
from tests.browser.conftest import DEMO_PASSWORD


def test_the_glossary_from_the_help_menu_on_a_phone_and_a_desk(page, log_in, screenshot, demo):
    log_in("keyworker", DEMO_PASSWORD)
    for width, height in ((375, 800), (1366, 900)):
        page.set_viewport_size({"width": width, "height": height})
        page.goto("/")
        if width < 768:
            page.get_by_role("button", name="Show menu").click()
        page.get_by_role("button", name="Help").click()
        page.get_by_role("link", name="Words we use").click()
        expect(page.get_by_role("heading", name="Words we use", level=1)).to_be_visible()
        expect(page.get_by_text(str(Rating.ACHIEVING.description))).to_be_visible()
        screenshot(f"glossary-{width}")

    client = Client.objects.filter(allocations__worker__username="keyworker").first()
    page.goto(f"/clients/{client.pk}/assessments/new/")
    expect(page.get_by_role("heading", name="What the ratings mean")).to_be_visible()
    screenshot("assessment-form-ratings-1366")
    page.set_viewport_size({"width": 375, "height": 800})
    screenshot("assessment-form-ratings-375")

    # A session of a client Kim still holds (one of hers moved to Hope House in the demo).
    session = KeyworkSession.objects.filter(
        logged_by__username="keyworker", struck_at=None,
        client__in=Client.objects.in_full_for(User.objects.get(username="keyworker"))
    ).latest("starts_at")
    page.goto(f"/diary/sessions/{session.pk}/")
    expect(page.get_by_role("heading", name="Added later")).to_be_visible()
    expect(page.get_by_role("link", name="Mark as entered in error")).to_be_visible()
    screenshot("session-plain-words-375")
