"""Booking, logging and showing sessions on the nights the clocks change.

The clocks go forward at 01:00 on 29 Mar 2026 and 28 Mar 2027 (no 01:00-01:59) and back
at 02:00 on 25 Oct 2026 and 31 Oct 2027 (01:00-01:59 twice). Each bug issue 14 found has
its test here: a skipped time stored ending before it started, a clash missed after it,
lengths taken from the clock face (120 minutes stored where 60 passed, 90 real minutes
where 30 were stored).
"""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from diary import forms, services
from diary.models import Contact, KeyworkSession
from keywork.lib import dates
from tests.factories import KeyworkSessionFactory

FORWARD = [datetime.date(2026, 3, 29), datetime.date(2027, 3, 28)]
BACK = [datetime.date(2026, 10, 25), datetime.date(2027, 10, 31)]
MINUTES = datetime.timedelta(minutes=1)


def utc(day, hour, minute=0):
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def since_2025(client_record):
    """Dee has been Kim's client since before the first of these nights."""
    long_ago = datetime.date(2025, 12, 1)
    client_record.referred_on = client_record.admitted_on = long_ago
    client_record.save()
    for allocation in client_record.allocations.all():
        allocation.start = long_ago
        allocation.save()


@pytest.fixture
def travel_to(travel):
    """travel_to(day, days=-7): "now" is that many days from the same time on `day`."""
    today = timezone.localdate()

    def go(day, *, days=0):
        travel(days=(day - today).days + days)
    return go


@pytest.fixture
def week_before(travel_to):
    """Move "now" to a week before `day`, so that a booking on it is in the future."""
    return lambda day: travel_to(day, days=-7)


@pytest.fixture
def booking_page(client, keyworker, client_record, week_before):
    """POST a booking for Dee with Kim on `day`, the clock a week before it."""
    client.force_login(keyworker)

    def post(day, start, end, **fields):
        week_before(day)
        return client.post(reverse("diary:book"), {
            "client": client_record.pk, "worker": keyworker.pk, "day": day.isoformat(),
            "start": start, "end": end, "place": "site_room", **fields})
    return post


def only_session():
    return KeyworkSession.objects.get()


# A time the clocks skip ---------------------------------------------------------------------


@pytest.mark.parametrize("day", FORWARD)
def test_a_start_the_clocks_skip_is_refused_with_a_message_and_nothing_stored(booking_page,
                                                                             day):
    response = booking_page(day, "01:30", "02:00")
    assert response.status_code == 200
    assert response.context["form"].errors["start"] == [
        f"There is no 01:30 on {day.day} Mar {day.year} in the UK: the clocks go forward at "
        "01:00. Choose another time."]
    assert not KeyworkSession.objects.exists()


@pytest.mark.parametrize("day", FORWARD)
def test_an_end_the_clocks_skip_is_refused(booking_page, day):
    response = booking_page(day, "00:30", "01:15")
    assert "There is no 01:15" in response.context["form"].errors["end"][0]
    assert not KeyworkSession.objects.exists()


@pytest.mark.parametrize("day", FORWARD)
def test_a_session_across_the_jump_stores_the_minutes_that_pass(booking_page, day):
    # 00:30 to 02:30 on the clock is one hour: it once stored 120 minutes.
    booking_page(day, "00:30", "02:30")
    session = only_session()
    assert session.expected_minutes == 60
    assert session.starts_at == utc(day, 0, 30)
    assert session.ends_at == utc(day, 1, 30)


@pytest.mark.parametrize("day", FORWARD)
def test_the_week_shows_a_session_across_the_jump_at_its_local_times(booking_page, client,
                                                                    day):
    booking_page(day, "00:30", "02:30")
    page = client.get(reverse("diary:week"),
                      {"week": dates.week_start(day).isoformat()}).content.decode()
    assert "00:30–02:30</span> Dee Harper" in page


@pytest.mark.parametrize("day", FORWARD)
def test_a_clash_across_the_jump_is_found(booking_page, day):
    booking_page(day, "00:30", "02:30")
    response = booking_page(day, "02:15", "03:00")
    assert response.context["form"].errors["start"] == [
        f"Kim Lowe already has a session with Dee Harper on {day.day} Mar {day.year} from "
        "00:30 to 02:30. Choose another time."]
    assert KeyworkSession.objects.count() == 1


