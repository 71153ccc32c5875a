"""Calendars that sync (issue 19, item 2): Kim's private feed of her sessions, and one of
Dee's sessions as a calendar file for Dee, downloaded by staff or opened through a link."""

import datetime
import hashlib
import zoneinfo

import pytest
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from audit.models import AccessEvent
from clients import services as client_services
from diary import calendars, services
from diary.calendar_views import SHOWN_ONCE
from diary.models import CalendarFeed, KeyworkSession
from tests.diary.conftest import DAY
from tests.factories import (
    AllocationFactory,
    ClientFactory,
    KeyworkSessionFactory,
    UserFactory,
    local_moment,
)

LONDON = zoneinfo.ZoneInfo("Europe/London")


def turn_on(client, user):
    """Kim turns her feed on through the page; the address as the page shows it once."""
    client.force_login(user)
    response = client.post(reverse("diary:calendar_on"))
    assert response.status_code == 302
    page = client.get(reverse("diary:calendar"))
    return page.context["address"]


def events_of(response):
    assert response.status_code == 200
    assert response["Content-Type"] == calendars.CONTENT_TYPE
    return {str(e["uid"]): e for e in Calendar.from_ical(response.content).walk("VEVENT")}


def only_event(response):
    events = events_of(response)
    assert len(events) == 1
    return next(iter(events.values()))


@pytest.fixture
def tomorrow_at_ten(client_record, keyworker):
    return KeyworkSessionFactory(client=client_record, worker=keyworker, place="site_room",
                                 starts_at=local_moment(timezone.localdate() + DAY, 10))


# The feed's page ----------------------------------------------------------------------------


def test_turning_the_feed_on_shows_its_address_once(client, keyworker):
    client.force_login(keyworker)
    client.post(reverse("diary:calendar_on"))
    first = client.get(reverse("diary:calendar"))
    address = first.context["address"]
    assert address.startswith("http://testserver/calendar/") and address.endswith(".ics")
    assert address in first.content.decode()
    assert "it is shown only this once" in first.content.decode()
    again = client.get(reverse("diary:calendar"))
    assert again.context["address"] is None
    assert again.context["feed"] is not None
    assert SHOWN_ONCE not in client.session


def test_only_a_hash_of_the_token_is_stored(client, keyworker):
    address = turn_on(client, keyworker)
    token = address.rsplit("/", 1)[1].removesuffix(".ics")
    feed = CalendarFeed.objects.get(user=keyworker)
    assert len(token) >= 43  # 256 random bits
    assert feed.token_hash == hashlib.sha256(token.encode()).hexdigest()
    stored = [str(value) for value in CalendarFeed.objects.values_list().get()]
    assert not any(token in value for value in stored)


def test_a_second_turn_on_is_refused_with_a_message(client, keyworker):
    turn_on(client, keyworker)
    response = client.post(reverse("diary:calendar_on"), follow=True)
    assert "already on" in response.content.decode()
    assert CalendarFeed.objects.filter(user=keyworker).count() == 1


def test_the_page_says_the_feed_is_off_and_how_to_turn_it_on(client, keyworker):
    client.force_login(keyworker)
    body = client.get(reverse("diary:calendar")).content.decode()
    assert "You have no calendar feed" in body
    assert "Turn on my calendar feed" in body


def test_turning_off_asks_first_then_the_address_answers_404(client, keyworker,
                                                              tomorrow_at_ten):
    address = turn_on(client, keyworker)
    confirm = client.get(reverse("diary:calendar_off"))
    assert "The address stops working at once" in confirm.content.decode()
    assert client.get(address).status_code == 200  # asking changed nothing
    client.post(reverse("diary:calendar_off"))
    assert CalendarFeed.objects.get(user=keyworker).revoked_at is not None
    client.logout()
    assert client.get(address).status_code == 404


def test_replacing_stops_the_old_address_and_gives_a_new_one(client, keyworker,
                                                             tomorrow_at_ten):
    old = turn_on(client, keyworker)
    client.post(reverse("diary:calendar_replace"))
    new = client.get(reverse("diary:calendar")).context["address"]
    assert new and new != old
    client.logout()
    assert client.get(old).status_code == 404
    assert client.get(new).status_code == 200
    assert CalendarFeed.objects.filter(user=keyworker).count() == 2  # the old one kept


