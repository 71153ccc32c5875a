"""Matching and a plan brought in from paper (issue 16), on the demo data, in a browser."""

import datetime
import re

from django.utils import timezone
from playwright.sync_api import expect

from clients.models import Client
from plans import services
from staff.models import User
from tests.browser.conftest import DEMO_PASSWORD
from tests.stages.factories import PDF

DAY = datetime.timedelta(days=1)


def test_manager_allocates_a_polish_speaker_and_records_a_paper_plan(page, log_in, screenshot,
                                                                    demo, settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path
    polish = Client.objects.get(site__code="DC1", languages="Polish, English")
    log_in("manager", DEMO_PASSWORD)
    page.goto(polish.get_absolute_url())
    page.get_by_role("link", name="Admit").click()
    page.get_by_role("button", name="Admit").click()
    page.get_by_role("link", name="Allocate keyworker").click()
    first = page.get_by_label("Keyworker").locator("option").nth(1)
    expect(first).to_have_text(re.compile(r"^Kim Walker: Speaks Polish, English · \d+ places "
                                          r"left$"))
    expect(page.locator("#matches-heading + ol > li").first).to_have_text(
        re.compile(r"^Kim Walker: Speaks Polish, English · \d+ places left$"))
    screenshot("allocate-matches")
    page.get_by_label("Keyworker").select_option(first.get_attribute("value"))
    page.get_by_role("button", name="Allocate").click()
    expect(page.get_by_text("Kim Walker is now")).to_be_visible()

    # The paper plan, typed in as it reads: it started a month ago and its review has passed.
    today = timezone.localdate()
    kim = User.objects.get(username="keyworker")
    polish.refresh_from_db()
    plan = services.plan_start(client=polish, by=kim, starts_on=today - 30 * DAY,
                               review_on=today - 2 * DAY, vision="Mój własny dom.")
    services.goal_save(plan=plan, lock_version=plan.lock_version, by=kim, text="A flat",
                       actions=[{"what": "Register with the council", "who": "client",
                                 "due_on": today + 7 * DAY}], milestones=[])
    page.goto(plan.get_absolute_url())
    page.get_by_role("link", name="Signed on paper").click()
    page.get_by_label("Scan of the signed plan").set_input_files(
        files=[{"name": "signed-plan.pdf", "mimeType": "application/pdf", "buffer": PDF}])
    page.get_by_label("Worker's name as signed").fill("Kim Walker")
    page.get_by_role("button", name="Record the signed paper plan").click()
    day = today - 30 * DAY
    expect(page.get_by_text(f"Signed on paper on {day.day} {day:%b %Y}: the signed original "
                            "is held on file.")).to_be_visible()
    expect(page.get_by_text("The review was due on")).to_be_visible()
    screenshot("plan-signed-on-paper")
    scan = page.request.get(page.get_by_role(
        "link", name="Open the scan of the signed original").get_attribute("href"))
    assert scan.status == 200 and scan.body().startswith(b"%PDF")
