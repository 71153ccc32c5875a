"""Repeating sessions (a weekly or fortnightly series) and each client's expected number of
sessions a week.

The clocks go back at 02:00 on 25 Oct 2026 and forward at 01:00 on 28 Mar 2027: a weekly
10:00 session stays at 10:00 on the clock, so 09:00 UTC before and 10:00 UTC after.
"""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from diary import selectors, services
from diary.models import MAX_SERIES, DiarySettings, KeyworkSession, SessionSeries
from keywork.lib import dates
from tests.factories import KeyworkSessionFactory, client_with_keyworker, local_moment

DAY = datetime.timedelta(days=1)
MONDAY_BEFORE_BACK = datetime.date(2026, 10, 19)
MONDAY_BEFORE_FORWARD = datetime.date(2027, 3, 22)


@pytest.fixture(autouse=True)
def since_2025(client_record):
    """Dee has been Kim's client since before these clock changes."""
    long_ago = datetime.date(2025, 12, 1)
    client_record.referred_on = client_record.admitted_on = long_ago
    client_record.save()
    for allocation in client_record.allocations.all():
        allocation.start = long_ago
        allocation.save()


@pytest.fixture
def before(travel):
    """before(day): "now" is a week before `day`, so that a series from it is ahead."""
    def go(day):
        travel(days=(day - timezone.localdate()).days - 7)
    return go


def book(client_record, keyworker, day, hour=10, **fields):
    fields.setdefault("count", 4)
    return services.series_book(
        client=client_record, worker=keyworker, starts_at=local_moment(day, hour),
        expected_minutes=60, by=keyworker, interval_weeks=fields.pop("interval_weeks", 1),
        **fields)


def local_starts(sessions):
    return [(dates.local_day(s.starts_at), dates.local_time(s.starts_at)) for s in sessions]


def series_sessions(series):
    return list(series.sessions.order_by("starts_at"))


# Booking a series ------------------------------------------------------------------------


@pytest.mark.parametrize("monday", [MONDAY_BEFORE_BACK, MONDAY_BEFORE_FORWARD])
def test_a_weekly_series_keeps_its_local_time_across_the_clock_change(
        before, client_record, keyworker, monday):
    before(monday)
    series = book(client_record, keyworker, monday)
    sessions = series_sessions(series)
    assert local_starts(sessions) == [(monday + n * 7 * DAY, datetime.time(10))
                                      for n in range(4)]
    # Real instants differ by an hour across the change: not start + 7 * 24 hours.
    utc_hours = [s.starts_at.astimezone(datetime.UTC).hour for s in sessions]
    assert utc_hours == ([9, 10, 10, 10] if monday == MONDAY_BEFORE_BACK else [10, 9, 9, 9])
    assert all(s.expected_minutes == 60 and s.series_id == series.pk for s in sessions)
    assert all(s.status == KeyworkSession.Status.BOOKED for s in sessions)


def test_a_fortnightly_series_until_a_day_books_every_other_week_up_to_it(
        before, client_record, keyworker):
    before(MONDAY_BEFORE_BACK)
    series = book(client_record, keyworker, MONDAY_BEFORE_BACK, interval_weeks=2, count=None,
                  until=MONDAY_BEFORE_BACK + 42 * DAY)
    assert [d for d, _t in local_starts(series_sessions(series))] == [
        MONDAY_BEFORE_BACK + n * 14 * DAY for n in range(4)]
    assert (series.until, series.count) == (MONDAY_BEFORE_BACK + 42 * DAY, None)


def test_a_series_is_capped_and_more_is_refused_with_nothing_booked(
        before, client_record, keyworker):
    before(MONDAY_BEFORE_BACK)
    with pytest.raises(ValidationError) as error:
        book(client_record, keyworker, MONDAY_BEFORE_BACK, count=MAX_SERIES + 1)
    assert "count" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        book(client_record, keyworker, MONDAY_BEFORE_BACK, count=None,
             until=MONDAY_BEFORE_BACK + 7 * MAX_SERIES * DAY)
    assert "at most 52" in error.value.message_dict["until"][0]
    assert not KeyworkSession.objects.exists() and not SessionSeries.objects.exists()
    assert len(series_sessions(book(client_record, keyworker, MONDAY_BEFORE_BACK,
                                    count=MAX_SERIES))) == MAX_SERIES


