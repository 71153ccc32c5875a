"""Issue 17, item 4: a manager records a keyworker's leave, arranges cover for all their
clients in one action, and the moved sessions show in the cover worker's diary."""

import datetime

from django.utils import timezone
from playwright.sync_api import expect

from clients.models import Allocation
from diary.models import KeyworkSession, StaffAbsence
from keywork.lib import dates
from tests.browser.conftest import DEMO_PASSWORD, choose
from tests.factories import KeyworkSessionFactory, local_moment

DAY = datetime.timedelta(days=1)


def test_manager_records_leave_and_moves_the_sessions_to_cover(page, log_in, screenshot,
                                                                demo):
    # A Monday two weeks on, so that the session on the Tuesday is in the week the cover
    # worker's diary opens on (from a Sunday it was the next week: the test failed on
    # Saturdays).
    first = dates.week_start(timezone.localdate()) + 14 * DAY
    last = first + 4 * DAY
    kim = Allocation.objects.current().primary().filter(
        worker__username="keyworker", client__status="active").order_by("client__pk").first()
    client, worker = kim.client, kim.worker
    booked = KeyworkSessionFactory(client=client, worker=worker,
                                   starts_at=local_moment(first + DAY, 7, 30),
                                   expected_minutes=30)
    log_in("manager", DEMO_PASSWORD)

    page.goto("/dashboard/")
    expect(page.get_by_role("heading", name="Who is away this week")).to_be_visible()
    page.get_by_role("link", name="Absence and cover").first.click()
    page.get_by_role("link", name="Record an absence").click()
    choose(page, "Who is away", r"^Kim Walker")
    page.get_by_label("Kind of absence").select_option("leave")
    page.get_by_label("First day away").fill(first.isoformat())
    page.get_by_label("Last day away").fill(last.isoformat())
    screenshot("absence-form")
    page.get_by_role("button", name="Record the absence").click()

    expect(page.get_by_role("heading",
                            name="Arrange cover for Kim Walker's clients")).to_be_visible()
    expect(page.get_by_role("heading", name=str(client))).to_be_visible()
    choose(page, "Cover for every client left blank", r"^Sam Okafor")
    page.get_by_label("Handover note").fill("Plans and risks are on each file.")
    screenshot("cover-form")
    page.get_by_role("button", name="Arrange cover and move the sessions").click()

    expect(page.get_by_role("heading", name="Cover arranged")).to_be_visible()
    moved = page.get_by_role("listitem").filter(has=page.get_by_role("heading",
                                                                    name=str(client)))
    expect(moved.get_by_text("1 session moved:")).to_be_visible()
    expect(moved.get_by_text("to Sam Okafor")).to_be_visible()
    screenshot("cover-arranged")
    booked.refresh_from_db()
    assert booked.worker.username == "keyworker2"
    absence = StaffAbsence.objects.get(worker=worker, first_day=first)
    assert absence.last_day == last
    assert Allocation.objects.filter(client=client, kind=Allocation.Kind.COVER,
                                     worker__username="keyworker2", start=first).exists()

    moved.get_by_role("link", name="Sam Okafor's diary").click()
    expect(page.get_by_text(str(client)).first).to_be_visible()
    screenshot("cover-worker-diary")
    assert KeyworkSession.objects.get(pk=booked.pk).client.allocations.current(
        first).primary().get().worker == worker
