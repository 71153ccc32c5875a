"""Issue 17, item 2: a manager starts a group, books a session, names it as the evidence of
a ladder task, marks the register, and sees the client's rate and the task evidenced from
it, on the demo data, in a real browser."""

from django.urls import reverse
from playwright.sync_api import expect

from clients.models import Client
from stages.models import Evidence, Ladder, LadderTask
from stages.services import current_stage
from tests.browser.conftest import DEMO_PASSWORD, choose, pick


def test_a_register_evidences_a_ladder_task(page, log_in, screenshot, demo):
    task = LadderTask.objects.get(stage__ladder=Ladder.objects.current(),
                                  text__startswith="100 %")
    resident = next(c for c in Client.objects.filter(site__code="HH1").open()
                    .order_by("last_name", "pk")
                    if current_stage(c) is not None
                    and not c.evidence.counting().filter(task=task).exists())
    log_in("manager", DEMO_PASSWORD)

    page.get_by_role("button", name="Centre").click()
    page.get_by_role("link", name="Groups", exact=True).click()
    choose(page, "Site", r"^Hope House")
    page.get_by_role("button", name="Show").click()
    page.get_by_role("link", name="New activity").click()
    page.get_by_label("Name").fill("Budgeting workshop")
    page.get_by_label("Usual place").fill("Training room")
    page.get_by_label("Capacity").fill("6")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Budgeting workshop added.")).to_be_visible()

    page.get_by_role("link", name="New session").click()
    page.get_by_label("Day").fill(_today())
    page.get_by_label("Starts at").fill("00:01")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Session saved.")).to_be_visible()
    screenshot("group-page")

    page.goto(reverse("activities:list"))
    page.get_by_role("link", name="Ladder tasks counted from registers").click()
    choose(page, "Ladder task", r": 100 %")
    choose(page, "Counted from the register of", r"^Budgeting workshop")
    page.get_by_label("Rate needed (%)").fill("100")
    # A short course: one session held is enough here (4 unless the manager says otherwise).
    page.get_by_label("Sessions held, at least").fill("1")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("100% of the Budgeting workshop sessions")).to_be_visible()

    page.goto(reverse("activities:list"))
    page.get_by_role("link", name="Budgeting workshop").click()
    page.get_by_role("link", name=_today_shown()).click()
    pick(page, "Add someone who is not a member", resident)
    screenshot("register")
    page.get_by_role("button", name="Save the register").click()
    expect(page.get_by_text("Register saved: 1 came.")).to_be_visible()
    expect(page.get_by_text("attended 1 of 1 (100%)")).to_be_visible()

    page.goto(resident.get_absolute_url())
    expect(page.get_by_text("Attended 1 of 1 sessions (100%)")).to_be_visible()
    page.goto(f"/clients/{resident.pk}/ladder/")
    page.get_by_text("Higher stages (tasks can be evidenced early)").click()
    figures = ("attended 1 of 1 Budgeting workshop sessions, 100%; 100% of at least 1 session "
               "needed")
    expect(page.get_by_text(figures).first).to_be_visible()
    screenshot("ladder-evidenced")
    evidence = Evidence.objects.counting().get(client=resident, task=task)
    assert evidence.what == figures


def _today():
    from django.utils import timezone

    return timezone.localdate().isoformat()


def _today_shown():
    from django.utils import timezone

    day = timezone.localdate()
    return f"{day:%a} {day.day} {day:%b %Y} 00:01"
