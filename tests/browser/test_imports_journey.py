"""The import journey of issue 16: templates in, a row error in the preview, corrected,
imported in one go, then undone."""

import pytest
from playwright.sync_api import expect

from clients.models import Client
from diary.models import KeyworkSession
from staff import demo as staff_demo
from tests.browser.conftest import DEMO_PASSWORD


@pytest.fixture
def staff(reference_data):
    staff_demo.seed({})


def test_manager_imports_the_templates_fixes_a_row_and_undoes_it(page, log_in, screenshot,
                                                                 staff, tmp_path):
    log_in("manager", DEMO_PASSWORD)
    page.get_by_role("button", name="Manage", exact=True).click()
    page.get_by_role("link", name="Import records").click()
    templates = {}
    for kind, label in (("clients", "Clients"), ("sessions", "Past keywork sessions")):
        with page.expect_download() as download:
            page.get_by_role("listitem").filter(has_text=label).get_by_role(
                "link", name="CSV").click()
        templates[kind] = tmp_path / f"{kind}.csv"
        download.value.save_as(templates[kind])
    broken = tmp_path / "broken" / "clients.csv"
    broken.parent.mkdir()
    broken.write_text(templates["clients"].read_text(encoding="utf-8-sig")
                      .replace("14/03/1980", "31/02/1980"), encoding="utf-8")

    page.get_by_label("Clients").set_input_files(broken)
    page.get_by_label("Past keywork sessions").set_input_files(templates["sessions"])
    page.get_by_role("button", name="Upload and preview").click()
    expect(page.get_by_text("Row 2: date of birth 31/02/1980 is not a date (use DD/MM/YYYY).")
           ).to_be_visible()
    screenshot("import-preview-error")
    assert not Client.objects.exists()

    page.get_by_role("link", name="Upload corrected files").click()
    page.get_by_label("Clients").set_input_files(templates["clients"])
    page.get_by_label("Past keywork sessions").set_input_files(templates["sessions"])
    page.get_by_role("button", name="Upload and preview").click()
    expect(page.get_by_role("heading", name="Ready to import")).to_be_visible()
    page.get_by_role("button", name="Import all rows").click()
    expect(page.get_by_text("Imported. Every record's history")).to_be_visible()
    screenshot("import-done")
    assert Client.objects.get().history.get().history_change_reason.startswith(
        "Imported from clients.csv")
    assert KeyworkSession.objects.count() == 1

    page.get_by_role("link", name="Undo this import").click()
    page.get_by_role("button", name="Undo this import").click()
    expect(page.get_by_text("The import was undone")).to_be_visible()
    assert not Client.objects.exists() and not KeyworkSession.objects.exists()
