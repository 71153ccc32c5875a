"""Outside checkers on the pages each role reaches (issue 15): the Nu HTML Checker (vnu.jar
on Debian's Java) on the HTML as served, and axe-core (axe-playwright-python on Debian's
Chromium) on the page as drawn, at 1280 px. Any vnu error, or any serious or critical axe
finding, fails.

The pages are found as a person finds them: from the home page, every link on the site,
as the keyworker and as the manager of the demo (`seed_demo`), one page for each address
shape (/clients/<n>/ once, not for every client). PDFs, downloads and exports are left
out (they are not HTML), as is the admin. `make install-test` installs vnu.jar and Java
(the `a11y-deps` target)."""

import json
import os
import re
import shutil
import subprocess
from collections import deque
from pathlib import Path
from urllib.parse import urljoin, urlparse

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.conf import settings
from django.core.management import call_command
from django.test import Client

from staff.models import User
from tests.browser.conftest import CHROMIUM

VNU_JAR = Path(os.environ.get(
    "VNU_JAR", settings.BASE_DIR / ".venv/vnu/node_modules/vnu-jar/build/dist/vnu.jar"))
# Not HTML (PDFs, SVG charts, files, exports), the admin's own pages, and logging out.
NOT_PAGES = re.compile(r"logout|\.pdf|\.svg|/file/|/photo/|export|download|\.csv|\.json|\.zip"
                       r"|^/admin/|^/static/|^/media/")
AXE_OPTIONS = {"runOnly": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa",
                           "best-practice"], "resultTypes": ["violations"]}
ROLES = ["keyworker", "manager"]


@pytest.fixture
def demo(reference_data, settings):
    settings.DEBUG = True
    call_command("seed_demo")
    settings.DEBUG = False


def pages_reached(http):
    """(address, html) for each page reachable by links from /, one per address shape."""
    queue, seen, shapes = deque(["/"]), {"/"}, set()
    while queue:
        address = queue.popleft()
        shape = re.sub(r"\d+", "N", address)
        if shape in shapes:
            continue
        response = http.get(address)
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        shapes.add(shape)
        html = response.content.decode()
        yield address, html
        for href in re.findall(r'href="([^"#]+)', html):
            url = urlparse(urljoin(address, href.replace("&amp;", "&")))
            if url.netloc and url.netloc != "testserver":
                continue
            found = url.path + (f"?{url.query}" if url.query else "")
            if found not in seen and not NOT_PAGES.search(found):
                seen.add(found)
                queue.append(found)


def vnu_errors(folder):
    if not VNU_JAR.exists() or not shutil.which("java"):
        pytest.fail(f"{VNU_JAR} or java is missing: run `make install-test` (a11y-deps).")
    run = subprocess.run(["java", "-jar", str(VNU_JAR), "--errors-only", "--format", "json",
                          *sorted(str(p) for p in folder.glob("*.html"))],
                         capture_output=True, text=True, timeout=600)
    messages = json.loads(run.stderr or run.stdout)["messages"]
    return [f"{Path(m['url']).stem}:{m.get('lastLine')}: {m['message']}"
            for m in messages if m["type"] == "error"]


def axe_findings(page, address):
    page.goto(address)
    violations = Axe().run(page, options=AXE_OPTIONS).response["violations"]
    return [f"{address}: {v['id']} ({v['impact']}) at {node['target']}: "
            f"{node.get('failureSummary', '')[:200]}"
            for v in violations if v["impact"] in ("serious", "critical")
            for node in v["nodes"]]


def test_pages_each_role_reaches_pass_vnu_and_axe(demo, browser, live_server, tmp_path):
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run `make install-test`.")
    found, checked = [], 0
    for role in ROLES:
        http = Client()
        http.force_login(User.objects.get(username=role))
        context = browser.new_context(base_url=live_server.url,
                                      viewport={"width": 1280, "height": 900})
        context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "url": live_server.url,
                              "value": http.cookies[settings.SESSION_COOKIE_NAME].value}])
        page = context.new_page()
        for address, html in pages_reached(http):
            name = f"{role}{re.sub(r'[^A-Za-z0-9]+', '_', address)}"
            (tmp_path / f"{name}.html").write_text(html)
            found += axe_findings(page, address)
            checked += 1
        context.close()
    found += vnu_errors(tmp_path)
    assert checked > 40, f"only {checked} pages were reached"
    assert not found, f"{len(found)} findings on {checked} pages:\n" + "\n".join(found)
