"""Issue 8's journey: assess, re-assess, evidence Probation, promotion, portfolio PDF."""

import datetime
import re
import subprocess

from django.utils import timezone
from playwright.sync_api import expect

from clients.models import Client
from tests.browser.conftest import DEMO_PASSWORD, SCREENSHOTS, choose

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _rate_all(page, rating):
    rows = page.locator("fieldset.assessment-row")
    for i in range(rows.count()):
        rows.nth(i).get_by_text(rating, exact=True).click()


def test_assessment_ladder_and_portfolio(page, log_in, screenshot, demo, tmp_path, settings):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    today = timezone.localdate()
    client = Client.objects.get(site__code="HH1", status="referred")
    client.referred_on = today - datetime.timedelta(days=40)  # referred before the journey
    client.save()

    # The manager admits the client five weeks ago and allocates Jo (keyworker3).
    log_in("manager", DEMO_PASSWORD)
    page.goto(f"/clients/{client.pk}/admit/")
    page.get_by_label("Admission date").fill((today - datetime.timedelta(days=35)).isoformat())
    page.get_by_role("button", name="Admit").click()
    page.get_by_role("link", name="Allocate keyworker").click()
    choose(page, "Keyworker", r"^Jo Bennett")
    page.get_by_role("button", name="Allocate").click()
    page.get_by_role("button", name="Maya Patel").click()
    page.get_by_role("button", name="Log out").click()

    # Jo records the initial assessment, dated in the first week.
    log_in("keyworker3", DEMO_PASSWORD)
    page.goto(client.get_absolute_url())
    expect(page.get_by_text("The initial assessment is late")).to_be_visible()
    page.get_by_role("link", name="Assessments").click()
    page.get_by_role("link", name="Record the initial assessment").click()
    page.get_by_label("Date of the assessment").fill(
        (today - datetime.timedelta(days=33)).isoformat())
    _rate_all(page, "Contemplation")
    screenshot("assessment-form")
    page.get_by_role("button", name="Save the assessment").click()
    expect(page.get_by_text("Initial assessment saved: 25.0% overall.")).to_be_visible()
    expect(page.get_by_role("img", name=re.compile("Radar chart"))).to_be_visible()
    screenshot("assessment-initial")

    # A month later, the re-assessment shows the distance travelled.
    page.get_by_role("link", name="Re-assess").click()
    expect(page.get_by_text("Last time: Contemplation").first).to_be_visible()
    _rate_all(page, "Determined")
    page.get_by_role("button", name="Save the assessment").click()
    expect(page.get_by_text("Re-assessment saved: 50.0% overall.")).to_be_visible()
    expect(page.get_by_role("heading", name="Distance travelled")).to_be_visible()
    expect(page.get_by_role("row", name=re.compile(r"^Overall 50\.0% \+25\.0"))).to_be_visible()
    screenshot("assessment-distance")

    # Evidence for every Probation task, one with a PDF, one not applicable.
    pdf = tmp_path / "gp-letter.pdf"
    pdf.write_bytes(PDF)
    page.goto(f"/clients/{client.pk}/ladder/")
    for n in range(5):
        page.get_by_role("link", name=re.compile(r"^(Add evidence|Confirm)")).first.click()
        page.get_by_label("Evidence").fill(f"Seen by Jo ({n})")
        if n == 0:
            page.get_by_label("File (optional)").set_input_files(str(pdf))
        if page.get_by_label("Not applicable for this client").count():
            page.get_by_label("Not applicable for this client").check()
        page.get_by_role("button", name="Save evidence").click()
        expect(page.get_by_text("Evidence saved.")).to_be_visible()
    expect(page.get_by_text("Proposed for promotion.")).to_be_visible()
    screenshot("ladder-proposed")
    page.get_by_role("button", name="Jo Bennett").click()
    page.get_by_role("button", name="Log out").click()

    # The manager confirms it at the monthly review.
    log_in("manager", DEMO_PASSWORD)
    page.goto(f"/clients/{client.pk}/ladder/")
    page.get_by_label("Note from the monthly review").fill("Confirmed at the monthly review")
    page.get_by_role("button", name="Confirm promotion").click()
    expect(page.get_by_text("moved up to Stage 1: Full resident status")).to_be_visible()
    page.goto(client.get_absolute_url())
    expect(page.get_by_text("Stage 1: Full resident status")).to_be_visible()
    screenshot("client-file-stage-1")

    # A portfolio item, then the PDF with the chart.
    page.goto(f"/clients/{client.pk}/portfolio/")
    page.get_by_label("Kind").select_option("certificate")
    page.get_by_label("Title").fill("First aid certificate")
    page.get_by_label("In their words").fill("I passed the St John course.")
    page.get_by_role("button", name="Add to the portfolio").click()
    expect(page.get_by_text("Added to the portfolio.")).to_be_visible()
    with page.expect_download() as download:
        page.get_by_role("link", name="Portfolio PDF").click()
    path = SCREENSHOTS / "portfolio.pdf"
    download.value.save_as(path)
    assert path.read_bytes().startswith(b"%PDF")
    subprocess.run(["pdftoppm", "-png", "-r", "60", str(path), str(SCREENSHOTS / "portfolio")],
                   check=True)
