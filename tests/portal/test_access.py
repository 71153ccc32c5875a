"""Who may open each URL of the client's page, as every staff role, GET and POST. The
staff's side (turning the page on, sending a link, reading what the client sent) is the
client's keyworker's and the site's managers', as the full file is. /me/ takes no staff
login at all: every staff role is sent to its sign-in page, as anyone is, and only a
client signed in with a code or a link gets in (tests/portal/test_views.py)."""

import pytest
from django.urls import reverse

from portal import services
from portal.models import ClientNote, PortalAccess, SignIn
from tests.clients.test_access import LOGIN, OK, ROLES, assert_outcome, sign_in

SIGN_IN = "sign-in"  # 302 to /me/sign-in/, whoever asks
STAFF = (LOGIN, OK, 403, 404, OK, 404, 404)

MATRIX = {
    "portal:access": (STAFF, STAFF),
    "portal:send_link": (STAFF, STAFF),
    "portal:note": (STAFF, STAFF),
    "portal:home": ((SIGN_IN,) * 7, (SIGN_IN,) * 7),
    "portal:tell": ((SIGN_IN,) * 7, (SIGN_IN,) * 7),
    "portal:cant_make_it": ((SIGN_IN,) * 7, (SIGN_IN,) * 7),
    "portal:sign_in": ((OK,) * 7, (OK,) * 7),
    "portal:code": ((SIGN_IN,) * 7, (SIGN_IN,) * 7),
    # The link is its holder's way in, whoever holds it: it is sent to the client only.
    "portal:link": ((OK,) * 7, (OK,) * 7),
    "portal:sign_out": ((405,) * 7, (SIGN_IN,) * 7),
}


@pytest.fixture
def world(client_record, keyworker, dee_page):
    from django.utils import timezone

    row, token = services.link_make(access=dee_page, by=keyworker, now=timezone.now())
    note = services.note_send(client=client_record, text="Hello")
    return {"client": client_record, "note": note, "link": row, "token": token}


def url_of(name, world):
    if name in {"portal:access", "portal:send_link"}:
        return reverse(name, args=[world["client"].pk])
    if name == "portal:note":
        return reverse(name, args=[world["note"].pk])
    if name == "portal:link":
        return reverse(name, args=[world["token"]])
    return reverse(name)


@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize("name", MATRIX)
@pytest.mark.parametrize("role", ROLES)
def test_each_role_gets_only_what_the_access_rules_allow(client, request, world, role,
                                                         name, method):
    sign_in(client, request, role)
    expected = MATRIX[name][0 if method == "get" else 1][ROLES.index(role)]
    response = getattr(client, method)(url_of(name, world))
    if expected == SIGN_IN:
        assert (response.status_code, response.url) == (302, reverse("portal:sign_in"))
    else:
        assert_outcome(response, expected, method)


def test_the_matrix_covers_every_portal_url():
    from portal.urls import urlpatterns

    assert {f"portal:{p.name}" for p in urlpatterns} == set(MATRIX)


def _snapshot():
    return (list(PortalAccess.objects.order_by("pk").values()),
            list(ClientNote.objects.order_by("pk").values()),
            list(SignIn.objects.order_by("pk").values()))


@pytest.mark.parametrize("role", ["anonymous", "colleague", "other_site_keyworker",
                                  "other_site_manager", "administrator"])
@pytest.mark.parametrize("name", ["portal:access", "portal:send_link", "portal:note"])
def test_a_refused_post_changes_nothing(client, request, world, role, name):
    sign_in(client, request, role)
    before = _snapshot()
    client.post(url_of(name, world), {"is_on": "no", "phone": ""})
    assert _snapshot() == before


def test_a_staff_login_posts_nothing_as_a_client(client, world, keyworker):
    client.force_login(keyworker)
    client.post(reverse("portal:tell"), {"text": "As if from Dee"})
    assert ClientNote.objects.count() == 1
