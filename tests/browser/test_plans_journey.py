"""The support-plan journey of issue 6, on the demo data, in a real browser.

Kim writes a plan with a client (three goals, five actions with who and when, two
milestones, an agency leading one goal); at tablet width the client signs with a finger
(touch input) and Kim with the mouse; the PDF downloads and shows it all with both
signatures; a change makes a new draft that shows the difference. Then the manager signs
off a 4-13 week review.
"""

import datetime
import re
import subprocess

from django.utils import timezone
from playwright.sync_api import expect

from clients.models import Client
from plans.models import Plan, Signature
from tests.browser.conftest import DEMO_PASSWORD, SCREENSHOTS, choose

TABLET = {"width": 820, "height": 1180}


def shot(page, name):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def draw_with_finger(page, canvas):
    """A signature drawn by touch: Chromium turns these into pointer events, as a tablet's."""
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    cdp = page.context.new_cdp_session(page)
    x, y = box["x"] + 30, box["y"] + box["height"] * 0.7
    cdp.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [{"x": x, "y": y}]})
    for step in range(1, 16):
        x += (box["width"] - 80) / 15
        y = box["y"] + box["height"] * (0.3 if step % 2 else 0.7)
        cdp.send("Input.dispatchTouchEvent", {"type": "touchMove",
                                              "touchPoints": [{"x": x, "y": y}]})
    cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})


def draw_with_mouse(page, canvas):
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    page.mouse.move(box["x"] + 20, box["y"] + box["height"] / 2)
    page.mouse.down()
    for step in range(1, 12):
        page.mouse.move(box["x"] + 20 + step * (box["width"] - 40) / 11,
                        box["y"] + box["height"] * (0.25 if step % 2 else 0.75), steps=3)
    page.mouse.up()


def add_goal(page, text, actions, milestones, *, lead=None, then="Save and add another goal"):
    page.get_by_label("Goal, in the client's own words").fill(text)
    if lead:
        choose(page, "Another agency leads on it", lead)
    for n, (what, who, days, agency) in enumerate(actions):
        if n >= 2:
            page.get_by_role("button", name="Add another action").click()
        row = page.locator("[data-formset='actions'] [data-formset-row]").nth(n)
        row.get_by_label("What").fill(what)
        row.get_by_label("Who").select_option(label=who)
        if agency:
            row.get_by_label("Which agency").select_option(label=agency)
        row.get_by_label("When?").fill(
            (timezone.localdate() + datetime.timedelta(days=days)).isoformat())
    for n, (what, days) in enumerate(milestones):
        row = page.locator("[data-formset='milestones'] [data-formset-row]").nth(n)
        row.get_by_label("How we will know we are getting there").fill(what)
        row.get_by_label("Target date").fill(
            (timezone.localdate() + datetime.timedelta(days=days)).isoformat())
    page.get_by_role("button", name=then).click()
    expect(page.get_by_text("Goal saved.")).to_be_visible()


def test_a_plan_is_written_signed_printed_changed_and_signed_off(page, log_in, demo, tmp_path):
    log_in("keyworker", DEMO_PASSWORD)
    keyworker_writes_a_plan_both_sign_it_prints_it_and_changes_it(page, tmp_path)
    page.context.clear_cookies()
    page.set_viewport_size({"width": 1280, "height": 900})
    log_in("manager", DEMO_PASSWORD)
    manager_signs_off_a_4_to_13_week_review(page)