def test_an_unknown_token_answers_404_and_says_nothing(client, keyworker):
    turn_on(client, keyworker)
    client.logout()
    response = client.get(reverse("diary:calendar_feed", args=["x" * 43]))
    assert response.status_code == 404
    assert response.content.decode() == "Not found."
    assert response["Content-Type"].startswith("text/plain")


def test_a_deactivated_workers_feed_answers_404(client, keyworker, tomorrow_at_ten):
    address = turn_on(client, keyworker)
    client.logout()
    keyworker.is_active = False
    keyworker.save()
    assert client.get(address).status_code == 404
    assert CalendarFeed.objects.get(user=keyworker).revoked_at is not None
    keyworker.is_active = True  # back again: the old address stays dead
    keyworker.save()
    assert client.get(address).status_code == 404


def test_a_feed_whose_owner_is_inactive_answers_404_even_unrevoked(client, keyworker,
                                                                    tomorrow_at_ten):
    address = turn_on(client, keyworker)
    client.logout()
    type(keyworker).objects.filter(pk=keyworker.pk).update(is_active=False)
    assert client.get(address).status_code == 404


def test_an_administrator_has_no_feed(administrator):
    with pytest.raises(PermissionDenied):
        services.calendar_feed_create(user=administrator)


# What the feed holds ------------------------------------------------------------------------


def test_the_feed_names_a_client_by_initials_and_reference_only(client, keyworker,
                                                                client_record):
    KeyworkSessionFactory(client=client_record, worker=keyworker, held=True,
                          starts_at=local_moment(timezone.localdate() - 3 * DAY, 10),
                          risks="Threatened by a visitor", progress="Filled the housing form")
    address = turn_on(client, keyworker)
    client.logout()
    response = client.get(address)
    event = only_event(response)
    assert str(event["summary"]) == f"Keywork: D.H. ({client_record.reference})"
    assert str(event["location"]) == "Riverside Day Centre"
    body = response.content.decode()
    for secret in ("Dee", "Harper", "Threatened", "housing form", "Do not visit alone"):
        assert secret not in body


def test_the_feed_holds_a_month_back_to_six_months_ahead_of_the_workers_own_sessions(
        client, keyworker, colleague, client_record, colleagues_client):
    today = timezone.localdate()
    inside = [KeyworkSessionFactory(client=client_record, worker=keyworker,
                                    starts_at=local_moment(today + days * DAY, 10))
              for days in (1, 150)]
    inside.append(KeyworkSessionFactory(client=client_record, worker=keyworker, held=True,
                                        starts_at=local_moment(today - 20 * DAY, 10)))
    KeyworkSessionFactory(client=client_record, worker=keyworker, held=True,
                          starts_at=local_moment(today - 40 * DAY, 10))
    KeyworkSessionFactory(client=client_record, worker=keyworker,
                          starts_at=local_moment(today + 200 * DAY, 10))
    KeyworkSessionFactory(client=colleagues_client, worker=colleague,
                          starts_at=local_moment(today + 2 * DAY, 10))
    address = turn_on(client, keyworker)
    uids = set(events_of(client.get(address)))
    assert uids == {f"keywork-session-{s.pk}@testserver" for s in inside}


def test_a_cancelled_session_stays_in_the_feed_marked_cancelled(client, keyworker,
                                                                 tomorrow_at_ten):
    address = turn_on(client, keyworker)
    assert str(only_event(client.get(address))["status"]) == "CONFIRMED"
    services.session_cancel(session=tomorrow_at_ten, version=tomorrow_at_ten.version,
                            by=keyworker, cancelled_by="client", reason="Unwell")
    event = only_event(client.get(address))
    assert str(event["status"]) == "CANCELLED"
    assert event["uid"] == f"keywork-session-{tomorrow_at_ten.pk}@testserver"


def test_a_moved_session_keeps_its_uid_with_a_higher_sequence(client, keyworker,
                                                               tomorrow_at_ten):
    address = turn_on(client, keyworker)
    before = only_event(client.get(address))
    later = local_moment(timezone.localdate() + 2 * DAY, 14)
    services.session_reschedule(session=tomorrow_at_ten, version=tomorrow_at_ten.version,
                                by=keyworker, worker=keyworker, starts_at=later,
                                expected_minutes=60, place="site_room")
    after = only_event(client.get(address))
    assert after["uid"] == before["uid"]
    assert int(after["sequence"]) > int(before["sequence"])
    assert after["dtstart"].dt == later
    assert after["last-modified"].dt >= before["last-modified"].dt


