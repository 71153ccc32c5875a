"""Who may do what in safeguarding: every URL, for every member of the cast, GET and POST.

The concern is about Dee Harper (at Riverside, on Kim's caseload), raised by Kim and
reviewed by Maya, the manager; Dee is banned, the ban linked to it. Sam, Kim's colleague,
opens Dee's summary but may not read the concern: it is restricted.
"""

import pytest
from django.urls import reverse

from safeguarding.models import Ban, Incident, Involvement
from tests.clients.test_access import LOGIN, OK, ROLES, assert_outcome, sign_in
from tests.safeguarding.world import safeguarding_records

NOT_POST = (LOGIN, 405, 405, 405, 405, 405, 405)
# The restricted rule: Kim (raised it; Dee's keyworker) and the manager of the site read it;
# Sam (a colleague at the site), the other site and an administrator (who never reads client
# records) do not.
READERS = (LOGIN, OK, 404, 404, OK, 404, 404)
REVIEWERS = (LOGIN, 403, 404, 404, OK, 404, 404)

# url name: (GET per role, POST per role), in the order of ROLES.
MATRIX = {
    "safeguarding:list": ((LOGIN, OK, OK, OK, OK, OK, 403),) * 2,
    "safeguarding:raise": ((LOGIN, OK, OK, OK, OK, OK, 403), (LOGIN, OK, OK, OK, OK, OK, 403)),
    "safeguarding:detail": (READERS, (LOGIN, 403, 404, 404, 403, 404, 404)),
    "safeguarding:review": (NOT_POST, REVIEWERS),
    "safeguarding:close": (NOT_POST, REVIEWERS),
    "safeguarding:bans": ((LOGIN, 403, 403, 403, OK, OK, 403),) * 2,
    "safeguarding:ban_add": ((LOGIN, 403, 403, 404, OK, 404, 404),) * 2,
    "safeguarding:ban_review": ((LOGIN, 403, 403, 403, OK, 404, 403),) * 2,
    "safeguarding:ban_lift": ((LOGIN, 403, 403, 403, OK, 404, 403),) * 2,
}


@pytest.fixture
def world(client_record, keyworker, manager, site, colleague):
    return {**safeguarding_records(client=client_record, keyworker=keyworker, manager=manager,
                                   site=site), "client": client_record}


def url_of(name, world):
    if name in {"safeguarding:detail", "safeguarding:review", "safeguarding:close"}:
        return reverse(name, args=[world["incident"].pk])
    if name in ("safeguarding:ban_lift", "safeguarding:ban_review"):
        return reverse(name, args=[world["ban"].pk])
    if name == "safeguarding:ban_add":
        return reverse(name, args=[world["client"].pk])
    return reverse(name)


def test_the_matrix_covers_every_safeguarding_url():
    from safeguarding.urls import urlpatterns

    assert {f"safeguarding:{p.name}" for p in urlpatterns} == set(MATRIX)


CASES = [(name, method, role, expected[0 if method == "get" else 1][i])
         for name, expected in MATRIX.items() for method in ("get", "post")
         for i, role in enumerate(ROLES)]


@pytest.mark.parametrize(("name", "method", "role", "expected"), CASES,
                         ids=[f"{n}-{m}-{r}" for n, m, r, _e in CASES])
def test_each_role_gets_only_what_the_access_rules_allow(client, request, world, name, method,
                                                         role, expected):
    sign_in(client, request, role)
    response = getattr(client, method)(url_of(name, world))
    assert_outcome(response, expected, method)


def _snapshot():
    return [list(model.objects.order_by("pk").values()) for model in
            (Incident, Involvement, Ban, Incident.history.model, Ban.history.model)]


VALID = {
    "safeguarding:review": {"review_note": "Looked into it", "follow_up": "Call the hostel"},
    "safeguarding:close": {"outcome": "Dealt with"},
    "safeguarding:ban_lift": {"reason": "Apologised"},
    "safeguarding:ban_review": {"review_on": "2099-01-01", "note": "Still shouting"},
    "safeguarding:ban_add": {"kind": "ban", "reason": "Threats", "starts_on": "2026-01-05",
                             "review_on": "2026-02-01"},
}
REFUSED = [(role, name) for name in VALID for role, outcome
           in zip(ROLES, MATRIX[name][1], strict=True) if outcome not in (OK, LOGIN)]


@pytest.mark.parametrize(("role", "name"), REFUSED)
def test_a_refused_post_changes_nothing(client, request, world, role, name):
    sign_in(client, request, role)
    data = dict(VALID[name])
    if name == "safeguarding:ban_add":
        data["decided_by"] = request.getfixturevalue("manager").pk
    before = _snapshot()
    response = client.post(url_of(name, world), data)
    assert response.status_code in (403, 404)
    assert _snapshot() == before


def test_a_colleague_opening_the_file_reads_only_that_a_restricted_record_exists(
        client, world, colleague):
    client.force_login(colleague)
    page = client.get(reverse("clients:detail", args=[world["client"].pk])).content.decode()
    assert "restricted safeguarding record about this client is open" in page
    assert "Keep away from the kitchen door" in page  # the risk the team must know
    assert "Shouting at the door" not in page
    assert reverse("safeguarding:detail", args=[world["incident"].pk]) not in page
    listing = client.get(reverse("safeguarding:list")).content.decode()
    assert reverse("safeguarding:detail", args=[world["incident"].pk]) not in listing
    assert "No safeguarding record you may read yet" in listing