def test_a_clash_with_one_session_refuses_the_whole_series(
        before, client_record, keyworker, colleagues_client):
    before(MONDAY_BEFORE_BACK)
    third = MONDAY_BEFORE_BACK + 14 * DAY
    KeyworkSessionFactory(client=colleagues_client, worker=keyworker,
                          starts_at=local_moment(third, 10, 30))
    with pytest.raises(ValidationError) as error:
        book(client_record, keyworker, MONDAY_BEFORE_BACK)
    assert "Choose another time" in error.value.message_dict["starts_at"][0]
    assert KeyworkSession.objects.count() == 1 and not SessionSeries.objects.exists()


def test_a_series_is_booked_ahead(client_record, keyworker):
    with pytest.raises(ValidationError) as error:
        services.series_book(client=client_record, worker=keyworker,
                             starts_at=timezone.now() - DAY, expected_minutes=60,
                             by=keyworker, interval_weeks=1, count=3)
    assert "ahead" in error.value.message_dict["starts_at"][0]


def test_the_booking_page_books_a_series(client, before, client_record, keyworker):
    before(MONDAY_BEFORE_BACK)
    client.force_login(keyworker)
    response = client.post(reverse("diary:book"), {
        "client": client_record.pk, "worker": keyworker.pk,
        "day": MONDAY_BEFORE_BACK.isoformat(), "start": "10:00", "end": "11:00",
        "place": "site_room", "repeat": "1", "count": "4"})
    assert response.status_code == 302
    series = SessionSeries.objects.get()
    assert (series.interval_weeks, series.count, series.created_by) == (1, 4, keyworker)
    assert series.sessions.count() == 4


@pytest.mark.parametrize("fields, field, words", [
    ({"repeat": "1"}, "until", "last day"),
    ({"repeat": "1", "count": "4", "until": "2026-12-01"}, "count", "not both"),
    ({"repeat": "1", "count": "53"}, "count", "52"),
    ({"repeat": "2", "until": "2026-10-01"}, "until", "before the first"),
])
def test_the_booking_page_says_what_is_wrong_with_a_series_and_books_nothing(
        client, before, client_record, keyworker, fields, field, words):
    before(MONDAY_BEFORE_BACK)
    client.force_login(keyworker)
    response = client.post(reverse("diary:book"), {
        "client": client_record.pk, "worker": keyworker.pk,
        "day": MONDAY_BEFORE_BACK.isoformat(), "start": "10:00", "end": "11:00",
        "place": "site_room", **fields})
    assert response.status_code == 200
    assert words in " ".join(response.context["form"].errors[field])
    assert not KeyworkSession.objects.exists()


# Changing this and all following -----------------------------------------------------------


def test_moving_this_and_following_moves_the_later_booked_sessions_to_the_new_local_time(
        client, before, client_record, keyworker):
    before(MONDAY_BEFORE_BACK - 7 * DAY)
    first, second, third, fourth = series_sessions(book(client_record, keyworker,
                                                        MONDAY_BEFORE_BACK - 7 * DAY))
    client.force_login(keyworker)
    # Moved to Tuesday at 14:00, 45 minutes, from the second (the Monday before the change).
    response = client.post(reverse("diary:edit", args=[second.pk]), {
        "version": second.version, "worker": keyworker.pk,
        "day": (MONDAY_BEFORE_BACK + DAY).isoformat(), "start": "14:00", "end": "14:45",
        "place": "site_room", "scope": "following"})
    assert response.status_code == 302
    sessions = {s.pk: s for s in KeyworkSession.objects.all()}
    assert local_starts([sessions[first.pk]]) == [(MONDAY_BEFORE_BACK - 7 * DAY,
                                                   datetime.time(10))]
    assert local_starts([sessions[pk] for pk in (second.pk, third.pk, fourth.pk)]) == [
        (MONDAY_BEFORE_BACK + (1 + 7 * n) * DAY, datetime.time(14)) for n in range(3)]
    assert all(sessions[pk].expected_minutes == 45 for pk in (second.pk, third.pk, fourth.pk))