@pytest.mark.parametrize("day", FORWARD)
def test_a_session_booked_through_the_service_ends_its_minutes_after_it_starts(
        client_record, keyworker, week_before, day):
    # Given a start on the London clock (as Django's make_aware makes it), the end was its
    # clock face plus the minutes: 01:30 GMT + 30 became 02:00 "GMT", before the start...
    week_before(day)
    start = timezone.make_aware(datetime.datetime.combine(day, datetime.time(0, 45)))
    session = services.session_book(client=client_record, worker=keyworker, starts_at=start,
                                    expected_minutes=90, by=keyworker)
    assert session.ends_at - session.starts_at == 90 * MINUTES
    assert dates.format_time(session.ends_at) == "03:15"
    # ...and a later booking inside it was accepted without a clash.
    with pytest.raises(services.ValidationError, match="already has a session"):
        services.session_book(client=client_record, worker=keyworker,
                              starts_at=dates.at(day, datetime.time(2, 40)),
                              expected_minutes=30, by=keyworker)


# A time the clocks show twice ----------------------------------------------------------------


@pytest.mark.parametrize("day", BACK)
def test_a_start_shown_twice_asks_which_keeping_what_was_typed(booking_page, day):
    response = booking_page(day, "01:30", "02:00", where="Kept as typed")
    form = response.context["form"]
    assert form.errors["start_fold"] == [
        f"01:30 happens twice on {day.day} Oct {day.year} in the UK, as the clocks go back: "
        "say which."]
    page = response.content.decode()
    assert "01:30 BST (first)" in page and "01:30 GMT (second)" in page
    assert form["day"].value() == day.isoformat() and form["start"].value() == "01:30"
    assert 'value="Kept as typed"' in page
    assert not KeyworkSession.objects.exists()


def test_the_choice_of_which_is_not_offered_on_an_ordinary_night(booking_page):
    response = booking_page(datetime.date(2027, 11, 7), "01:30", "01:00")
    assert "start_fold" not in response.context["form"].fields
    assert "BST" not in response.content.decode()


@pytest.mark.parametrize("day", BACK)
def test_the_second_0130_to_0200_is_thirty_minutes(booking_page, day):
    booking_page(day, "01:30", "02:00", start_fold=dates.SECOND)
    session = only_session()
    assert (session.starts_at, session.ends_at) == (utc(day, 1, 30), utc(day, 2))
    assert session.expected_minutes == 30


@pytest.mark.parametrize("day", BACK)
def test_the_first_0130_to_0200_is_ninety_minutes_and_stored_as_such(booking_page, day):
    # It once stored 30 minutes with an end 90 real minutes after the start.
    booking_page(day, "01:30", "02:00", start_fold=dates.FIRST)
    session = only_session()
    assert session.starts_at == utc(day, 0, 30)
    assert session.expected_minutes == 90
    assert session.ends_at == utc(day, 2)


@pytest.mark.parametrize("day", BACK)
def test_a_session_across_the_repeat_stores_the_minutes_that_pass(booking_page, client, day):
    booking_page(day, "00:30", "02:30")
    session = only_session()
    assert session.expected_minutes == 180
    assert session.ends_at - session.starts_at == 180 * MINUTES
    page = client.get(reverse("diary:week"),
                      {"week": dates.week_start(day).isoformat()}).content.decode()
    assert "00:30–02:30</span> Dee Harper" in page


@pytest.mark.parametrize("day", BACK)
def test_a_clash_in_the_repeated_hour_is_found_only_for_the_same_showing(booking_page, day):
    booking_page(day, "01:00", "01:45", start_fold=dates.SECOND, end_fold=dates.SECOND)
    clash = booking_page(day, "01:30", "02:15", start_fold=dates.SECOND)
    assert "already has a session" in clash.context["form"].errors["start"][0]
    booking_page(day, "01:00", "01:45", start_fold=dates.FIRST, end_fold=dates.FIRST)
    assert KeyworkSession.objects.count() == 2


@pytest.mark.parametrize("day", BACK)
def test_changing_a_booking_in_the_repeated_hour_shows_which_it_is(client, keyworker,
                                                                   client_record, week_before,
                                                                   day):
    week_before(day)
    session = KeyworkSessionFactory(client=client_record, worker=keyworker,
                                    starts_at=utc(day, 1, 30), expected_minutes=30)
    client.force_login(keyworker)
    form = client.get(reverse("diary:edit", args=[session.pk])).context["form"]
    assert form.initial["start"] == datetime.time(1, 30)
    assert form["start_fold"].value() == dates.SECOND
    assert "end_fold" not in form.fields  # 02:00 happens once


