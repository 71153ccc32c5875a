"""Issue 15: the client file and the assessment form on a phone (375 px wide).

The file was a 5,650 px scroll with "Log a contact" 4,200 px down and a long name 997 px
wide; the assessment's five-point scale wrapped 2 + 3 and nothing said how many needs
were left.
"""

import pytest
from playwright.sync_api import expect

from clients.models import Allocation
from tests.browser.conftest import DEMO_PASSWORD, SCREENSHOTS

PHONE = {"width": 375, "height": 800}
DESKTOP = {"width": 1366, "height": 900}
LONG_NAME = ("Zoë Ó'Brien-عبد الله " * 5)[:80].strip()  # what a preferred name may hold

# Where each need's choices sit: all on one line (one top), or one under another (one
# left, each lower than the last). Anything else is a scale that wrapped.
SCALE_LAYOUT = """() => Array.from(document.querySelectorAll("fieldset.assessment-row"), row => {
  const boxes = Array.from(row.querySelectorAll(".assessment-scale > label"),
                           label => label.getBoundingClientRect());
  const one = (values) => values.every(value => Math.abs(value - values[0]) < 1);
  if (one(boxes.map(box => box.top))) return "line";
  const stacked = one(boxes.map(box => box.left))
    && boxes.every((box, i) => i === 0 || box.top >= boxes[i - 1].bottom - 2);
  return stacked ? "stacked" : row.querySelector("legend").textContent.trim();
})"""


@pytest.fixture
def mine(demo):
    """Kim's first client, with the longest preferred name the form takes."""
    client = (Allocation.objects.current().primary().filter(worker__username="keyworker")
              .select_related("client").first().client)
    client.preferred_name = LONG_NAME
    client.save()
    return client


def _page_width(page):
    return page.evaluate("document.documentElement.scrollWidth")


def test_the_client_file_on_a_phone(page, log_in, screenshot, mine):
    log_in("keyworker", DEMO_PASSWORD)
    page.set_viewport_size(PHONE)
    page.goto(mine.get_absolute_url())
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_contain_text(LONG_NAME[:20])
    assert _page_width(page) <= PHONE["width"]
    box = heading.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]

    nav = page.get_by_role("navigation", name="Sections of the file")
    expect(nav).to_be_visible()
    log_contact = page.get_by_role("link", name="Log a contact")
    assert log_contact.bounding_box()["y"] < 900
    expect(page.get_by_role("link", name="Book a session").first).to_be_visible()

    # "Log a contact" at the top goes to the form, which is there to fill in. (Before any
    # screenshot: Playwright leaves style="" on inputs it hid the caret of, which htmx's
    # swap then copies, and the Content-Security-Policy refuses.)
    log_contact.click()
    page.get_by_label("Note").fill("Came in to say hello.")
    page.get_by_role("button", name="Log contact").click()
    expect(page.get_by_text("logged at")).to_be_visible()

    page.goto(mine.get_absolute_url())
    screenshot("phone-file-375")
    # A section's link lands on its heading, below the navigation, which stays on screen.
    nav.get_by_role("link", name="Sessions").click()
    page.wait_for_function("""() => {
      const heading = document.getElementById("timeline-heading").getBoundingClientRect();
      const nav = document.querySelector(".file-nav").getBoundingClientRect();
      return nav.top === 0 && heading.top >= nav.bottom && heading.top < 300;
    }""")
    page.screenshot(path=str(SCREENSHOTS / "phone-file-375-sessions.png"))

    page.set_viewport_size(DESKTOP)
    page.goto(mine.get_absolute_url())
    assert _page_width(page) <= DESKTOP["width"]
    screenshot("phone-file-1366")


def test_the_assessment_form_on_a_phone(page, log_in, screenshot, mine):
    log_in("keyworker", DEMO_PASSWORD)
    page.set_viewport_size(PHONE)
    page.goto(f"/clients/{mine.pk}/assessments/new/")
    assert _page_width(page) <= PHONE["width"]
    layouts = page.evaluate(SCALE_LAYOUT)
    assert len(layouts) == 45
    assert set(layouts) == {"stacked"}, layouts
    counter = page.get_by_role("status").filter(has_text="of 45 done")
    expect(counter).to_have_text("0 of 45 done")
    first = page.locator("fieldset.assessment-row").first
    first.get_by_text("Action", exact=True).click()
    expect(counter).to_have_text("1 of 45 done")
    screenshot("phone-assessment-375")

    # Saved with 44 needs unrated: the problems are listed at the top, each a link.
    page.get_by_role("button", name="Save the assessment").click()
    summary = page.get_by_role("alert").filter(has_text="There is a problem")
    expect(summary).to_be_visible()
    expect(summary).to_be_focused()
    links = summary.get_by_role("link")
    expect(links).to_have_count(44)
    expect(counter).to_have_text("1 of 45 done")
    screenshot("phone-assessment-375-errors")
    target = links.first.get_attribute("href")
    links.first.click()
    expect(page.locator(target)).to_be_focused()
    page.keyboard.press("ArrowDown")
    expect(counter).to_have_text("2 of 45 done")

    page.set_viewport_size(DESKTOP)
    page.goto(f"/clients/{mine.pk}/assessments/new/")
    assert _page_width(page) <= DESKTOP["width"]
    assert set(page.evaluate(SCALE_LAYOUT)) == {"line"}
    screenshot("phone-assessment-1366")