def test_moving_following_leaves_held_sessions_alone_and_this_only_moves_one(
        before, travel, client_record, keyworker):
    before(MONDAY_BEFORE_BACK)
    sessions = series_sessions(book(client_record, keyworker, MONDAY_BEFORE_BACK))
    # The third was logged as held (say, early): a series change never touches it.
    third = sessions[2]
    KeyworkSession.objects.filter(pk=third.pk).update(
        status="attended", actual_start=third.starts_at, actual_minutes=60, discussed="Rent.",
        logged_by=keyworker, logged_at=third.starts_at)
    moved = services.series_reschedule(
        session=sessions[1], version=sessions[1].version, by=keyworker, worker=keyworker,
        starts_at=local_moment(MONDAY_BEFORE_BACK + 7 * DAY, 11), expected_minutes=60,
        place="site_room")
    assert [s.pk for s in moved] == [sessions[1].pk, sessions[3].pk]
    third.refresh_from_db()
    assert dates.local_time(third.starts_at) == datetime.time(10)
    first = sessions[0]
    services.session_reschedule(session=first, version=first.version, by=keyworker,
                                worker=keyworker,
                                starts_at=local_moment(MONDAY_BEFORE_BACK, 15),
                                expected_minutes=60, place="site_room")
    assert [dates.local_time(s.starts_at) for s in series_sessions(sessions[0].series)] == [
        datetime.time(15), datetime.time(11), datetime.time(10), datetime.time(11)]


def test_moving_following_onto_another_booking_is_refused_and_nothing_moves(
        before, client_record, keyworker, colleagues_client):
    before(MONDAY_BEFORE_BACK)
    sessions = series_sessions(book(client_record, keyworker, MONDAY_BEFORE_BACK))
    KeyworkSessionFactory(client=colleagues_client, worker=keyworker,
                          starts_at=local_moment(MONDAY_BEFORE_BACK + 21 * DAY, 15))
    with pytest.raises(ValidationError):
        services.series_reschedule(
            session=sessions[1], version=sessions[1].version, by=keyworker, worker=keyworker,
            starts_at=local_moment(MONDAY_BEFORE_BACK + 7 * DAY, 15), expected_minutes=60,
            place="site_room")
    assert {dates.local_time(s.starts_at) for s in series_sessions(sessions[0].series)} == {
        datetime.time(10)}


def test_moving_a_whole_week_later_is_no_clash_with_the_series_itself(
        before, client_record, keyworker):
    before(MONDAY_BEFORE_BACK)
    sessions = series_sessions(book(client_record, keyworker, MONDAY_BEFORE_BACK))
    services.series_reschedule(
        session=sessions[0], version=sessions[0].version, by=keyworker, worker=keyworker,
        starts_at=local_moment(MONDAY_BEFORE_BACK + 7 * DAY, 10), expected_minutes=60,
        place="site_room")
    assert [d for d, _t in local_starts(series_sessions(sessions[0].series))] == [
        MONDAY_BEFORE_BACK + 7 * (n + 1) * DAY for n in range(4)]


# Cancelling ------------------------------------------------------------------------------


def test_cancelling_this_and_following_cancels_the_later_booked_ones_with_the_reason(
        client, before, client_record, keyworker):
    before(MONDAY_BEFORE_BACK)
    sessions = series_sessions(book(client_record, keyworker, MONDAY_BEFORE_BACK))
    held = sessions[3]
    KeyworkSession.objects.filter(pk=held.pk).update(
        status="attended", actual_start=held.starts_at, actual_minutes=60, discussed="Rent.",
        logged_by=keyworker, logged_at=held.starts_at)
    client.force_login(keyworker)
    response = client.post(reverse("diary:cancel", args=[sessions[1].pk]), {
        "version": sessions[1].version, "scope": "following", "cancelled_by": "client",
        "reason": "Starting a college course on Mondays."})
    assert response.status_code == 302
    status = dict(KeyworkSession.objects.values_list("pk", "status"))
    assert [status[s.pk] for s in sessions] == ["booked", "cancelled", "cancelled", "attended"]
    cancelled = KeyworkSession.objects.get(pk=sessions[2].pk)
    assert (cancelled.cancelled_by, cancelled.cancel_reason, cancelled.logged_by) == (
        "client", "Starting a college course on Mondays.", keyworker)
    # Kim cancelled them herself: Today does not tell her so.
    assert not [i for i in selectors.due_for(keyworker) if i.kind == "cancelled"]


def test_cancelling_this_session_only_and_a_missing_reason(client, before, client_record,
                                                           keyworker):
    before(MONDAY_BEFORE_BACK)
    sessions = series_sessions(book(client_record, keyworker, MONDAY_BEFORE_BACK))
    client.force_login(keyworker)
    url = reverse("diary:cancel", args=[sessions[0].pk])
    response = client.post(url, {"version": sessions[0].version, "scope": "this",
                                 "cancelled_by": "staff", "reason": " "})
    assert response.status_code == 200 and response.context["form"].errors["reason"]
    response = client.post(url, {"version": sessions[0].version, "scope": "this",
                                 "cancelled_by": "staff", "reason": "Training day."})
    assert response.status_code == 302
    assert list(KeyworkSession.objects.values_list("status", flat=True)
                .order_by("starts_at")) == ["cancelled", "booked", "booked", "booked"]


