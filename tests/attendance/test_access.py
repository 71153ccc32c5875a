"""Who may open each door-register URL: the matrix of roles x URLs x GET/POST."""

import pytest
from django.urls import reverse

from attendance import services
from attendance.models import Visit

ROLES = ["anonymous", "keyworker", "colleague", "other_site_keyworker", "manager",
         "other_site_manager", "administrator"]
LOGIN, OK = "login", "ok"
NOT_POSTED = (LOGIN, 405, 405, 405, 405, 405, 405)
# Every member of staff at a site keeps its door; administrators read no client records.
# A posted site that is not the user's is refused (404), never quietly another one.
STAFF = (LOGIN, OK, OK, OK, OK, OK, 403)
STAFF_OF_THE_SITE = (LOGIN, OK, OK, 404, OK, 404, 403)
# A client's attendance history is part of their file: the keyworker and the managers.
FULL_FILE = (LOGIN, OK, 403, 404, OK, 404, 404)

# url name: (GET per role, POST per role); OK means 200 or a redirect that is not the login.
MATRIX = {
    "attendance:register": (STAFF, NOT_POSTED),
    "attendance:register_pdf": (STAFF, NOT_POSTED),
    "attendance:check_in": (NOT_POSTED, STAFF_OF_THE_SITE),
    "attendance:visitor_check_in": (NOT_POSTED, STAFF_OF_THE_SITE),
    "attendance:check_out": (NOT_POSTED, STAFF_OF_THE_SITE),
    "attendance:history": (FULL_FILE, NOT_POSTED),
}


@pytest.fixture
def visit(site, colleague, client_record):
    return services.visit_check_in(site=site, by=colleague, client=client_record)


def _request(name, site, client_record, visit):
    """(url, data posted) for `name` about Dee at Riverside."""
    if name == "attendance:check_out":
        return reverse(name, args=[visit.pk]), {}
    if name == "attendance:history":
        return reverse(name, args=[client_record.pk]), {}
    data = {"site": site.pk}
    if name == "attendance:check_in":
        Visit.objects.filter(pk=visit.pk).delete()
        data["client"] = client_record.pk
    if name == "attendance:visitor_check_in":
        data["name"] = "Lee Mason"
    return reverse(name), data


CASES = [(name, method, role, expected[0 if method == "get" else 1][i])
         for name, expected in MATRIX.items() for method in ("get", "post")
         for i, role in enumerate(ROLES)]


def test_the_matrix_covers_every_attendance_url():
    from attendance.urls import urlpatterns

    assert {f"attendance:{p.name}" for p in urlpatterns} == set(MATRIX)


@pytest.mark.parametrize(("name", "method", "role", "expected"), CASES,
                         ids=[f"{n}-{m}-{r}" for n, m, r, _e in CASES])
def test_who_may_open_each_attendance_url(client, request, site, client_record, visit, name,
                                          method, role, expected):
    if role != "anonymous":
        client.force_login(request.getfixturevalue(role))
    url, data = _request(name, site, client_record, visit)
    visits = Visit.objects.count()
    response = client.post(url, data) if method == "post" else client.get(url, data)
    if expected == LOGIN:
        assert response.status_code == 302 and "/login/" in response.url
    elif expected == OK:
        assert response.status_code in (200, 302), response.status_code
        if response.status_code == 302:
            assert "/login/" not in response.url
    else:
        assert response.status_code == expected
    if method == "post" and expected != OK:
        assert Visit.objects.count() == visits  # a refused post changes nothing


def test_another_sites_staff_see_their_own_register_never_this_one(client, visit, site,
                                                                   other_site_keyworker):
    client.force_login(other_site_keyworker)
    page = client.get(reverse("attendance:register"), {"site": site.pk}).content.decode()
    assert "Dee Harper" not in page and "Hope House" in page
    page = client.get(reverse("attendance:register"), {"site": site.pk, "q": "Dee"})
    assert "Dee Harper" not in page.content.decode()
