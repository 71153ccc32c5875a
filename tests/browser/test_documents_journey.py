"""Issue 19, item 3: a keyworker prints a client's documents in Arabic, easy read, from a
phone: the client's file, "Documents to print", the version picked, the document shown
right to left in its own font beside the English page, and its PDF."""

from playwright.sync_api import expect

from clients.models import Allocation
from tests.browser.conftest import DEMO_PASSWORD

PHONE = {"width": 375, "height": 800}


def test_a_keyworker_shows_and_prints_the_easy_read_arabic_plan(page, log_in, screenshot,
                                                                demo):
    mine = (Allocation.objects.current().primary().filter(worker__username="keyworker")
            .select_related("client").first().client)
    log_in("keyworker", DEMO_PASSWORD)
    page.set_viewport_size(PHONE)
    page.goto(mine.get_absolute_url())
    page.get_by_role("link", name="Documents to print").click()
    expect(page.get_by_role("heading", level=1, name="Documents to print")).to_be_visible()
    page.get_by_label("Language").select_option("ar")
    page.get_by_label("Easy read").check()
    page.get_by_role("button", name="Show this version").click()
    page.get_by_role("link", name="Show on screen").last.click()
    article = page.get_by_role("article", name="The document as it prints")
    expect(article).to_have_attribute("dir", "rtl")
    expect(article).to_have_attribute("lang", "ar")
    expect(article).to_contain_text("خطة العمل الخاصة بي")
    assert page.evaluate("getComputedStyle(document.querySelector('article.document'))"
                         ".fontFamily").startswith('"Keywork Arabic"')
    assert page.evaluate("document.fonts.check('16px \"Keywork Arabic\"', 'خطة')")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    expect(page.locator("html")).to_have_attribute("lang", "en-gb")
    screenshot("documents-arabic-easy-phone")
    with page.expect_download() as download:
        page.get_by_role("link", name="PDF").last.click()
    assert download.value.suggested_filename.endswith("-ar-easy-read.pdf")
