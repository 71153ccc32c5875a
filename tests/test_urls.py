"""Every page needs a login, except the few that must work without one."""

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RoutePattern

OPEN_WITHOUT_LOGIN = {
    "login",
    "password_reset",
    "password_reset_done",
    "password_reset_confirm",
    "password_reset_complete",
    "healthz",
}
# Open without a login, but never to just anyone, and what each answers the walk's made-up
# key: the opt-out link's signature and a calendar's secret or signed key are their
# permission (a wrong one is "not found": tests/diary/test_calendars.py opens them with
# real ones), Twilio's webhooks take only a signed POST and Postmark's only a POST with
# the webhook's secret (tests/messaging/test_email_status.py).
OPEN_WITH_A_KEY = {
    "messaging:opt_out": 404,
    "messaging:sms_status": 405,
    "messaging:sms_inbound": 405,
    "messaging:email_status": 405,
    "diary:calendar_feed": 404,
    "diary:session_calendar_link": 404,
    "portal:link": 404,
}
# The client's own page (portal): no staff login, its own sign-in. Its sign-in pages are
# open; the page itself and what it posts need a client signed in with a code or a
# one-time link (tests/portal/test_access.py), else they go to its sign-in page, never to
# the staff login. The code page first needs a number or address asked for.
OPEN_TO_CLIENTS = {
    "portal:sign_in": 200,
    "portal:code": "/me/sign-in/",
    "portal:home": "/me/sign-in/",
    "portal:tell": "/me/sign-in/",
    "portal:cant_make_it": "/me/sign-in/",
    "portal:sign_out": 405,
}

SAMPLE_VALUES = {
    "int": "1",
    "str": "x",
    "slug": "x",
    "uuid": "00000000-0000-0000-0000-000000000001",
    "path": "x",
}


def _walk(patterns, prefix="", namespace=""):
    for entry in patterns:
        route = _route(entry)
        if isinstance(entry, URLResolver):
            ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _walk(entry.url_patterns, prefix + route, ns)
        elif isinstance(entry, URLPattern):
            yield f"{namespace}{entry.name or ''}", prefix + route


def _route(entry):
    pattern = entry.pattern
    if isinstance(pattern, RoutePattern):
        route = str(pattern)
        for converter, value in SAMPLE_VALUES.items():
            while f"<{converter}:" in route:
                start = route.index(f"<{converter}:")
                route = route[:start] + value + route[route.index(">", start) + 1:]
        while "<" in route:
            start = route.index("<")
            route = route[:start] + "x" + route[route.index(">", start) + 1:]
        return route
    # Regex patterns (the admin's): drop anchors and give every group a sample value.
    regex = pattern.regex.pattern.lstrip("^").rstrip("$").replace("\\Z", "")
    regex = re.sub(r"\(\?P<\w+>[^)]*\)", "1", regex)
    return regex.replace("\\", "")


ALL_URLS = sorted(set(_walk(get_resolver().url_patterns)))


def test_the_walk_finds_the_pages():
    names = {name for name, _ in ALL_URLS}
    assert {"home", "login", "healthz", "admin:index"} <= names


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "url"), ALL_URLS, ids=[f"{n}:{u}" for n, u in ALL_URLS])
def test_every_page_needs_a_login_except_the_open_ones(client, name, url):
    response = client.get("/" + url)
    if name in OPEN_WITHOUT_LOGIN:
        assert response.status_code == 200, f"/{url} answered {response.status_code}"
    elif name in OPEN_WITH_A_KEY:
        assert response.status_code == OPEN_WITH_A_KEY[name], (
            f"/{url} answered {response.status_code}")
    elif name in OPEN_TO_CLIENTS:
        expected = OPEN_TO_CLIENTS[name]
        if isinstance(expected, int):
            assert response.status_code == expected, f"/{url} answered {response.status_code}"
        else:
            assert (response.status_code, response.url) == (302, expected)
    else:
        assert response.status_code == 302, f"/{url} answered {response.status_code}"
        assert "/login/" in response.url


def test_the_architecture_names_every_page_open_with_a_key():
    from pathlib import Path

    from django.conf import settings

    text = (Path(settings.BASE_DIR) / "docs" / "ARCHITECTURE.md").read_text()
    missing = [name for name in [*OPEN_WITH_A_KEY, *OPEN_TO_CLIENTS] if f"`{name}`" not in text]
    assert not missing, f"docs/ARCHITECTURE.md does not name {missing}"
