"""Every page, as every role, on the demo data: security headers, no inline script or
style (the Content-Security-Policy would block it), nothing cached, no server error."""

import re
from html.parser import HTMLParser

import pytest
from django.core.management import call_command
from django.test import Client as BrowserlessClient

from staff.models import User
from tests.test_urls import ALL_URLS

ROLES = ["keyworker", "manager", "admin"]
GET_PAGES = [(name, url) for name, url in ALL_URLS
             if not name.startswith("admin:") and name not in {"logout"}]


@pytest.fixture
def demo_site(db, settings):
    """The demo data, as a person trying the app would see it."""
    settings.DEBUG = True
    call_command("seed_demo", verbosity=0)
    settings.DEBUG = False


class InlineFinder(HTMLParser):
    """Collects what a strict CSP refuses: inline scripts, <style>, style= and on*=."""

    def __init__(self):
        super().__init__()
        self.found = []

    def handle_starttag(self, tag, attrs):
        names = dict(attrs)
        if tag == "script" and not names.get("src") and names.get("type") != "application/json":
            self.found.append("<script> without src")
        if tag == "style":
            self.found.append("<style>")
        for name, value in attrs:
            if name == "style":
                self.found.append(f"style= on <{tag}>")
            if name.startswith("on"):
                self.found.append(f"{name}= on <{tag}>")
            if name.startswith("hx-on"):
                self.found.append(f"{name}= on <{tag}> (htmx evaluates it as script)")
            if value and re.match(r"\s*javascript:", value, re.I):
                self.found.append(f"javascript: URL on <{tag}>")


def _fetch(client, url):
    """The page at `url`, trying the first few ids for each number in it."""
    response = client.get("/" + url)
    for candidate in ("2", "3", "4", "5"):
        if response.status_code != 404 or "/1/" not in "/" + url:
            break
        response = client.get("/" + url.replace("1", candidate))
    return response


def test_every_page_has_the_security_headers_and_no_inline_code(demo_site):
    problems = []
    for role in ROLES:
        problems += _check_pages_as(role)
    assert not problems, "\n".join(problems)


def _check_pages_as(role):
    client = BrowserlessClient()
    client.force_login(User.objects.get(username=role))
    problems, seen = [], 0
    for name, url in GET_PAGES:
        response = _fetch(client, url)
        assert response.status_code < 500, f"{role} /{url}: {response.status_code}"
        if response.status_code != 200:
            continue
        seen += 1
        csp = response.headers.get("Content-Security-Policy", "")
        if "svg" in response.headers.get("Content-Type", ""):
            if "script-src" in csp or "default-src 'none'" not in csp:
                problems.append(f"/{url}: SVG without its locked-down policy: {csp}")
        elif "script-src 'self'" not in csp or "unsafe" in csp:
            problems.append(f"/{url}: Content-Security-Policy {csp!r}")
        if "no-store" not in response.headers.get("Cache-Control", ""):
            problems.append(f"/{url}: Cache-Control {response.headers.get('Cache-Control')!r}")
        for header in ("X-Content-Type-Options", "Referrer-Policy", "Permissions-Policy"):
            if header not in response.headers:
                problems.append(f"/{url}: no {header}")
        if response.headers.get("Content-Type", "").startswith("text/html"):
            finder = InlineFinder()
            finder.feed(response.content.decode())
            problems += [f"/{url} ({name}): {found}" for found in finder.found]
    assert seen >= {"keyworker": 25, "manager": 30, "admin": 3}[role], (role, seen)
    return problems
