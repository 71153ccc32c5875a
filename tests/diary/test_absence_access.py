"""Who may open each absence URL: the matrix of roles x URLs x GET/POST.

The absence is Kim's (the keyworker at Riverside) leave, recorded by Maya, her manager.
"""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from diary import services
from diary.models import StaffAbsence
from tests.clients.test_access import LOGIN, OK, ROLES, assert_outcome, sign_in

DAY = datetime.timedelta(days=1)

MATRIX = {
    "diary:absences": (LOGIN, OK, OK, OK, OK, OK, 403),
    "diary:absence_new": (LOGIN, OK, OK, OK, OK, OK, 403),
    "diary:absence_cover": (LOGIN, 403, 404, 404, OK, 404, 404),
    "diary:absence_cancel": (LOGIN, OK, 404, 404, OK, 404, 404),
}


@pytest.fixture
def absence(keyworker, manager, client_record):
    today = timezone.localdate()
    return services.absence_record(worker=keyworker, kind="leave", first_day=today + DAY,
                                   last_day=today + 3 * DAY, by=manager)


def url_of(name, absence):
    if name in ("diary:absences", "diary:absence_new"):
        return reverse(name)
    return reverse(name, args=[absence.pk])


def test_the_matrix_covers_every_absence_url():
    from diary.urls import urlpatterns

    assert {f"diary:{p.name}" for p in urlpatterns if p.name.startswith("absence")} == set(
        MATRIX)


@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize("name", MATRIX)
@pytest.mark.parametrize("role", ROLES)
def test_each_role_gets_only_what_the_access_rules_allow(client, request, absence, role, name,
                                                         method):
    sign_in(client, request, role)
    response = getattr(client, method)(url_of(name, absence))
    assert_outcome(response, MATRIX[name][ROLES.index(role)], method)


@pytest.mark.parametrize("role", ["colleague", "other_site_manager", "administrator",
                                  "keyworker"])
def test_a_refused_cancel_or_cover_changes_nothing(client, request, absence, colleague, role):
    sign_in(client, request, role)
    before = list(StaffAbsence.objects.values())
    client.post(url_of("diary:absence_cover", absence),
                {"everyone": colleague.pk, "handover_note": "Note"})
    if role != "keyworker":
        client.post(url_of("diary:absence_cancel", absence), {"cancel_reason": "No"})
    assert list(StaffAbsence.objects.values()) == before
    assert not absence.worker.keywork_sessions.exclude(worker=absence.worker).exists()


def test_a_keyworker_sees_only_their_own_absences(client, absence, colleague):
    client.force_login(colleague)
    page = client.get(reverse("diary:absences")).content.decode()
    assert "Kim Lowe" not in page and "You have no leave recorded" in page