def test_sessions_either_side_of_the_clock_change_keep_their_local_time(
        client, travel, keyworker, client_record):
    # Ten days before the last Sunday of next October, when the clocks go back.
    year = timezone.localdate().year + 1
    change = max(datetime.date(year, 10, d) for d in range(25, 32)
                 if datetime.date(year, 10, d).weekday() == 6)
    travel(days=(change - timezone.localdate()).days - 10)
    friday = KeyworkSessionFactory(client=client_record, worker=keyworker,
                                   starts_at=local_moment(change - 2 * DAY, 10))
    monday = KeyworkSessionFactory(client=client_record, worker=keyworker,
                                   starts_at=local_moment(change + DAY, 10))
    events = events_of(client.get(turn_on(client, keyworker)))
    for session in (friday, monday):
        start = events[f"keywork-session-{session.pk}@testserver"]["dtstart"].dt
        assert start.tzinfo is not None and start.utcoffset() == datetime.timedelta(0)
        assert start.astimezone(LONDON).time() == datetime.time(10, 0)
    utc_hours = {events[f"keywork-session-{s.pk}@testserver"]["dtstart"].dt.hour
                 for s in (friday, monday)}
    assert utc_hours == {9, 10}  # 10:00 BST is 09:00 UTC, 10:00 GMT is 10:00 UTC


def test_a_client_given_a_new_keyworker_leaves_the_old_feed_and_joins_the_new(
        client, keyworker, colleague, manager, client_record, tomorrow_at_ten):
    kims = turn_on(client, keyworker)
    sams = turn_on(client, colleague)
    client_services.client_allocate(client=client_record, worker=colleague, by=manager,
                                    reason="Kim's caseload is full")
    assert events_of(client.get(kims)) == {}
    assert set(events_of(client.get(sams))) == {
        f"keywork-session-{tomorrow_at_ten.pk}@testserver"}


def test_a_feed_read_is_noted_on_the_feed_not_in_the_access_log(client, keyworker,
                                                                  tomorrow_at_ten):
    address = turn_on(client, keyworker)
    client.logout()
    client.get(address)
    assert CalendarFeed.objects.get(user=keyworker).last_fetched_at is not None
    assert not AccessEvent.objects.exists()


def test_the_feed_asks_the_same_queries_for_one_session_or_forty(client, keyworker, site):
    address = turn_on(client, keyworker)
    client.logout()

    def queries_for(n):
        for i in range(n):
            person = ClientFactory(site=site)
            AllocationFactory(client=person, worker=keyworker)
            KeyworkSessionFactory(client=person, worker=keyworker,
                                  starts_at=local_moment(timezone.localdate() + (i % 60 + 1)
                                                         * DAY, 9 + i % 8))
        with CaptureQueriesContext(connection) as queries:
            assert client.get(address).status_code == 200
        return len(queries)

    small = queries_for(1)
    large = queries_for(39)
    assert small == large <= 4


# One session for its client -----------------------------------------------------------------


def test_staff_download_one_session_in_the_clients_words(client, keyworker, client_record,
                                                         tomorrow_at_ten):
    client.force_login(keyworker)
    response = client.get(reverse("diary:session_ics", args=[tomorrow_at_ten.pk]))
    event = only_event(response)
    assert str(event["summary"]) == "Keywork with Kim at Riverside Day Centre"
    assert response["Content-Disposition"].startswith("attachment;")
    # What tests/security/test_pages.py asks of every response it reaches, files included.
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert "no-store" in response["Cache-Control"]
    assert response["X-Content-Type-Options"] == "nosniff"
    body = response.content.decode()
    for secret in ("Dee", "Harper", client_record.reference, "Lowe"):
        assert secret not in body
    logged = AccessEvent.objects.get()
    assert (logged.client, logged.kind) == (client_record, "download")