# Each client's expected frequency ----------------------------------------------------------


def test_a_clients_own_frequency_changes_every_this_week_figure(
        client_record, keyworker, colleagues_client, site):
    monday = dates.week_start(timezone.localdate())
    KeyworkSessionFactory(client=client_record, worker=keyworker, held=True,
                          starts_at=local_moment(monday, 9))
    assert not selectors.sessions_this_week([client_record])[client_record.pk].is_short
    services.cadence_set(client=client_record, by=keyworker, sessions_per_week=2)
    week = selectors.sessions_this_week([client_record, colleagues_client])
    assert (week[client_record.pk].expected, week[client_record.pk].from_site) == (2, False)
    assert week[client_record.pk].is_short
    assert (week[colleagues_client.pk].expected, week[colleagues_client.pk].from_site) == (
        1, True)
    assert client_record.pk in selectors.short_this_week([site.pk])
    assert [c.pk for c, _w in selectors.caseload_short_this_week(keyworker)] == [
        client_record.pk]
    assert client_record.pk in {item.client.pk for item in selectors.due_for(keyworker)
                                if item.kind == "short"}
    start, _end = dates.week_bounds(monday - 28 * DAY)
    tally = selectors.sessions_between([client_record], start, timezone.now())
    assert tally[client_record.pk].expected > selectors.expected_in(
        1, dates.local_day(start), timezone.localdate())
    # Back to the site's number (which the site changed meanwhile).
    DiarySettings.objects.create(site=site, sessions_per_week=3)
    services.cadence_set(client=client_record, by=keyworker, sessions_per_week=None)
    assert selectors.expected_per_week([client_record.pk])[client_record.pk] == (
        selectors.Expected(3, True))


def test_expected_per_week_is_one_query_for_many_clients(
        site, keyworker, django_assert_num_queries):
    clients = [client_with_keyworker(site=site, keyworker=keyworker) for _ in range(5)]
    services.cadence_set(client=clients[0], by=keyworker, sessions_per_week=4)
    with django_assert_num_queries(1):
        found = selectors.expected_per_week([c.pk for c in clients])
    assert found[clients[0].pk] == selectors.Expected(4, False)
    assert found[clients[1].pk] == selectors.Expected(1, True)


def test_the_file_says_where_the_number_comes_from_and_the_page_changes_it(
        client, client_record, keyworker):
    client.force_login(keyworker)
    page = client.get(client_record.get_absolute_url()).content.decode()
    assert "site default" in page and reverse("diary:cadence", args=[client_record.pk]) in page
    response = client.post(reverse("diary:cadence", args=[client_record.pk]),
                           {"sessions_per_week": "2"})
    assert response.status_code == 302
    page = client.get(client_record.get_absolute_url()).content.decode()
    assert "set for this client" in page
    response = client.post(reverse("diary:cadence", args=[client_record.pk]),
                           {"sessions_per_week": "9"})
    assert response.status_code == 200 and response.context["form"].errors
    assert client_record.cadence.sessions_per_week == 2


def test_only_those_who_open_the_file_set_the_frequency(client, client_record, colleague,
                                                         other_site_keyworker):
    url = reverse("diary:cadence", args=[client_record.pk])
    client.force_login(colleague)
    assert client.post(url, {"sessions_per_week": "3"}).status_code == 403
    client.force_login(other_site_keyworker)
    assert client.post(url, {"sessions_per_week": "3"}).status_code == 404
    assert not hasattr(client_record, "cadence") or client_record.cadence is None


def test_a_session_whose_time_has_come_is_logged_not_cancelled(client, keyworker,
                                                               client_record):
    """Cancelling past keywork would skip the late-recording rule: the log records it."""
    session = KeyworkSessionFactory(client=client_record, worker=keyworker,
                                    starts_at=timezone.now() - datetime.timedelta(days=20))
    with pytest.raises(ValidationError, match="Log the session"):
        services.session_cancel(session=session, version=session.version, by=keyworker,
                                cancelled_by="client", reason="Away")
    client.force_login(keyworker)
    page = client.get(reverse("diary:session", args=[session.pk])).content.decode()
    assert reverse("diary:cancel", args=[session.pk]) not in page
    assert KeyworkSession.objects.get(pk=session.pk).status == "booked"
