"""Issue 9's journey: the dashboard, a supervision with the changes since last time,
the keyworker's confirmation, exports that match the report page, and the reminders."""

import csv
import io
import re
from pathlib import Path

import openpyxl
from django.core.management import call_command
from playwright.sync_api import expect

from tests.browser.conftest import DEMO_PASSWORD, SCREENSHOTS, choose


def _table_rows(page):
    rows = {}
    for row in page.locator("section table tr").all():
        label = row.locator("th").inner_text().strip()
        rows[label] = row.locator("td").inner_text().strip()
    return rows


def test_manager_supervises_and_reports(page, log_in, screenshot, demo, capsys):
    log_in("manager", DEMO_PASSWORD)
    page.get_by_role("link", name="Dashboard").click()
    expect(page.get_by_role("heading", name="Caseloads")).to_be_visible()
    screenshot("dashboard")
    kim = page.get_by_role("row", name=re.compile("Kim Walker"))
    kim.get_by_role("link", name=re.compile("Sessions booked but not logged")).click()
    expect(page.get_by_role("heading", name=re.compile("Sessions booked but not logged"))
           ).to_be_visible()
    expect(page.locator("main .list-group-item").first).to_be_visible()
    screenshot("dashboard-list")

    page.get_by_role("link", name="Supervision", exact=True).click()
    choose(page, "Keyworker", r"^Kim Walker")
    page.get_by_role("button", name="Start supervision").click()
    expect(page.get_by_text("Supervision started.")).to_be_visible()
    expect(page.get_by_text(re.compile("carried from"))).to_be_visible()
    # Each client at a glance; the full change trail one click away.
    expect(page.locator("article.glance").first).to_be_visible()
    expect(page.locator(".change-list").first).to_be_hidden()
    page.locator("article.glance summary").first.click()
    expect(page.locator(".change-list").first).to_be_visible()
    page.get_by_label("Workload").fill("Full but manageable; one new referral expected.")
    page.locator("textarea[name^=c]").first.fill("Talked through the housing application.")
    page.get_by_role("button", name="Save notes").click()
    expect(page.get_by_text("Notes saved.")).to_be_visible()
    page.get_by_role("textbox", name="What*").fill("Chase the GP letter")
    page.get_by_role("combobox", name="Who*").select_option("keyworker")
    page.get_by_role("textbox", name="By when*").fill("2030-01-31")
    page.get_by_role("button", name="Add the action").click()
    expect(page.get_by_text("Action added.")).to_be_visible()
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Sign off and send to the keyworker").click()
    expect(page.get_by_text("Signed off.")).to_be_visible()
    screenshot("supervision-signed")
    supervision_url = page.url
    page.get_by_role("button", name="Maya Patel").click()
    page.get_by_role("button", name="Log out").click()

    log_in("keyworker", DEMO_PASSWORD)
    page.goto(supervision_url)
    page.get_by_label("Your comment (optional)").fill("Agreed, thanks.")
    page.get_by_role("button", name="Confirm the record").click()
    expect(page.get_by_text("Confirmed. The record is now locked.")).to_be_visible()
    page.get_by_role("button", name="Kim Walker").click()
    page.get_by_role("button", name="Log out").click()

    log_in("manager", DEMO_PASSWORD)
    page.goto("/reports/?site=&keyworker=&period=year")
    choose(page, "Site", "Riverside")
    page.get_by_label("Period").select_option("dates")
    page.get_by_label("From").fill("2024-01-01")
    page.get_by_label("To").fill("2028-12-31")
    page.get_by_role("button", name="Show the report").click()
    expect(page.get_by_role("heading", name="Keywork sessions and contacts")).to_be_visible()
    screenshot("report")
    shown = _table_rows(page)
    with page.expect_download() as csv_download:
        page.get_by_role("link", name="CSV").click()
    text = Path(csv_download.value.path()).read_text(encoding="utf-8-sig")
    exported = {row[1]: row[2] for row in list(csv.reader(io.StringIO(text)))[1:]}
    with page.expect_download() as xlsx_download:
        page.get_by_role("link", name="XLSX").click()
    xlsx = SCREENSHOTS / "outcomes.xlsx"
    xlsx_download.value.save_as(xlsx)
    sheet = openpyxl.load_workbook(xlsx).active
    from_xlsx = {row[1]: row[2] for row in sheet.iter_rows(min_row=2, values_only=True)}
    for label in ("Sessions booked", "Sessions held (attended)", "Clients worked with"):
        assert shown[label] == exported[label] == str(from_xlsx[label])

    call_command("send_reminders")
    assert "Log the session" in capsys.readouterr().out
