"""Issue 17, item 3: a keyworker raises a safeguarding concern from a client's file, a
manager reviews and closes it, and records a ban that then shows on the file, on the demo
data, in a real browser."""

import datetime

from django.utils import timezone
from playwright.sync_api import expect

from clients.models import Allocation
from safeguarding.models import Ban, Incident
from tests.browser.conftest import DEMO_PASSWORD, choose


def test_a_concern_is_raised_reviewed_closed_and_a_ban_shows_on_the_file(page, log_in,
                                                                         screenshot, demo):
    held = Allocation.objects.current().primary().filter(
        worker__username="keyworker", client__status="active").order_by("-client__pk")
    client, other = held[0].client, held[1].client
    log_in("keyworker", DEMO_PASSWORD)
    page.goto(client.get_absolute_url())
    page.get_by_role("link", name="Raise a concern or incident").click()
    # Raised from the file, the client is already chosen in the picker.
    expect(page.get_by_role("checkbox", name=f"{client.display_name} ({client.reference})")
           ).to_be_checked()
    # Another client involved is found by typing, and ticked.
    page.get_by_label("Find by name or reference").fill(other.reference)
    page.get_by_role("checkbox", name=f"{other.display_name} ({other.reference})").check()
    choose(page, "Kind", "^Incident$")
    page.get_by_label("Where").fill("Garden")
    page.get_by_label("What happened").fill(
        "Pushed another man over by the bike shed during a row about a lighter.")
    page.get_by_label("Immediate action taken").fill("First aid given; both spoken to apart.")
    choose(page, "Risk level", "^High$")
    page.get_by_label("Risk the team must know").fill("Keep him away from the bike shed.")
    screenshot("safeguarding-raise")
    page.get_by_role("button", name="Raise it").click()
    expect(page.get_by_text("Recorded. The managers of the site")).to_be_visible()
    incident = Incident.objects.latest("pk")
    assert set(incident.involved.values_list("client", flat=True)) == {client.pk, other.pk}

    page.context.clear_cookies()
    log_in("manager", DEMO_PASSWORD)
    page.goto("/safeguarding/")
    page.get_by_role("link", name=incident.happened_on.strftime("%-d %b %Y")).first.click()
    expect(page.get_by_text("Pushed another man over by the bike shed")).to_be_visible()
    page.get_by_label("What the review found").fill("Spoke to both; CCTV checked.")
    page.get_by_label("Follow-up").fill("Keyworker to talk it through at the next session.")
    page.get_by_role("button", name="Save the review").click()
    expect(page.get_by_text("Review saved.")).to_be_visible()
    page.get_by_label("Outcome").fill("Apology made; no further incident in a week.")
    screenshot("safeguarding-review")
    page.get_by_role("button", name="Close the record").click()
    expect(page.get_by_text("Closed. The record is kept.")).to_be_visible()
    incident.refresh_from_db()
    assert incident.closed_at and incident.reviewed_by.username == "manager"

    page.goto(client.get_absolute_url())
    expect(page.get_by_text("Keep him away from the bike shed.")).to_have_count(0)
    page.get_by_role("link", name="Record a ban").click()
    page.get_by_label("Reason").fill("Fighting in the garden, second time this month.")
    review = timezone.localdate() + datetime.timedelta(days=14)
    page.get_by_label("Review by").fill(review.isoformat())
    page.get_by_role("button", name="Record the ban").click()
    expect(page.get_by_text("Ban recorded.")).to_be_visible()
    expect(page.get_by_text("Fighting in the garden, second time this month.")).to_be_visible()
    screenshot("safeguarding-ban-on-file")
    ban = Ban.objects.latest("pk")
    assert (ban.client_id, ban.decided_by.username, ban.review_on) == (client.pk, "manager",
                                                                       review)
