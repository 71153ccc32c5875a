"""Playwright on Debian's Chromium against Django's live server.

Screenshots go to tests/browser/screenshots/ (git-ignored) so that a person can look.
"""

import re
from importlib import import_module
from pathlib import Path

import pytest
from django.apps import apps as django_apps
from django.core.management import call_command
from playwright.sync_api import expect, sync_playwright

from staff.models import User
from stages.models import NeedArea
from tests.logins import give_device, totp_token

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
def reference_data(transactional_db):
    """The 45 needs and the default ladder, which a migration loads (stages 0002).

    Live-server tests end by emptying the database (Django's flush), and the reference data
    goes with it. Django's serialized rollback would load it again, but the connection these
    tests use does not hold the serialized copy (`_test_serialized_contents` is missing on
    it, seen in CI when two journeys ran one after the other), so load it again here
    whenever it is missing."""
    if not NeedArea.objects.exists():
        import_module("stages.migrations.0002_reference_data").load(django_apps, None)


@pytest.fixture
def page(reference_data, browser, live_server):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900},
                                  locale="en-GB", timezone_id="Europe/London")
    context.set_default_timeout(10_000)
    page = context.new_page()
    # The Content-Security-Policy allows no inline script or style: anything it blocks
    # is a bug (a feature silently not working), so it fails the test.
    blocked = []
    page.on("console", lambda message: blocked.append(message.text)
            if "Content Security Policy" in message.text else None)
    yield page
    context.close()
    assert not blocked, "\n".join(blocked)


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
    """Log in as a person would. Managers and administrators need a code from an
    authenticator app: they get one (the demo's, if seed_demo gave them one), and the code
    is worked out from it as the phone app would."""

    def log_in_as(username, password):
        user = User.objects.filter(username=username).first()
        device = None
        if user and (user.is_manager or user.is_administrator):
            device = give_device(user)
        page.goto("/accounts/login/")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Log in").click()
        code = page.get_by_label("Code from your authenticator app")
        if device and password_matches(user, password):
            code.fill(totp_token(device))
            page.get_by_role("button", name="Verify").click()
            expect(code).to_have_count(0)

    return log_in_as


def password_matches(user, password):
    user.refresh_from_db()
    return user.check_password(password)


@pytest.fixture
def demo(reference_data, settings):
    """The demo data of `manage.py seed_demo`, as a person trying the app would see it."""
    settings.DEBUG = True
    call_command("seed_demo")
    settings.DEBUG = False


def pick(page, label, client):
    """Choose `client` in the client picker (clients/widgets.py) whose select is labelled
    `label`, as a person does: type their reference into its search box, then take them."""
    page.get_by_label("Find by name or reference").fill(client.reference)
    select = page.get_by_label(label)
    expect(select.locator(f'option[value="{client.pk}"]')).to_be_attached()
    select.select_option(str(client.pk))


def choose(page, label, pattern):
    """Pick the option of the <select> labelled `label` whose text matches `pattern`."""
    select = page.get_by_label(label)
    value = select.locator("option", has_text=re.compile(pattern)).first.get_attribute("value")
    select.select_option(value)
