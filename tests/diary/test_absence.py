"""Staff absence: recording it, arranging cover in one action, and who is away."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from clients.models import Allocation
from diary import selectors, services
from diary.models import KeyworkSession, StaffAbsence
from tests.factories import KeyworkSessionFactory, local_moment

DAY = datetime.timedelta(days=1)


def today():
    return timezone.localdate()


@pytest.fixture
def leave(keyworker, manager):
    """Kim away from tomorrow for four days."""
    return services.absence_record(worker=keyworker, kind="leave", first_day=today() + DAY,
                                   last_day=today() + 4 * DAY, by=manager)


def test_a_manager_records_leave_and_an_overlap_is_refused_with_a_message(leave, keyworker,
                                                                          manager):
    assert leave.recorded_by == manager
    with pytest.raises(ValidationError, match="already recorded as away"):
        services.absence_record(worker=keyworker, kind="sickness", first_day=today() + 4 * DAY,
                                last_day=today() + 6 * DAY, by=manager)
    # Once cancelled, the days are free again.
    services.absence_cancel(absence=leave, by=manager, reason="Leave moved")
    services.absence_record(worker=keyworker, kind="sickness", first_day=today() + 4 * DAY,
                            last_day=today() + 6 * DAY, by=manager)
    assert StaffAbsence.objects.count() == 2


def test_the_last_day_cannot_be_before_the_first(keyworker, manager):
    with pytest.raises(ValidationError, match="last day"):
        services.absence_record(worker=keyworker, kind="leave", first_day=today() + 3 * DAY,
                                last_day=today() + DAY, by=manager)
    far = datetime.date(9999, 12, 31)
    with pytest.raises(ValidationError, match="two years ahead"):
        services.absence_record(worker=keyworker, kind="leave", first_day=far, last_day=far,
                                by=manager)
    assert not StaffAbsence.objects.exists()


def test_a_keyworker_records_their_own_leave_but_not_sickness_or_a_colleagues(
        keyworker, colleague, other_site_manager):
    services.absence_record(worker=keyworker, kind="leave", first_day=today() + DAY,
                            last_day=today() + DAY, by=keyworker)
    with pytest.raises(PermissionDenied):
        services.absence_record(worker=keyworker, kind="sickness", first_day=today() + 5 * DAY,
                                last_day=today() + 5 * DAY, by=keyworker)
    with pytest.raises(PermissionDenied):
        services.absence_record(worker=colleague, kind="leave", first_day=today() + DAY,
                                last_day=today() + DAY, by=keyworker)
    with pytest.raises(PermissionDenied):
        services.absence_record(worker=keyworker, kind="leave", first_day=today() + 9 * DAY,
                                last_day=today() + 9 * DAY, by=other_site_manager)


def test_cover_moves_the_booked_sessions_in_the_absence_and_leaves_the_rest(
        leave, client_record, keyworker, colleague, manager):
    dee = client_record
    during = KeyworkSessionFactory(client=dee, worker=keyworker,
                                   starts_at=local_moment(today() + 2 * DAY, 10))
    after = KeyworkSessionFactory(client=dee, worker=keyworker,
                                  starts_at=local_moment(today() + 6 * DAY, 10))
    with_manager = KeyworkSessionFactory(client=dee, worker=manager,
                                         starts_at=local_moment(today() + 3 * DAY, 10))
    results = services.absence_cover_arrange(absence=leave, choices={dee: colleague},
                                             handover_note="Dee's housing form", by=manager)
    assert [s.pk for s in results[0].moved] == [during.pk]
    during.refresh_from_db()
    after.refresh_from_db()
    with_manager.refresh_from_db()
    assert during.worker == colleague
    assert after.worker == keyworker and with_manager.worker == manager
    assert f"(#{leave.pk})" in during.history.first().history_change_reason
    cover = Allocation.objects.get(client=dee, kind=Allocation.Kind.COVER)
    assert (cover.worker, cover.start, cover.last_day) == (colleague, leave.first_day,
                                                           leave.last_day)
    # Dee keeps her keyworker, and the moved session still counts for her week.
    assert dee.allocations.current().primary().get().worker == keyworker
    week = selectors.sessions_this_week([dee], today=today() + 2 * DAY)[dee.pk]
    assert week.booked >= 1
    # The page that says what was done opens the cover's diary on their first moved session.
    assert results[0].diary_day == today() + 2 * DAY


def test_the_covers_diary_opens_on_the_first_day_of_cover_when_no_session_moved(
        leave, client_record, colleague, manager):
    result, = services.absence_cover_arrange(absence=leave, choices={client_record: colleague},
                                             handover_note="Nothing booked", by=manager)
    assert result.moved == [] and result.diary_day == leave.first_day


def test_a_session_the_cover_cannot_take_stays_and_is_listed(leave, client_record,
                                                             colleagues_client, keyworker,
                                                             colleague, manager):
    moment = local_moment(today() + 2 * DAY, 10)
    mine = KeyworkSessionFactory(client=client_record, worker=keyworker, starts_at=moment)
    KeyworkSessionFactory(client=colleagues_client, worker=colleague, starts_at=moment)
    results = services.absence_cover_arrange(absence=leave, choices={client_record: colleague},
                                             handover_note="Note", by=manager)
    assert results[0].moved == [] and results[0].left[0][0].pk == mine.pk
    mine.refresh_from_db()
    assert mine.worker == keyworker


def test_cover_is_refused_whole_for_a_client_already_covered_and_changes_nothing(
        leave, client_record, keyworker, colleague, manager):
    KeyworkSessionFactory(client=client_record, worker=keyworker,
                          starts_at=local_moment(today() + 2 * DAY, 10))
    with pytest.raises(ValidationError, match="away on some of those days"):
        services.absence_cover_arrange(absence=leave, choices={client_record: keyworker},
                                       handover_note="Note", by=manager)
    with pytest.raises(PermissionDenied):
        services.absence_cover_arrange(absence=leave, choices={client_record: colleague},
                                       handover_note="Note", by=colleague)
    assert not Allocation.objects.filter(kind=Allocation.Kind.COVER).exists()
    assert not KeyworkSession.objects.filter(worker=colleague).exists()


def test_away_shows_the_cover_and_who_is_left_without(leave, client_record, keyworker,
                                                      colleague, manager, site):
    found = selectors.away([site.pk], today(), today() + 6 * DAY)
    assert [a.absence for a in found] == [leave]
    assert found[0].uncovered == [client_record]
    services.absence_cover_arrange(absence=leave, choices={client_record: colleague},
                                   handover_note="Note", by=manager)
    found = selectors.away([site.pk], today(), today() + 6 * DAY)
    assert found[0].uncovered == [] and found[0].cover_workers == [(colleague, 1)]
    assert selectors.keyworker_away(client_record) is None  # not away today
    away, covers = selectors.keyworker_away(client_record, today() + DAY)
    assert away.absence == leave and [c.worker for c in covers] == [colleague]


def test_the_pages_show_who_is_away(client, leave, client_record, keyworker, colleague,
                                    manager, travel):
    services.absence_cover_arrange(absence=leave, choices={client_record: colleague},
                                   handover_note="Note", by=manager)
    client.force_login(keyworker)
    assert "Your time away" in client.get(reverse("diary:today")).content.decode()
    travel(days=1)
    client.force_login(manager)
    page = client.get(reverse("supervision:dashboard")).content.decode()
    assert "Who is away this week" in page and "Kim Lowe" in page
    page = client.get(reverse("clients:detail", args=[client_record.pk])).content.decode()
    assert "is away until" in page and "Sam Reid" in page


def test_the_cover_page_arranges_cover_in_one_post(client, leave, client_record, keyworker,
                                                   colleague, manager):
    session = KeyworkSessionFactory(client=client_record, worker=keyworker,
                                    starts_at=local_moment(today() + 2 * DAY, 10))
    client.force_login(manager)
    url = reverse("diary:absence_cover", args=[leave.pk])
    page = client.get(url).content.decode()
    assert "Dee Harper" in page and f'name="cover_{client_record.pk}"' in page
    # Nothing chosen: a clear message and nothing changes.
    response = client.post(url, {"handover_note": "Note"})
    assert "Choose a cover worker for at least one client" in response.content.decode()
    assert not Allocation.objects.filter(kind=Allocation.Kind.COVER).exists()
    response = client.post(url, {"everyone": colleague.pk, "handover_note": "Note"})
    assert response.status_code == 200
    assert "1 session moved" in response.content.decode()
    assert "to Sam Reid" in response.content.decode()
    session.refresh_from_db()
    assert session.worker == colleague


def test_the_dashboard_shows_an_absence_recorded_after_it_was_cached(client, keyworker,
                                                                     manager):
    """Who is away this week is kept in the cache with the dashboard's figures: an absence
    recorded since shows at once."""
    client.force_login(manager)
    url = reverse("supervision:dashboard")
    assert "Nobody is recorded as away this week." in client.get(url).content.decode()
    services.absence_record(worker=keyworker, kind="sickness", first_day=today(),
                            last_day=today(), by=manager)
    page = client.get(url).content.decode()
    assert "Nobody is recorded as away this week." not in page
    assert "Kim Lowe" in page and "Away today" in page