def test_an_expected_return_shown_twice_asks_which(booking_page):
    day = BACK[1]
    asked = booking_page(day, "00:30", "00:50", place="external", where="GP surgery",
                         back="01:30")
    assert "happens twice" in asked.context["form"].errors["back_fold"][0]
    booking_page(day, "00:30", "00:50", place="external", where="GP surgery", back="01:30",
                 back_fold=dates.SECOND)
    assert only_session().expected_back_at == utc(day, 1, 30)


# Logging what happened and contacts ---------------------------------------------------------


def log_data(session, **fields):
    return {"version": session.version, "status": "attended", "worker": session.worker_id,
            "discussed": "Went through the housing form", "next_steps": "", "progress": "",
            "risks": "", "late_reason": "Typing up paper notes", **fields}


def test_logging_a_start_the_clocks_skipped_is_refused(client, keyworker, client_record):
    day = FORWARD[0]
    session = KeyworkSessionFactory(client=client_record, worker=keyworker,
                                    starts_at=utc(day, 0, 30), expected_minutes=60)
    client.force_login(keyworker)
    response = client.post(reverse("diary:log", args=[session.pk]), log_data(
        session, day=day.isoformat(), start="01:10", end="02:30"))
    assert "There is no 01:10" in response.context["form"].errors["start"][0]
    session.refresh_from_db()
    assert session.status == KeyworkSession.Status.BOOKED


def test_logging_a_start_shown_twice_asks_which_then_keeps_the_real_minutes(client, keyworker,
                                                                            client_record):
    day = BACK[0]
    session = KeyworkSessionFactory(client=client_record, worker=keyworker,
                                    starts_at=utc(day, 0, 30), expected_minutes=60)
    client.force_login(keyworker)
    data = log_data(session, day=day.isoformat(), start="01:30", end="02:00")
    asked = client.post(reverse("diary:log", args=[session.pk]), data)
    assert "happens twice" in asked.context["form"].errors["start_fold"][0]
    client.post(reverse("diary:log", args=[session.pk]), data | {"start_fold": dates.FIRST})
    session.refresh_from_db()
    assert session.actual_start == utc(day, 0, 30)
    assert session.actual_minutes == 90
    assert session.actual_end == utc(day, 2)


def test_the_log_form_opens_on_the_showing_the_session_was_booked_at(keyworker,
                                                                    client_record):
    day = BACK[0]
    session = KeyworkSessionFactory(client=client_record, worker=keyworker,
                                    starts_at=utc(day, 0, 40), expected_minutes=60)
    form = forms.LogForm(workers=type(keyworker).objects.all(), session=session)
    assert form.initial["start"] == datetime.time(1, 40)
    assert form["start_fold"].value() == dates.FIRST
    assert form.initial["end"] == datetime.time(1, 40)
    assert form["end_fold"].value() == dates.SECOND


def test_a_contact_at_a_time_shown_twice_today_asks_which(client, keyworker, client_record,
                                                          travel_to):
    day = BACK[0]
    travel_to(day)
    if timezone.now() < utc(day, 1, 30):  # the test runs in the small hours
        travel_to(day, days=0.5)
    client.force_login(keyworker)
    url = reverse("diary:contact_log", args=[client_record.pk])
    data = {"kind": "phone", "note": "Rang about the letter", "time": "01:30"}
    asked = client.post(url, data, headers={"HX-Request": "true"})
    assert "happens twice" in asked.context["form"].errors["time_fold"][0]
    client.post(url, data | {"time_fold": dates.SECOND})
    assert Contact.objects.get().at == utc(day, 1, 30)


@pytest.mark.parametrize("day", BACK)
def test_the_session_page_says_how_long_a_session_across_the_change_lasts(booking_page, client,
                                                                          day):
    # Found in a browser: "01:30-02:00" alone read as 30 minutes where 90 pass.
    booking_page(day, "01:30", "02:00", start_fold=dates.FIRST)
    page = client.get(only_session().get_absolute_url()).content.decode()
    assert "01:30 BST–02:00 GMT (90 minutes)" in page


def test_an_ordinary_session_page_shows_its_times_and_length_without_zones(client, keyworker,
                                                                             client_record):
    session = KeyworkSessionFactory(client=client_record, worker=keyworker,
                                    starts_at=utc(datetime.date(2026, 12, 9), 10),
                                    expected_minutes=50)
    client.force_login(keyworker)
    page = client.get(session.get_absolute_url()).content.decode()
    assert "10:00–10:50 (50 minutes)" in page
