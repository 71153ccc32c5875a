"""Issue 17: the door register on a phone (375 px): find someone as you type, check them
in with one tap, see them in today's register, check them out, add someone new."""

from django.utils import timezone
from playwright.sync_api import expect

from attendance.models import Visit, Visitor
from clients.models import Client
from safeguarding.models import Ban
from tests.browser.conftest import DEMO_PASSWORD

PHONE = {"width": 375, "height": 800}


def _fits(page):
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_the_door_register_on_a_phone(page, log_in, screenshot, demo):
    # (Not a visitor's visit: NOT IN a list holding a NULL matches nobody, and the demo
    # has a visitor still in from the early afternoon.)
    inside = Visit.objects.filter(checked_out_at__isnull=True,
                                  client__isnull=False).values("client")
    banned = Ban.objects.in_force(timezone.localdate()).values("client")
    person = (Client.objects.filter(site__code="DC1").open().exclude(pk__in=inside)
              .exclude(pk__in=banned)
              .exclude(admitted_on__isnull=True).order_by("pk").first())
    log_in("keyworker", DEMO_PASSWORD)
    page.set_viewport_size(PHONE)
    page.goto("/door/")
    expect(page.get_by_role("heading", name="Door register")).to_be_visible()
    _fits(page)

    # As you type: the results come without a submit.
    page.get_by_label("Name, preferred name or reference").press_sequentially(
        person.last_name[:5], delay=40)
    result = page.locator("#door-results").get_by_role("button", name=str(person.display_name))
    expect(result).to_contain_text("Tap to check in")
    _fits(page)
    screenshot("door-search-375")
    result.click()
    expect(page.get_by_text(f"{person} is checked in at")).to_be_visible()
    visit = Visit.objects.get(client=person, checked_out_at__isnull=True)
    assert visit.checked_in_by.username == "keyworker"

    register = page.locator("table.table-stack")
    # (They may have come and gone earlier today too: that visit has its own row.)
    row = register.get_by_role("row").filter(has_text=str(person.display_name)).filter(
        has_text="still in")
    expect(row).to_have_count(1)
    _fits(page)
    screenshot("door-register-375")
    row.get_by_role("button", name="Check out").click()
    expect(page.get_by_text(f"{person} is checked out.")).to_be_visible()
    visit.refresh_from_db()
    assert visit.checked_out_at is not None

    page.get_by_text("Someone new").click()
    page.get_by_label("Name they give").fill("Ashley Door")
    page.get_by_label("Description (optional)").fill("Green rucksack")
    _fits(page)
    page.get_by_role("button", name="Add and check in").click()
    expect(page.get_by_text("Ashley Door is checked in at")).to_be_visible()
    row = register.get_by_role("row").filter(has_text="Ashley Door")
    expect(row).to_contain_text("visitor")
    expect(row).to_contain_text("still in")
    assert Visitor.objects.get(name="Ashley Door").visits.count() == 1
    _fits(page)
    screenshot("door-visitor-375")
