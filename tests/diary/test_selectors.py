"""The diary's shared facts: next booked session and this week's sessions against the
site's cadence, each computed once for many clients."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from clients.models import Allocation
from diary import selectors, services
from diary.models import DiarySettings
from keywork.lib import dates
from tests.diary.conftest import DAY, HOUR, ago
from tests.factories import (
    AllocationFactory,
    ClientFactory,
    KeyworkSessionFactory,
    client_with_keyworker,
    local_moment,
)


def _monday():
    return dates.week_start(timezone.localdate())


def test_this_week_counts_held_and_booked_against_the_sites_setting(client_record, keyworker,
                                                                    colleagues_client,
                                                                    colleague, manager, site):
    KeyworkSessionFactory(client=client_record, worker=keyworker, held=True,
                          starts_at=local_moment(_monday(), 9))
    KeyworkSessionFactory(client=colleagues_client, worker=colleague, status="dna",
                          logged_by=colleague, logged_at=timezone.now(),
                          starts_at=local_moment(_monday(), 9))
    week = selectors.sessions_this_week([client_record, colleagues_client])
    assert (week[client_record.pk].held, week[client_record.pk].booked) == (1, 0)
    assert not week[client_record.pk].is_short
    assert week[colleagues_client.pk].held_or_booked == 0
    assert week[colleagues_client.pk].is_short
    services.diary_settings_update(site=site, by=manager, sessions_per_week=2,
                                   edit_window_days=7)
    week = selectors.sessions_this_week([client_record])[client_record.pk]
    assert (week.held_or_booked, week.expected, week.is_short) == (1, 2, True)
    assert DiarySettings.objects.get(site=site).history.get().history_user == manager


def test_a_missed_or_cancelled_session_is_no_session(client_record, keyworker):
    """The caseload and the dashboard once disagreed here: a session the client did not
    attend counted on the dashboard and not on the caseload."""
    KeyworkSessionFactory(client=client_record, worker=keyworker, status="dna",
                          logged_by=keyworker, logged_at=timezone.now(),
                          starts_at=local_moment(_monday(), 9))
    KeyworkSessionFactory(client=client_record, worker=keyworker, status="cancelled",
                          cancelled_by="client", logged_by=keyworker,
                          logged_at=timezone.now(), starts_at=local_moment(_monday(), 11))
    assert selectors.sessions_this_week([client_record])[client_record.pk].is_short
    assert selectors.short_this_week([client_record.site_id]) == {client_record.pk}


def test_a_client_allocated_two_hours_ago_is_not_late_until_their_first_week_passed(
        site, keyworker):
    today = timezone.localdate()
    new = client_with_keyworker(site=site, keyworker=keyworker, admitted_on=today)
    week = selectors.sessions_this_week([new], today)[new.pk]
    assert week.in_first_week and not week.is_short
    assert new.pk not in selectors.short_this_week([site.pk], today)
    assert selectors.sessions_this_week([new], today + 6 * DAY)[new.pk].in_first_week
    late = selectors.sessions_this_week([new], today + 7 * DAY)[new.pk]
    assert not late.in_first_week and late.is_short
    assert new.pk in selectors.short_this_week([site.pk], today + 7 * DAY)


def test_a_new_keyworker_does_not_start_the_first_week_again(site, keyworker, colleague):
    """A client handed to a new keyworker still needs this week's session: the first
    week's grace is the client's first week of keywork, not the new keyworker's."""
    today = timezone.localdate()
    moved = ClientFactory(site=site)
    AllocationFactory(client=moved, worker=colleague, start=today - 30 * DAY,
                      end=today)
    AllocationFactory(client=moved, worker=keyworker, start=today)
    week = selectors.sessions_this_week([moved], today)[moved.pk]
    assert not week.in_first_week and week.is_short
    assert moved.pk in selectors.short_this_week([site.pk], today)
    assert [c.pk for c, _week in selectors.caseload_short_this_week(keyworker, today)] == [
        moved.pk]


def test_a_client_new_to_keywork_has_a_first_week(site, keyworker):
    today = timezone.localdate()
    new = ClientFactory(site=site)
    AllocationFactory(client=new, worker=keyworker, start=today - 2 * DAY)
    assert selectors.sessions_this_week([new], today)[new.pk].in_first_week
    assert new.pk not in selectors.short_this_week([site.pk], today)


def test_a_client_with_no_keyworker_is_not_late_but_unallocated(site):
    waiting = ClientFactory(site=site)
    week = selectors.sessions_this_week([waiting])[waiting.pk]
    assert week.first_week_until is None and not week.is_short
    assert selectors.short_this_week([site.pk]) == set()


