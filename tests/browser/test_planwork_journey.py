"""Issue 17, item 6: a keyworker logs a session that works on two actions of the client's
plan (one done, one partly), then opens the plan and sees both moved on, with the session
listed under each, on the demo data, in a real browser."""

import datetime
import re

from django.utils import timezone
from playwright.sync_api import expect

from clients.models import Allocation
from diary.models import ActionProgress
from plans import selectors as plan_selectors
from plans.models import Action
from staff.models import User
from tests.browser.conftest import DEMO_PASSWORD
from tests.factories import KeyworkSessionFactory


def test_a_session_updates_two_plan_actions_and_the_plan_lists_it(page, log_in, screenshot,
                                                                  demo):
    # A session with one of `keyworker`'s clients whose plan in force has open actions,
    # booked to start half an hour ago.
    kim = User.objects.get(username="keyworker")
    dee = next(allocation.client for allocation in Allocation.objects.current().primary()
               .filter(worker=kim).select_related("client").order_by("client__pk")
               if len(plan_selectors.open_actions(allocation.client)) >= 2)
    session = KeyworkSessionFactory(
        client=dee, worker=kim, expected_minutes=30,
        starts_at=timezone.now().replace(second=0, microsecond=0) - datetime.timedelta(
            minutes=30))
    first, second = plan_selectors.open_actions(dee)[:2]
    log_in("keyworker", DEMO_PASSWORD)

    page.goto(f"/diary/sessions/{session.pk}/log/")
    expect(page.get_by_role("heading", name="The plan's actions")).to_be_visible()
    page.get_by_label("What was discussed").fill("Went through the plan, action by action.")
    done = page.get_by_role("group", name=f"{first.number}. {first.what}")
    done.get_by_label("Done", exact=True).check()
    page.get_by_label(f"Note on action {first.number}", exact=True).fill(
        "Rang the surgery together: registered.")
    partly = page.get_by_role("group", name=f"{second.number}. {second.what}")
    partly.get_by_label("Partly", exact=True).check()
    page.get_by_label(f"Note on action {second.number}", exact=True).fill(
        "Half the form filled in; the rest next week.")
    screenshot("log-with-plan-actions")
    page.get_by_role("button", name="Save the log").click()
    expect(page.get_by_text("Session logged.")).to_be_visible()
    expect(page.get_by_text("Rang the surgery together: registered.")).to_be_visible()

    page.get_by_role("link", name="Open the plan").click()
    expect(page.get_by_role("heading", name=re.compile("Support plan"))).to_be_visible()
    done_row = page.locator(f"#action-{first.pk}")
    expect(done_row.locator(".badge", has_text="Done")).to_be_visible()
    expect(done_row.get_by_text("Worked on at sessions")).to_be_visible()
    expect(done_row.get_by_role("listitem").filter(
        has_text="Rang the surgery together: registered.")).to_be_visible()
    partly_row = page.locator(f"#action-{second.pk}")
    expect(partly_row.get_by_role("listitem").filter(
        has_text="Half the form filled in; the rest next week.")).to_be_visible()
    expect(partly_row.locator("li strong", has_text="Partly")).to_be_visible()
    screenshot("plan-with-sessions")

    first.refresh_from_db()
    second.refresh_from_db()
    assert first.outcome == Action.Outcome.DONE
    assert second.outcome == Action.Outcome.OPEN
    assert second.learnt == "Half the form filled in; the rest next week."
    assert ActionProgress.objects.filter(session=session).count() == 2