def test_an_external_appointment_gives_the_client_its_address(client, keyworker,
                                                              client_record):
    session = KeyworkSessionFactory(client=client_record, worker=keyworker, place="external",
                                    where="Jobcentre, 1 High Street",
                                    expected_back_at=local_moment(
                                        timezone.localdate() + DAY, 12))
    client.force_login(keyworker)
    event = only_event(client.get(reverse("diary:session_ics", args=[session.pk])))
    assert str(event["location"]) == "Jobcentre, 1 High Street"
    assert str(event["summary"]) == "Keywork with Kim at Jobcentre, 1 High Street"


def test_the_session_page_gives_a_link_the_client_opens_without_an_account(
        client, keyworker, client_record, tomorrow_at_ten):
    client.force_login(keyworker)
    page = client.get(reverse("diary:session", args=[tomorrow_at_ten.pk]))
    link = page.context["client_link"]
    assert "Add to calendar" in page.content.decode()
    client.logout()
    response = client.get(link)
    event = only_event(response)
    assert str(event["summary"]) == "Keywork with Kim at Riverside Day Centre"
    assert event["dtstart"].dt == tomorrow_at_ten.starts_at
    for secret in ("Dee", "Harper", client_record.reference):
        assert secret not in response.content.decode()
        assert secret not in link


def test_the_clients_link_shows_a_cancellation(client, keyworker, tomorrow_at_ten):
    link = reverse("diary:session_calendar_link", args=[calendars.link_key(tomorrow_at_ten)])
    services.session_cancel(session=tomorrow_at_ten, version=tomorrow_at_ten.version,
                            by=keyworker, cancelled_by="staff", reason="Kim is off sick")
    event = only_event(client.get(link))
    assert str(event["status"]) == "CANCELLED"
    assert str(event["summary"]).startswith("Cancelled: ")


def test_a_tampered_link_answers_404(client, tomorrow_at_ten, colleagues_client, colleague):
    key = calendars.link_key(tomorrow_at_ten)
    other = KeyworkSessionFactory(client=colleagues_client, worker=colleague)
    payload, signature = key.rsplit(":", 1)
    # Another session's id, under this link's signature.
    forged = calendars.link_key(other).rsplit(":", 1)[0] + ":" + signature
    assert signing.loads(forged.rsplit(":", 1)[0] + ":" + calendars.link_key(other).rsplit(
        ":", 1)[1], salt=calendars.LINK_SALT)[0] == other.pk
    assert client.get(reverse("diary:session_calendar_link", args=[key])).status_code == 200
    for bad in (forged, payload + ":" + signature[::-1], "x", signing.dumps(
            [other.pk, 4_102_444_800], salt="another.purpose")):
        response = client.get(reverse("diary:session_calendar_link", args=[bad]))
        assert (response.status_code, response.content) == (404, b"Not found.")


def test_an_expired_link_answers_404(client, travel, tomorrow_at_ten):
    link = reverse("diary:session_calendar_link", args=[calendars.link_key(tomorrow_at_ten)])
    travel(days=1 + calendars.LINK_DAYS_AFTER + 1)
    assert client.get(link).status_code == 404


def test_a_link_expires_a_week_after_its_session(tomorrow_at_ten):
    expires = calendars.link_expires(tomorrow_at_ten)
    assert expires == tomorrow_at_ten.ends_at + datetime.timedelta(days=7)
    assert calendars.session_of_link(calendars.link_key(tomorrow_at_ten)) == tomorrow_at_ten.pk
    assert calendars.session_of_link(calendars.link_key(tomorrow_at_ten),
                                     now=expires + datetime.timedelta(seconds=1)) is None


def test_a_session_already_held_offers_no_client_link(client, keyworker, client_record):
    held = KeyworkSessionFactory(client=client_record, worker=keyworker, held=True,
                                 starts_at=local_moment(timezone.localdate() - 2 * DAY, 10))
    client.force_login(keyworker)
    page = client.get(reverse("diary:session", args=[held.pk]))
    assert "client_link" not in page.context


def test_initials_skip_an_empty_name():
    person = ClientFactory.build(first_name="Kim", last_name=" ")
    assert calendars.initials(person) == "K."


def test_user_factory_keyworker_without_sessions_gets_an_empty_feed(client, site):
    worker = UserFactory(username="new", first_name="Ned", role="keyworker", sites=[site])
    events = events_of(client.get(turn_on(client, worker)))
    assert events == {}
    assert KeyworkSession.objects.count() == 0
