"""Who may open each groups URL: the matrix of roles x URLs x GET/POST.

The workshop is Riverside's, run by the colleague (Sam): Riverside's keyworkers may see it
and mark its registers, its facilitator and Riverside's managers may change it, staff of
another site do not know it exists, and administrators see no client names.
"""

import pytest
from django.urls import reverse

from activities import services
from activities.models import Activity
from tests.activities.conftest import add_session
from tests.responses import body_of

ROLES = ["anonymous", "keyworker", "colleague", "other_site_keyworker", "manager",
         "other_site_manager", "administrator"]
LOGIN, OK = "login", "ok"
SEE = (LOGIN, OK, OK, 404, OK, 404, 403)
CHANGE = (LOGIN, 403, OK, 404, OK, 404, 403)
POST_ONLY = (LOGIN, 405, 405, 405, 405, 405, 405)

# url name: (GET per role, POST per role); OK means 200 or a redirect that is not the login.
MATRIX = {
    "activities:list": ((LOGIN, OK, OK, OK, OK, OK, 403),) * 2,
    "activities:create": ((LOGIN, 403, 403, 403, OK, OK, 403),) * 2,
    "activities:detail": (SEE, SEE),
    "activities:edit": (CHANGE, CHANGE),
    "activities:member_add": (POST_ONLY, SEE),
    "activities:member_leave": (POST_ONLY, SEE),
    "activities:session_create": (CHANGE, CHANGE),
    "activities:session_edit": (CHANGE, CHANGE),
    "activities:register": (SEE, SEE),
}


@pytest.fixture
def world(site, manager, colleague, client_record):
    activity = services.activity_save(activity=Activity(
        site=site, name="Action Training Workshop", facilitator=colleague), by=manager)
    membership = services.membership_add(activity=activity, client=client_record, by=manager)
    session = add_session(activity, manager, days_ago=0, hour=0)
    return {"activity": activity, "membership": membership, "session": session}


def _url(name, world):
    if name in ("activities:list", "activities:create"):
        return reverse(name)
    if name == "activities:member_leave":
        return reverse(name, args=[world["membership"].pk])
    if name in ("activities:session_edit", "activities:register"):
        return reverse(name, args=[world["session"].pk])
    return reverse(name, args=[world["activity"].pk])


CASES = [(name, method, role, expected[0 if method == "get" else 1][i])
         for name, expected in MATRIX.items() for method in ("get", "post")
         for i, role in enumerate(ROLES)]


def test_the_matrix_covers_every_activities_url():
    from activities.urls import urlpatterns

    assert {f"activities:{p.name}" for p in urlpatterns} == set(MATRIX)


@pytest.mark.parametrize(("name", "method", "role", "expected"), CASES,
                         ids=[f"{n}-{m}-{r}" for n, m, r, _e in CASES])
def test_who_may_open_each_activities_url(client, request, world, name, method, role,
                                          expected):
    if role != "anonymous":
        client.force_login(request.getfixturevalue(role))
    response = getattr(client, method)(_url(name, world))
    if expected == LOGIN:
        assert response.status_code == 302 and "/login/" in response.url
    elif expected == OK:
        assert response.status_code in (200, 302), response.status_code
        if response.status_code == 302:
            assert "/login/" not in response.url
    else:
        assert response.status_code == expected
        assert b"Harper" not in body_of(response)


def test_another_sites_list_does_not_show_the_workshop(client, world, other_site_keyworker):
    client.force_login(other_site_keyworker)
    page = client.get(reverse("activities:list")).content.decode()
    assert "Action Training Workshop" not in page
    assert "No groups or workshops yet." in page
