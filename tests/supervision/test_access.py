"""Who may open each supervision URL: the matrix of roles x URLs x GET/POST."""

import pytest
from django.urls import reverse

from supervision import services
from supervision.models import Supervision
from tests.factories import ClientFactory

ROLES = ["anonymous", "keyworker", "colleague", "other_site_keyworker", "manager",
         "other_site_manager", "administrator"]
LOGIN, OK = "login", "ok"

# url name: (GET per role, POST per role); OK means 200 or a redirect that is not the login.
MATRIX = {
    "supervision:dashboard": ((LOGIN, OK, OK, OK, OK, OK, 403),
                              (LOGIN, OK, OK, OK, OK, OK, 403)),
    "supervision:dashboard_list": ((LOGIN, OK, OK, OK, OK, OK, 403),
                                   (LOGIN, OK, OK, OK, OK, OK, 403)),
    "supervision:unallocated": ((LOGIN, 403, 403, 403, OK, OK, 403),
                                (LOGIN, 403, 403, 403, OK, OK, 403)),
    "supervision:report": ((LOGIN, 403, 403, 403, OK, OK, 403),
                           (LOGIN, 403, 403, 403, OK, OK, 403)),
    "supervision:report_export": ((LOGIN, 403, 403, 403, OK, OK, 403),
                                  (LOGIN, 403, 403, 403, OK, OK, 403)),
    "supervision:notifications": ((LOGIN, OK, OK, OK, OK, OK, OK),
                                  (LOGIN, OK, OK, OK, OK, OK, OK)),
    "supervision:list": ((LOGIN, OK, OK, OK, OK, OK, 403),
                         (LOGIN, 403, 403, 403, OK, OK, 403)),
    "supervision:detail": ((LOGIN, OK, 404, 404, OK, 404, 404),
                           (LOGIN, 403, 404, 404, OK, 404, 404)),
    "supervision:action_add": ((LOGIN, 405, 405, 405, 405, 405, 405),
                               (LOGIN, 403, 404, 404, OK, 404, 404)),
    "supervision:action_done": ((LOGIN, 405, 405, 405, 405, 405, 405),
                                (LOGIN, 403, 404, 404, OK, 404, 404)),
    "supervision:sign": ((LOGIN, 405, 405, 405, 405, 405, 405),
                         (LOGIN, 403, 404, 404, OK, 404, 404)),
    "supervision:confirm": ((LOGIN, 405, 405, 405, 405, 405, 405),
                            (LOGIN, OK, 404, 404, 403, 404, 404)),
    "supervision:addendum": ((LOGIN, 405, 405, 405, 405, 405, 405),
                             (LOGIN, OK, 404, 404, OK, 404, 404)),
    "supervision:accountability": ((LOGIN, 403, 403, 404, OK, 404, 404),
                                   (LOGIN, 403, 403, 404, OK, 404, 404)),
}


@pytest.fixture
def record(manager, keyworker, client_record):
    supervision = services.supervision_start(manager=manager, keyworker=keyworker,
                                             held_on=client_record.admitted_on)
    services.action_add(supervision=supervision, by=manager, what="Call GP", who="keyworker",
                        by_when=client_record.admitted_on)
    return supervision


def _url(name, record, client_record):
    if name == "supervision:dashboard_list":
        return reverse(name, args=["not_logged"])
    if name == "supervision:report_export":
        return reverse(name, args=["csv"]) + "?period=quarter"
    if name == "supervision:action_done":
        return reverse(name, args=[record.pk, record.actions.get().pk])
    if name == "supervision:accountability":
        return reverse(name, args=[client_record.pk])
    if name in {"supervision:detail", "supervision:action_add", "supervision:sign",
                "supervision:confirm", "supervision:addendum"}:
        return reverse(name, args=[record.pk])
    return reverse(name)


CASES = [(name, method, role, expected[0 if method == "get" else 1][i])
         for name, expected in MATRIX.items() for method in ("get", "post")
         for i, role in enumerate(ROLES)]


def test_the_matrix_covers_every_supervision_url():
    from supervision.urls import urlpatterns

    assert {f"supervision:{p.name}" for p in urlpatterns} == set(MATRIX)


@pytest.mark.parametrize(("name", "method", "role", "expected"), CASES,
                         ids=[f"{n}-{m}-{r}" for n, m, r, _e in CASES])
def test_who_may_open_each_supervision_url(client, request, record, client_record, name,
                                           method, role, expected):
    if role != "anonymous":
        client.force_login(request.getfixturevalue(role))
    if name == "supervision:confirm" and role == "keyworker":
        services.supervision_sign(supervision=record, by=record.manager)
    if name == "supervision:addendum" and role in {"keyworker", "manager"}:
        services.supervision_sign(supervision=record, by=record.manager)
        services.supervision_confirm(supervision=Supervision.objects.get(pk=record.pk),
                                     by=record.keyworker)
    response = getattr(client, method)(_url(name, record, client_record))
    if expected == LOGIN:
        assert response.status_code == 302 and "/login/" in response.url
    elif expected == OK:
        assert response.status_code in (200, 302), response.status_code
        if response.status_code == 302:
            assert "/login/" not in response.url
    else:
        assert response.status_code == expected


def test_a_manager_sees_only_their_own_sites_unallocated_clients(client, site, manager,
                                                                other_site_manager):
    waiting = ClientFactory(site=site, first_name="Nia", last_name="Waiting")
    client.force_login(manager)
    page = client.get(reverse("supervision:unallocated")).content.decode()
    assert "Nia Waiting" in page
    assert reverse("clients:allocate", args=[waiting.pk]) in page
    client.force_login(other_site_manager)
    page = client.get(reverse("supervision:unallocated")).content.decode()
    assert "Nia Waiting" not in page
    assert "Every admitted client has a keyworker." in page
    # Another manager's site in the address is ignored, as by every site picker.
    foreign = client.get(reverse("supervision:unallocated"), {"site": site.pk})
    assert foreign.status_code == 200
    assert "Nia Waiting" not in foreign.content.decode()