def test_short_this_week_leaves_out_referrals_and_leavers(site, keyworker):
    referred = client_with_keyworker(site=site, keyworker=keyworker, status="referred",
                                     admitted_on=None)
    left = client_with_keyworker(site=site, keyworker=keyworker, status="moved_on",
                                 ended_on=timezone.localdate())
    found = selectors.short_this_week([site.pk])
    assert referred.pk not in found and left.pk not in found


def test_next_booked_is_the_earliest_live_booked_session_still_to_come(client_record,
                                                                       keyworker, colleague):
    soon = timezone.now() + 2 * HOUR
    KeyworkSessionFactory(client=client_record, worker=keyworker, starts_at=ago(hours=2))
    KeyworkSessionFactory(client=client_record, worker=colleague, starts_at=soon)
    KeyworkSessionFactory(client=client_record, worker=keyworker,
                          starts_at=soon - HOUR, struck_at=timezone.now(),
                          struck_reason="Wrong client")
    KeyworkSessionFactory(client=client_record, worker=keyworker, starts_at=soon + DAY)
    assert selectors.next_booked([client_record.pk]) == {client_record.pk: soon}


@pytest.mark.parametrize("size", [2, 20])
def test_this_weeks_sessions_take_the_same_queries_for_any_number_of_clients(
        site, keyworker, size, django_assert_num_queries):
    clients = [client_with_keyworker(site=site, keyworker=keyworker) for _ in range(size)]
    for c in clients:
        KeyworkSessionFactory(client=c, worker=keyworker, starts_at=local_moment(_monday(), 8))
    with django_assert_num_queries(3):
        weeks = selectors.sessions_this_week(clients)
    with django_assert_num_queries(1):
        selectors.next_booked([c.pk for c in clients])
    assert len(weeks) == size


def test_todays_list_and_the_caseload_flag_the_same_clients(client, site, keyworker,
                                                           client_record):
    today = timezone.localdate()
    unseen = client_with_keyworker(site=site, keyworker=keyworker, first_name="Una",
                                   last_name="Seen")
    fresh = client_with_keyworker(site=site, keyworker=keyworker, first_name="Fay",
                                  last_name="Fresh", admitted_on=today)
    KeyworkSessionFactory(client=client_record, worker=keyworker,
                          starts_at=local_moment(_monday() + 6 * DAY, 20))
    flagged = {c.pk for c, _week in selectors.caseload_short_this_week(keyworker)}
    assert flagged == {unseen.pk}
    assert Allocation.objects.filter(client=fresh).get().start == today
    client.force_login(keyworker)
    caseload = client.get("/").content.decode()
    rows = {name: caseload[caseload.index(name):][:3000].split("</tr>")[0]
            for name in ("Una Seen", "Fay Fresh", "Dee Harper")}
    assert "No session this week" in rows["Una Seen"]
    assert "No session this week" not in rows["Fay Fresh"]
    assert "first week of keywork" in rows["Fay Fresh"]
    assert "No session this week" not in rows["Dee Harper"]
    today_page = client.get(reverse("diary:today")).content.decode()
    # Fay is on Today too, for her first plan and initial assessment, not as short.
    short = today_page.split('id="short-heading"')[1].split("</section>")[0]
    assert "Una Seen" in short and "Fay Fresh" not in short


def test_the_client_file_shows_the_next_session_and_this_week(client, keyworker,
                                                             client_record):
    soon = timezone.now() + datetime.timedelta(days=1)
    KeyworkSessionFactory(client=client_record, worker=keyworker, starts_at=soon)
    client.force_login(keyworker)
    page = client.get(client_record.get_absolute_url()).content.decode()
    shown = timezone.localtime(selectors.next_booked([client_record.pk])[client_record.pk])
    assert f"{shown:%a %-d %b %Y} {shown:%H:%M}" in page


def test_sessions_to_log_are_the_booked_ones_that_have_started_newest_first(
        client_record, keyworker, colleagues_client, colleague):
    older = KeyworkSessionFactory(client=client_record, worker=keyworker, starts_at=ago(days=2))
    newer = KeyworkSessionFactory(client=client_record, worker=colleague, starts_at=ago(hours=1))
    KeyworkSessionFactory(client=client_record, worker=keyworker)  # tomorrow
    KeyworkSessionFactory(client=client_record, worker=keyworker, held=True,
                          starts_at=ago(days=1))
    KeyworkSessionFactory(client=client_record, worker=keyworker, starts_at=ago(days=3),
                          struck_at=timezone.now(), struck_by=keyworker, struck_reason="Typo")
    theirs = KeyworkSessionFactory(client=colleagues_client, worker=colleague,
                                   starts_at=ago(hours=2))
    assert selectors.sessions_to_log([client_record.pk, colleagues_client.pk]) == {
        client_record.pk: [newer, older], colleagues_client.pk: [theirs]}
    assert selectors.sessions_to_log([]) == {}