def keyworker_writes_a_plan_both_sign_it_prints_it_and_changes_it(page, tmp_path):
    client = Client.objects.get(site__code="DC1", status="admitted",
                                allocations__worker__username="keyworker")
    page.set_viewport_size(TABLET)
    page.goto("/")
    page.get_by_role("link", name=str(client)).first.click()
    page.get_by_role("link", name="Write a plan").click()
    page.get_by_label("The client's picture of how things should be").fill(
        "My own flat, and my son visiting on Sundays.")
    page.get_by_label("Strengths and resources").fill("Good cook. My brother helps me.")
    page.get_by_label("What may get in the way").fill(
        "Rent arrears from before: ask Citizens Advice about a payment plan.")
    page.get_by_role("button", name="Save and add goals").click()
    expect(page.get_by_text("Draft plan started")).to_be_visible()

    add_goal(page, "I want my own flat by the summer.", [
        ("Fill in the housing register form", "The client", 4, None),
        ("Ring the housing officer about my band", "The keyworker", 6, None),
    ], [("On the housing register", 21)], lead="Housing Options Team")
    shot(page, "plans-goal-form")
    add_goal(page, "I want to cut down my drinking.", [
        ("Go to the Tuesday recovery group", "The client", 7, None),
        ("Assess me for a detox", "Another agency", 14, "Community Drug and Alcohol Service"),
    ], [("Three dry days in a week", 28)])
    add_goal(page, "I want to see a GP about my chest.", [
        ("Register at Riverside Medical Centre", "The client", 3, None),
    ], [], then="Save the goal")
    expect(page.get_by_role("heading", name="Goal 3: I want to see a GP about my chest.")
           ).to_be_visible()
    shot(page, "plans-draft")

    page.get_by_role("link", name="Sign with the client").click()
    client_form = page.locator("form", has=page.get_by_role("heading", name="The client signs"))
    draw_with_finger(page, client_form.locator("canvas"))
    shot(page, "plans-sign-tablet")
    client_form.get_by_role("button", name="Save the client's signature").click()
    expect(page.get_by_text("Signature saved.")).to_be_visible()
    worker_form = page.locator("form", has=page.get_by_role("heading", name="A worker signs"))
    draw_with_mouse(page, worker_form.locator("canvas"))
    worker_form.get_by_role("button", name="Save my signature").click()
    expect(page.get_by_text("Both have signed: version 1 is now in force.")).to_be_visible()
    plan = Plan.objects.get(client=client)
    assert plan.is_current
    assert set(Signature.objects.filter(plan=plan).values_list("method", flat=True)) == {
        "drawn"}
    shot(page, "plans-signed")

    with page.expect_download() as download:
        page.get_by_role("link", name="PDF").click()
    pdf = tmp_path / "plan.pdf"
    download.value.save_as(pdf)
    text = " ".join(subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True,
                                   text=True, check=True).stdout.split())
    for expected in [client.display_name, "Fill in the housing register form",
                     "Ring the housing officer about my band", "Go to the Tuesday recovery group",
                     "Assess me for a detox", "Register at Riverside Medical Centre",
                     "Housing Options Team", "Three dry days in a week", "Kim Walker",
                     "Signature of client", "Signature of worker", plan.fingerprint]:
        assert expected in text, expected
    subprocess.run(["pdftoppm", "-png", "-r", "60", str(pdf), str(SCREENSHOTS / "plans-pdf")],
                   check=True)

    page.get_by_role("button", name="Change this plan").click()
    expect(page.get_by_text("Version 2 started as a draft")).to_be_visible()
    shot(page, "plans-draft-v2")
    page.get_by_role("link", name=re.compile(r"^Change\W+goal 2$")).click()
    page.get_by_label("Goal, in the client's own words").fill(
        "I want to stop drinking during the week.")
    page.get_by_role("button", name="Save the goal").click()
    page.get_by_role("link", name=re.compile(r"^Compare\W+with version 1$")).click()
    expect(page.get_by_role("heading", name="What changed from version 1 to version 2")
           ).to_be_visible()
    expect(page.locator("ins.diff-ins").first).to_be_visible()
    expect(page.get_by_text("changed").first).to_be_visible()
    shot(page, "plans-compare")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(page.url.replace("compare", "sign").split("?")[0])
    shot(page, "plans-sign-phone")


def manager_signs_off_a_4_to_13_week_review(page):
    page.get_by_role("button", name="Manage", exact=True).click()
    page.get_by_role("link", name="Plan reviews").click()
    page.get_by_label("Show", exact=True).select_option(label="Manager's 4-13 week review")
    page.get_by_role("button", name="Show", exact=True).click()
    shot(page, "plans-review-list")
    row = page.get_by_role("row", name=re.compile("Due"))
    client_name = row.get_by_role("link").first.inner_text()
    row.get_by_role("link", name=re.compile("^Review")).click()
    expect(page.get_by_role("heading", name="Manager's 4-13 week review")).to_be_visible()
    page.get_by_label("Your comments").fill(
        "Goals are in the client's words and the actions are small enough. Check the "
        "housing referral at supervision.")
    shot(page, "plans-manager-review")
    page.get_by_role("button", name="Sign off the review").click()
    expect(page.get_by_text("Plan review signed off.")).to_be_visible()
    expect(page.get_by_text("Signed off by Maya Patel")).to_be_visible()
    client = Client.objects.get(plan_manager_review__isnull=False,
                                plan_manager_review__signed_at__date=timezone.localdate())
    assert client_name.startswith(client.first_name)
    assert client.plan_manager_review.by.username == "manager"
