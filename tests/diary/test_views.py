"""The diary's pages, as a keyworker, a colleague or a manager uses them."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from diary import services
from diary.models import Contact, KeyworkSession
from keywork.lib import dates
from tests.diary.conftest import DAY, ago, earlier_today
from tests.factories import (
    AllocationFactory,
    ContactFactory,
    KeyworkSessionFactory,
    local_moment,
)


def booking(client_record, keyworker, day, start="10:00", end="11:00", **fields):
    return {"client": client_record.pk, "worker": keyworker.pk, "day": day.isoformat(),
            "start": start, "end": end, "place": "site_room", **fields}


def log_data(session, **fields):
    start = timezone.localtime(session.starts_at)
    return {"version": session.version, "status": "attended", "worker": session.worker_id,
            "day": start.date().isoformat(), "start": start.strftime("%H:%M"),
            "end": (start + datetime.timedelta(minutes=40)).strftime("%H:%M"),
            "discussed": "Went through the housing form", "next_steps": "Bring ID",
            "progress": "", "risks": "", **fields}


def errors_of(response):
    return response.context["form"].errors


# Booking and the week grid -----------------------------------------------------------------


def test_a_free_slot_opens_the_booking_form_at_that_hour(client, keyworker, client_record):
    client.force_login(keyworker)
    next_week = dates.week_start(timezone.localdate()) + 7 * DAY
    KeyworkSessionFactory(client=client_record, worker=keyworker, expected_minutes=90,
                          starts_at=local_moment(next_week, 12, 30))
    page = client.get(reverse("diary:week"), {"week": next_week.isoformat()}).content.decode()
    taken = [f"?start={next_week.isoformat()}T{hour}:00" for hour in (12, 13)]
    assert not any(link in page for link in taken)
    assert f"?start={next_week.isoformat()}T11:00" in page
    slot = f"{reverse('diary:book')}?start={next_week.isoformat()}T15:00&amp;worker={keyworker.pk}"
    assert slot in page
    assert f"Book {next_week:%A} {next_week.day} {next_week:%B} at 15:00" in page
    form = client.get(slot.replace("&amp;", "&")).context["form"]
    assert form.initial["start"] == datetime.time(15)
    assert form.initial["end"] == datetime.time(16)


def test_booking_from_the_form_puts_the_session_in_the_workers_week(client, keyworker,
                                                                    client_record):
    client.force_login(keyworker)
    day = timezone.localdate() + 7 * DAY
    response = client.post(reverse("diary:book"), booking(client_record, keyworker, day))
    monday = dates.week_start(day)
    assert response.url == f"{reverse('diary:week')}?week={monday.isoformat()}"
    page = client.get(response.url).content.decode()
    assert "10:00–11:00</span> Dee Harper" in page


@pytest.mark.parametrize(("fields", "field", "message"), [
    ({"end": "09:00"}, "end", "The end is before the start."),
    ({"end": "10:00"}, "end", "a session lasts at least a minute"),
    ({"end": "18:30"}, "end", "at most 8 hours"),
    ({"place": "external"}, "where", "Say where the appointment is."),
    ({"lone_working": "on"}, "back", "Say when you expect to be back"),
])
def test_bad_booking_input_is_refused_next_to_the_field(client, keyworker, client_record,
                                                        fields, field, message):
    client.force_login(keyworker)
    data = booking(client_record, keyworker, timezone.localdate() + DAY, **fields)
    response = client.post(reverse("diary:book"), data)
    assert response.status_code == 200
    assert message in " ".join(errors_of(response)[field])
    assert not KeyworkSession.objects.exists()


def test_a_clashing_booking_is_refused_with_the_clash_named(client, keyworker, client_record,
                                                            colleagues_client, manager):
    day = timezone.localdate() + DAY
    KeyworkSessionFactory(client=colleagues_client, worker=keyworker,
                          starts_at=local_moment(day, 10, 30), booked_by=manager)
    client.force_login(keyworker)
    response = client.post(reverse("diary:book"), booking(client_record, keyworker, day))
    assert "already has a session with Rob Quinn" in " ".join(errors_of(response)["start"])
    assert KeyworkSession.objects.count() == 1


def test_booking_for_a_client_the_user_may_not_see_says_so(client, keyworker,
                                                           colleagues_client):
    client.force_login(keyworker)
    response = client.post(reverse("diary:book"), booking(colleagues_client, keyworker,
                                                          timezone.localdate() + DAY))
    assert "You cannot book sessions for that client" in " ".join(errors_of(response)["client"])
    assert not KeyworkSession.objects.exists()


def test_the_week_moves_by_previous_and_next_and_today_is_marked(client, keyworker):
    client.force_login(keyworker)
    monday = dates.week_start(timezone.localdate())
    page = client.get(reverse("diary:week")).content.decode()
    assert f"?week={(monday - 7 * DAY).isoformat()}" in page
    assert f"?week={(monday + 7 * DAY).isoformat()}" in page
    assert 'aria-current="date"' in page
    assert "data-print" in page


def test_the_site_day_has_a_row_per_worker_and_lists_one_workers_sessions(
        client, colleague, keyworker, client_record, site, colleagues_client):
    day = timezone.localdate() + DAY
    KeyworkSessionFactory(client=client_record, worker=keyworker, starts_at=local_moment(day, 9))
    KeyworkSessionFactory(client=client_record, worker=keyworker,
                          starts_at=local_moment(day, 14))
    KeyworkSessionFactory(client=colleagues_client, worker=colleague,
                          starts_at=local_moment(day, 9))
    client.force_login(colleague)
    url = reverse("diary:site_week", args=[site.pk])
    response = client.get(url, {"day": day.isoformat()})
    rows = response.context["rows"]
    assert [(row.worker, row.total, row.first, row.last) for row in rows] == [
        (keyworker, 2, local_moment(day, 9), local_moment(day, 14)),
        (colleague, 1, local_moment(day, 9), local_moment(day, 9))]
    page = response.content.decode()
    # The day's figures, not its sessions: no client is named until a worker is chosen.
    assert "Dee Harper" not in page and "Rob Quinn" not in page
    assert f"?day={day.isoformat()}&amp;worker={keyworker.pk}" in page
    page = client.get(url, {"day": day.isoformat(), "worker": keyworker.pk}).content.decode()
    assert page.count("Dee Harper") == 2 and "Rob Quinn" not in page
    # Sam may see Dee's booking on the board, not open its notes.
    assert reverse("diary:session", args=[KeyworkSession.objects.filter(
        client=client_record).first().pk]) not in page
    assert reverse("diary:worker_week", args=[keyworker.pk]) in page


def test_the_site_day_shows_the_weeks_totals_and_opens_on_today(client, manager, keyworker,
                                                               client_record, site):
    today = timezone.localdate()
    monday = dates.week_start(today)
    KeyworkSessionFactory(client=client_record, worker=keyworker,
                          starts_at=local_moment(monday, 10))
    KeyworkSessionFactory(client=client_record, worker=keyworker,
                          starts_at=local_moment(monday, 11))
    struck = KeyworkSessionFactory(client=client_record, worker=keyworker,
                                   starts_at=local_moment(monday, 12))
    struck.struck_at = timezone.now()
    struck.save()
    client.force_login(manager)
    response = client.get(reverse("diary:site_week", args=[site.pk]))
    assert response.context["day"] == today
    counts = dict(response.context["days"])
    assert list(counts) == [monday + n * DAY for n in range(7)]
    assert counts[monday] == 2
    assert sum(counts.values()) == 2
    assert 'aria-current="page"' in response.content.decode()
    # An old link to a week opens on its Monday.
    later = monday + 14 * DAY
    response = client.get(reverse("diary:site_week", args=[site.pk]),
                          {"week": (later + 2 * DAY).isoformat()})
    assert response.context["day"] == later


def test_the_site_day_lists_what_is_not_yet_logged(client, manager, keyworker, colleague,
                                                  client_record, colleagues_client, site):
    day = timezone.localdate() - DAY
    KeyworkSessionFactory(client=client_record, worker=keyworker, starts_at=local_moment(day, 9))
    KeyworkSessionFactory(client=colleagues_client, worker=colleague, held=True,
                          starts_at=local_moment(day, 10))
    client.force_login(manager)
    url = reverse("diary:site_week", args=[site.pk])
    response = client.get(url, {"day": day.isoformat()})
    assert {row.worker: row.to_log for row in response.context["rows"]} == {
        keyworker: 1, colleague: 0}
    response = client.get(url, {"day": day.isoformat(), "status": "to_log"})
    assert [s.client for s in response.context["sessions"]] == [client_record]
    response = client.get(url, {"day": day.isoformat(), "status": "attended"})
    assert [s.client for s in response.context["sessions"]] == [colleagues_client]
    # A status it does not know lists nothing, rather than failing.
    response = client.get(url, {"day": day.isoformat(), "status": "nonsense", "worker": "x"})
    assert response.status_code == 200 and response.context["sessions"] is None


def test_the_site_day_lists_a_busy_status_a_page_at_a_time(client, manager, keyworker, site,
                                                          client_record):
    from diary.views import DAY_PAGE

    day = timezone.localdate() + DAY
    for n in range(DAY_PAGE + 3):
        KeyworkSessionFactory(client=client_record, worker=keyworker,
                              starts_at=local_moment(day, 8) + datetime.timedelta(minutes=n))
    client.force_login(manager)
    url = reverse("diary:site_week", args=[site.pk])
    response = client.get(url, {"day": day.isoformat(), "status": "booked"})
    assert len(response.context["sessions"]) == DAY_PAGE
    assert "status=booked&amp;page=2" in response.content.decode()
    response = client.get(url, {"day": day.isoformat(), "status": "booked", "page": 2})
    assert len(response.context["sessions"]) == 3


def test_a_session_earlier_than_eight_widens_the_grid(client, keyworker, client_record):
    day = timezone.localdate() + DAY
    KeyworkSessionFactory(client=client_record, worker=keyworker, starts_at=local_moment(day, 6))
    client.force_login(keyworker)
    page = client.get(reverse("diary:week"), {"week": day.isoformat()}).content.decode()
    assert ">06:00</th>" in page


def test_moving_a_booking_refuses_a_clash_then_moves_it(client, keyworker, client_record,
                                                        colleagues_client, manager):
    day = timezone.localdate() + DAY
    session = KeyworkSessionFactory(client=client_record, worker=keyworker,
                                    starts_at=local_moment(day, 10))
    KeyworkSessionFactory(client=colleagues_client, worker=keyworker,
                          starts_at=local_moment(day, 14), booked_by=manager)
    client.force_login(keyworker)
    data = {"version": session.version, "worker": keyworker.pk, "day": day.isoformat(),
            "start": "14:30", "end": "15:00", "place": "site_room"}
    response = client.post(reverse("diary:edit", args=[session.pk]), data)
    assert "already has a session with Rob Quinn" in " ".join(errors_of(response)["start"])
    response = client.post(reverse("diary:edit", args=[session.pk]),
                           data | {"start": "16:00", "end": "16:45"})
    assert response.status_code == 302
    session.refresh_from_db()
    assert timezone.localtime(session.starts_at).hour == 16
    assert session.expected_minutes == 45


# Today and logging --------------------------------------------------------------------------


def test_today_lists_the_session_to_log_and_earlier_ones_not_logged(client, keyworker,
                                                                    client_record, booked):
    old = KeyworkSessionFactory(client=client_record, worker=keyworker,
                                starts_at=ago(days=3))
    client.force_login(keyworker)
    page = client.get(reverse("diary:today")).content.decode()
    assert reverse("diary:log", args=[booked.pk]) in page
    assert "Earlier sessions still to log" in page
    assert reverse("diary:log", args=[old.pk]) in page


def test_checking_in_from_today_clears_the_overdue_warning(client, keyworker, client_record):
    session = KeyworkSessionFactory(client=client_record, worker=keyworker, place="external",
                                    where="GP surgery", starts_at=ago(hours=2),
                                    expected_back_at=ago(minutes=30))
    client.force_login(keyworker)
    assert "Overdue: check in when you are back" in client.get(
        reverse("diary:today")).content.decode()
    response = client.post(reverse("diary:check_in", args=[session.pk]),
                           {"next": reverse("diary:today")})
    assert response.url == reverse("diary:today")
    page = client.get(reverse("diary:today")).content.decode()
    assert "Back, checked in at" in page and "Overdue: check in" not in page
    assert "Check in when you are back" not in page


def test_logging_from_today_goes_back_to_today(client, keyworker, booked):
    client.force_login(keyworker)
    url = reverse("diary:log", args=[booked.pk]) + "?next=" + reverse("diary:today")
    response = client.post(url, log_data(booked, risks="Visitor threatened him"))
    assert response.url == reverse("diary:today")
    booked.refresh_from_db()
    assert booked.status == "attended" and booked.actual_minutes == 40
    assert booked.risks == "Visitor threatened him"


@pytest.mark.parametrize(("fields", "field", "message"), [
    ({"end": "00:00", "start": "00:00"}, "end", "at least a minute"),
    ({"discussed": ""}, "discussed", "Write what was discussed."),
    ({"status": "cancelled"}, "cancelled_by", "Say who cancelled"),
])
def test_bad_log_input_is_refused_next_to_the_field(client, keyworker, booked, fields, field,
                                                    message):
    client.force_login(keyworker)
    response = client.post(reverse("diary:log", args=[booked.pk]), log_data(booked, **fields))
    assert message in " ".join(errors_of(response)[field])
    booked.refresh_from_db()
    assert booked.status == "booked"


def test_a_session_cannot_be_logged_in_the_future(client, keyworker, client_record):
    session = KeyworkSessionFactory(client=client_record, worker=keyworker)
    client.force_login(keyworker)
    response = client.post(reverse("diary:log", args=[session.pk]), log_data(session))
    assert "in the future" in " ".join(errors_of(response)["start"])
    session.refresh_from_db()
    assert session.status == "booked"


def test_a_session_over_eight_hours_is_refused(client, keyworker, client_record):
    session = KeyworkSessionFactory(client=client_record, worker=keyworker,
                                    starts_at=local_moment(timezone.localdate() - DAY, 8))
    client.force_login(keyworker)
    response = client.post(reverse("diary:log", args=[session.pk]),
                           log_data(session, end="16:30"))
    assert "at most 8 hours" in " ".join(errors_of(response)["end"])


def test_the_second_person_logging_is_told_and_keeps_what_they_typed(client, keyworker,
                                                                     manager, booked):
    opened = log_data(booked, discussed="Manager's own account of the session")
    services.session_log(session=booked, version=booked.version, by=keyworker,
                         status="attended", actual_start=booked.starts_at, actual_minutes=50,
                         discussed="Kim's account")
    client.force_login(manager)
    response = client.post(reverse("diary:log", args=[booked.pk]), opened)
    page = response.content.decode()
    assert "Kim" in page and "logged this session at" in page
    assert "Manager&#x27;s own account of the session" in page
    assert response.context["addendum_form"].initial["text"].startswith(
        "What was discussed: Manager's own account")
    booked.refresh_from_db()
    assert booked.discussed == "Kim's account"


def test_the_log_form_shows_what_was_agreed_last_time_and_the_handover(client, cover,
                                                                       cover_worker,
                                                                       colleagues_client,
                                                                       colleague):
    KeyworkSessionFactory(client=colleagues_client, worker=colleague, held=True,
                          starts_at=ago(days=7), next_steps="Rob to bring his payslips")
    session = KeyworkSessionFactory(client=colleagues_client, worker=cover_worker,
                                    starts_at=earlier_today())
    client.force_login(cover_worker)
    page = client.get(reverse("diary:log", args=[session.pk])).content.decode()
    assert "Rob to bring his payslips" in page
    assert "benefits review letter is due Thursday" in page


def test_cover_sessions_are_marked_with_the_handover_note_on_today(client, cover, cover_worker,
                                                                   colleagues_client):
    KeyworkSessionFactory(client=colleagues_client, worker=cover_worker,
                          starts_at=earlier_today())
    client.force_login(cover_worker)
    page = client.get(reverse("diary:today")).content.decode()
    assert ">cover</span>" in page
    assert "benefits review letter is due Thursday" in page


def test_when_cover_ends_the_covering_worker_loses_the_sessions_notes(client, cover_worker,
                                                                      colleagues_client):
    today = timezone.localdate()
    AllocationFactory(client=colleagues_client, worker=cover_worker, kind="cover",
                      start=today - 10 * DAY, end=today - 2 * DAY, handover_note="Mornings")
    session = KeyworkSessionFactory(client=colleagues_client, worker=cover_worker, held=True,
                                    starts_at=ago(days=5))
    client.force_login(cover_worker)
    assert client.get(reverse("diary:session", args=[session.pk])).status_code == 403
    assert "Rob Quinn" not in client.get(reverse("home")).content.decode()
    # Cal's own diary still shows that Cal held the session, without its notes.
    week = client.get(reverse("diary:week"), {"week": (today - 5 * DAY).isoformat()})
    assert "Rob Quinn" in week.content.decode()
    assert reverse("diary:session", args=[session.pk]) not in week.content.decode()


def test_after_the_window_the_session_page_offers_an_addendum_only(client, keyworker,
                                                                   client_record):
    session = KeyworkSessionFactory(client=client_record, worker=keyworker, held=True,
                                    starts_at=ago(days=9))
    client.force_login(keyworker)
    page = client.get(reverse("diary:session", args=[session.pk])).content.decode()
    assert reverse("diary:log", args=[session.pk]) not in page
    assert "after that, add a note below" in page
    assert client.get(reverse("diary:log", args=[session.pk])).status_code == 302
    client.post(reverse("diary:addendum", args=[session.pk]), {"text": "He rang later."})
    assert session.addenda.get().text == "He rang later."


def test_a_struck_session_stays_on_the_timeline_crossed_out(client, keyworker, booked,
                                                            client_record):
    client.force_login(keyworker)
    client.post(reverse("diary:strike", args=[booked.pk]), {"reason": "Booked by mistake"})
    page = client.get(client_record.get_absolute_url()).content.decode()
    assert "is-struck" in page
    assert "Marked as entered in error by Kim" in page and "Booked by mistake" in page


# The client's pages -------------------------------------------------------------------------


def test_a_colleague_logs_a_contact_from_the_summary_with_htmx(client, colleague,
                                                               client_record):
    client.force_login(colleague)
    summary = client.get(client_record.get_absolute_url()).content.decode()
    url = reverse("diary:contact_log", args=[client_record.pk])
    assert f'data-hx-post="{url}"' in summary
    response = client.post(url, {"kind": "drop_in", "note": "Asked about his post"},
                           HTTP_HX_REQUEST="true")
    assert "Drop-in logged at" in response.content.decode()
    assert "<html" not in response.content.decode()
    contact = Contact.objects.get()
    assert (contact.by, contact.note) == (colleague, "Asked about his post")


def test_a_contact_without_a_note_is_refused_in_the_fragment(client, colleague, client_record):
    client.force_login(colleague)
    response = client.post(reverse("diary:contact_log", args=[client_record.pk]),
                           {"kind": "phone", "note": ""}, HTTP_HX_REQUEST="true")
    assert "Write a line about what the contact was about." in response.content.decode()
    assert not Contact.objects.exists()


def test_a_risk_shows_on_the_summary_until_a_manager_deals_with_it(client, keyworker,
                                                                   colleague, manager, booked,
                                                                   client_record):
    services.session_log(session=booked, version=booked.version, by=keyworker,
                         status="attended", actual_start=booked.starts_at, actual_minutes=50,
                         discussed="Talked", risks="Threatened over a debt by a visitor")
    client.force_login(colleague)
    summary = client.get(client_record.get_absolute_url()).content.decode()
    assert "Threatened over a debt by a visitor" in summary
    assert "Talked" not in summary
    assert "Mark dealt with" not in summary
    client.force_login(manager)
    client.post(reverse("diary:risk_resolve", args=[booked.pk]), {"note": "Visitor banned"})
    client.force_login(colleague)
    summary = client.get(client_record.get_absolute_url()).content.decode()
    assert "Threatened over a debt" not in summary


def test_the_caseload_shows_last_and_next_session_and_flags_no_session_this_week(
        client, keyworker, client_record, site):
    from tests.factories import client_with_keyworker

    unbooked = client_with_keyworker(site=site, keyworker=keyworker, first_name="Una",
                                     last_name="Booked")
    monday = dates.week_start(timezone.localdate())
    KeyworkSessionFactory(client=client_record, worker=keyworker, held=True,
                          starts_at=local_moment(monday - 7 * DAY, 10))
    KeyworkSessionFactory(client=client_record, worker=keyworker,
                          starts_at=local_moment(monday + 7 * DAY, 11))
    KeyworkSessionFactory(client=client_record, worker=keyworker,
                          starts_at=local_moment(monday + 6 * DAY, 23))
    client.force_login(keyworker)
    page = client.get(reverse("home")).content.decode()
    rows = {name: page[page.index(name):][:3000] for name in ("Dee Harper", "Una Booked")}
    assert (monday - 7 * DAY).strftime("%-d %b %Y") in rows["Dee Harper"]
    assert (monday + 6 * DAY).strftime("%a %-d %b") in rows["Dee Harper"]
    assert "1 of 1" in rows["Dee Harper"]
    assert "No session this week" in rows["Una Booked"]
    assert unbooked.pk


def test_the_timeline_pages_sessions_and_contacts_newest_first(client, keyworker,
                                                               client_record):
    for n in range(8):
        KeyworkSessionFactory(client=client_record, worker=keyworker, held=True,
                              starts_at=ago(days=7 * n + 1), discussed=f"Session {n}")
        ContactFactory(client=client_record, by=keyworker, at=ago(days=7 * n + 2),
                       note=f"Contact {n}")
    client.force_login(keyworker)
    first = client.get(client_record.get_absolute_url()).content.decode()
    assert first.index("Session 0") < first.index("Contact 0") < first.index("Session 1")
    assert "Session 5" not in first and "Page 1 of 2" in first
    second = client.get(client_record.get_absolute_url(), {"sessions": 2}).content.decode()
    assert "Session 7" in second and "Contact 7" in second and "Session 0" not in second


def test_the_manager_sees_who_is_out_and_overdue_with_their_phone(client, manager, keyworker,
                                                                  client_record):
    keyworker.phone = "07700 900111"
    keyworker.save()
    KeyworkSessionFactory(client=client_record, worker=keyworker, place="external",
                          where="Job centre", starts_at=ago(hours=3),
                          expected_back_at=ago(hours=1))
    client.force_login(manager)
    page = client.get(reverse("diary:out")).content.decode()
    assert "07700 900111" in page and 'href="tel:07700900111"' in page
    assert "overdue" in page and "Job centre" in page
    assert "sessions out of the building" not in client.get(reverse("diary:today")).content.decode()
    assert "1 session out of the building" in client.get(reverse("diary:today")).content.decode()


def test_a_manager_sets_the_sites_cadence(client, manager, site, keyworker, client_record):
    KeyworkSessionFactory(client=client_record, worker=keyworker,
                          starts_at=timezone.now() + datetime.timedelta(minutes=5))
    client.force_login(manager)
    response = client.post(reverse("diary:settings"), {"site": site.pk,
                                                       "sessions_per_week": 2,
                                                       "edit_window_days": 10,
                                                       "late_window_days": 90,
                                                       "late_approval_days": 14})
    assert response.status_code == 302
    client.force_login(keyworker)
    assert "1 of 2 this week" in client.get(reverse("home")).content.decode()


def test_a_manager_books_with_the_client_picker_and_a_keyworker_from_their_caseload(
        client, manager, keyworker, client_record, colleagues_client):
    client.force_login(manager)
    page = client.get(reverse("diary:book")).content.decode()
    # The picker: only the prompt, no option per client of the site.
    assert reverse("clients:pick") in page and "Rob Quinn" not in page
    day = timezone.localdate() + DAY
    response = client.post(reverse("diary:book"), booking(colleagues_client, keyworker, day))
    assert response.status_code == 302
    assert KeyworkSession.objects.filter(client=colleagues_client).exists()
    client.force_login(keyworker)
    page = client.get(reverse("diary:book")).content.decode()
    assert reverse("clients:pick") not in page and "Dee Harper" in page
