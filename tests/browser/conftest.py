"""Playwright on Debian's Chromium against Django's live server.

Screenshots go to tests/browser/screenshots/ (git-ignored) so that a person can look.
"""

import re
from pathlib import Path

import pytest
from django.core.management import call_command
from playwright.sync_api import sync_playwright

CHROMIUM = "/usr/bin/chromium"
DEMO_PASSWORD = "demo-keywork"
SCREENSHOTS = Path(__file__).parent / "screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run `make test`, which installs Debian's chromium.")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                             args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(django_db_serialized_rollback, browser, live_server):
    # Live-server tests empty the database afterwards; serialized rollback puts back what the
    # migrations loaded (the 45 needs, the ladder) for the tests that run after them.
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900},
                                  locale="en-GB", timezone_id="Europe/London")
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def screenshot(page):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(name):
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


@pytest.fixture
def log_in(page):
    def log_in_as(username, password):
        page.goto("/accounts/login/")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Log in").click()

    return log_in_as


@pytest.fixture
def demo(transactional_db, settings):
    """The demo data of `manage.py seed_demo`, as a person trying the app would see it."""
    settings.DEBUG = True
    call_command("seed_demo")
    settings.DEBUG = False


def choose(page, label, pattern):
    """Pick the option of the <select> labelled `label` whose text matches `pattern`."""
    select = page.get_by_label(label)
    value = select.locator("option", has_text=re.compile(pattern)).first.get_attribute("value")
    select.select_option(value)
