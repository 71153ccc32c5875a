"""Issue 15 item 5: a supervision's caseload at a glance, on a laptop and on a phone.

The demo's seven clients of Kim Walker took about 3,800 px at 1366 px wide when each
showed its raw change trail (5,200 px for a draft, with its forms); the summary with the
trail folded away takes well under that (heights printed with -s)."""

import re

from django.utils import timezone
from playwright.sync_api import expect

from staff.models import User
from supervision import selectors, services
from supervision.models import Supervision
from tests.browser.conftest import DEMO_PASSWORD

# document.body.scrollHeight at 1366 px for the demo's supervisions (seven clients): a
# record signed off, and a draft with its forms (a discussion box for each client, the
# keyworker's notes, an action to agree). Before: 3,780 and 5,163. The draft measured
# 3,540 once issue 16 added what a supervision should see (re-assessments due, a promotion
# at the manager's discretion with its unmet tasks, consents to renew, keywork recorded late).
MOST_AT_1366 = {"signed": 2600, "draft": 3600}


def test_a_supervision_reads_at_a_glance(page, log_in, screenshot, demo):
    manager = User.objects.get(username="manager")
    kim = User.objects.get(username="keyworker")
    started = services.supervision_start(manager=manager, keyworker=kim,
                                         held_on=timezone.localdate(),
                                         agenda=selectors.agenda_for(kim))
    log_in("manager", DEMO_PASSWORD)
    for record in Supervision.objects.order_by("pk"):
        for width in (1366, 375):
            page.set_viewport_size({"width": width, "height": 900})
            page.goto(record.get_absolute_url())
            cards = page.locator("article.glance")
            expect(cards).to_have_count(record.discussions.count())
            height = page.evaluate("document.body.scrollHeight")
            print(f"supervision {record.pk} ({record.status}) at {width} px: {height} px")
            screenshot(f"supervision-glance-{record.pk}-{width}")
            if width == 1366:
                kind = "draft" if record.status == Supervision.Status.DRAFT else "signed"
                assert height <= MOST_AT_1366[kind], (kind, height)
    # Every client by name and reference, never by date of birth.
    text = page.locator("main").inner_text()
    for discussion in started.discussions.select_related("client"):
        assert discussion.client.reference in text
        assert str(discussion.client.date_of_birth.year) not in text
    # What changed, at a glance; the trail of every change one click away.
    first = page.locator("article.glance").first
    expect(first.get_by_text(re.compile(r"\d+ held of \d+ expected"))).to_be_visible()
    expect(first.locator(".change-list")).to_be_hidden()
    first.locator("summary").click()
    expect(first.locator(".change-list")).to_be_visible()
    screenshot("supervision-glance-trail-open")
