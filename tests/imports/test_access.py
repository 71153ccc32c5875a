"""Who may open each import URL: the matrix of roles x URLs x GET/POST."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from imports import files, sample, services

ROLES = ["anonymous", "keyworker", "colleague", "other_site_keyworker", "manager",
         "other_site_manager", "administrator"]
LOGIN, OK = "login", "ok"
MANAGERS = (LOGIN, 403, 403, 403, OK, OK, OK)
OF_THE_SITE = (LOGIN, 403, 403, 403, OK, 404, OK)

# url name: (GET per role, POST per role); OK means 200 or a redirect that is not the login.
MATRIX = {
    "imports:list": (MANAGERS, MANAGERS),
    "imports:template": (MANAGERS, MANAGERS),
    "imports:detail": (OF_THE_SITE, OF_THE_SITE),
    "imports:run": ((LOGIN, 405, 405, 405, 405, 405, 405), OF_THE_SITE),
    "imports:undo": (OF_THE_SITE, OF_THE_SITE),
}


@pytest.fixture
def batch(manager, keyworker):
    upload = SimpleUploadedFile("clients.csv", sample.as_csv(
        "clients", [files.example("clients")]))
    return services.batch_preview(uploads={"clients": upload}, by=manager)


def _url(name, batch):
    if name == "imports:template":
        return reverse(name, args=["clients", "csv"])
    if name == "imports:list":
        return reverse(name)
    return reverse(name, args=[batch.pk])


CASES = [(name, method, role, expected[0 if method == "get" else 1][i])
         for name, expected in MATRIX.items() for method in ("get", "post")
         for i, role in enumerate(ROLES)]


def test_the_matrix_covers_every_imports_url():
    from imports.urls import urlpatterns

    assert {f"imports:{p.name}" for p in urlpatterns} == set(MATRIX)


@pytest.mark.parametrize(("name", "method", "role", "expected"), CASES,
                         ids=[f"{n}-{m}-{r}" for n, m, r, _e in CASES])
def test_who_may_open_each_imports_url(client, request, batch, name, method, role, expected):
    if role != "anonymous":
        client.force_login(request.getfixturevalue(role))
    response = getattr(client, method)(_url(name, batch))
    if expected == LOGIN:
        assert response.status_code == 302 and "/login/" in response.url
    elif expected == OK:
        assert response.status_code in (200, 302), response.status_code
        if response.status_code == 302:
            assert "/login/" not in response.url
    else:
        assert response.status_code == expected


def test_a_manager_sees_only_imports_of_their_sites(client, batch, other_site_manager):
    client.force_login(other_site_manager)
    page = client.get(reverse("imports:list")).content.decode()
    assert reverse("imports:detail", args=[batch.pk]) not in page
    assert "No imports yet." in page
