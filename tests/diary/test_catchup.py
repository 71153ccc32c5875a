"""Catching up: sessions and contacts recorded after they happened, within the site's window
(default 90 days); more than a day late they say why, and past the approval limit (default
14 days) they wait for a manager of the site before they count."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from diary import selectors, services
from diary.models import Contact, DiarySettings, KeyworkSession
from keywork.lib import dates
from tests.diary.conftest import ago
from tests.diary.test_clock_changes import BACK
from tests.factories import KeyworkSessionFactory

Approval = KeyworkSession.Approval


def _past(client_record, keyworker, days):
    """A session booked at 10:00 on the day `days` ago and never logged: at a fixed hour, so
    the day it happened does not move with the hour the test runs (near midnight, `days`
    ago on the clock can fall on the next day across a change of the clocks, and a session
    at 23:10 ends on the following day)."""
    day = timezone.localdate() - days * dates.DAY
    return KeyworkSessionFactory(client=client_record, worker=keyworker,
                                 starts_at=dates.at(day, dates.datetime.time(10, 0)),
                                 expected_minutes=60)


def log(session, by, **fields):
    return services.session_log(
        session=session, version=session.version, by=by, status="attended",
        actual_start=session.starts_at, actual_minutes=45, discussed="The housing form.",
        **fields)


def _settings(site, manager, **fields):
    values = {"sessions_per_week": 1, "edit_window_days": 7, "late_window_days": 90,
              "late_approval_days": 14} | fields
    return services.diary_settings_update(site=site, by=manager, **values)


# The rule: window, reason, approval limit --------------------------------------------------


def test_logged_the_next_day_is_not_late_and_needs_no_reason(client_record, keyworker):
    session = log(_past(client_record, keyworker, 1), keyworker)
    assert not session.recorded_late
    assert session.approval == Approval.NOT_NEEDED
    assert session.late_reason == ""


def test_logged_days_later_it_is_late_and_must_say_why(client_record, keyworker):
    session = _past(client_record, keyworker, 3)
    with pytest.raises(ValidationError) as refused:
        log(session, keyworker)
    assert "3 days ago" in refused.value.message_dict["late_reason"][0]
    session.refresh_from_db()
    assert session.status == KeyworkSession.Status.BOOKED
    logged = log(session, keyworker, late_reason="Back from leave")
    assert logged.recorded_late and logged.late_reason == "Back from leave"
    assert logged.approval == Approval.NOT_NEEDED
    assert KeyworkSession.objects.counted().filter(pk=logged.pk).exists()


def test_both_dates_are_kept(client_record, keyworker):
    session = log(_past(client_record, keyworker, 5), keyworker, late_reason="Paper notes")
    assert dates.local_day(session.happened_at) == timezone.localdate() - 5 * dates.DAY
    assert dates.local_day(session.recorded_at) == timezone.localdate()


def test_past_the_approval_limit_it_waits_and_does_not_count(client_record, keyworker):
    session = log(_past(client_record, keyworker, 21), keyworker, late_reason="Back from leave")
    assert session.is_awaiting_approval
    assert not KeyworkSession.objects.counted().filter(pk=session.pk).exists()
    assert client_record.pk not in selectors.last_held([client_record.pk])


def test_the_limit_itself_needs_no_approval(client_record, keyworker):
    session = log(_past(client_record, keyworker, 14), keyworker, late_reason="Back from leave")
    assert session.approval == Approval.NOT_NEEDED


def test_a_manager_recording_late_approves_it_as_they_record(client_record, keyworker, manager):
    session = log(_past(client_record, keyworker, 21), manager, late_reason="Paper notes")
    assert session.approval == Approval.APPROVED and session.approval_by == manager


def test_beyond_the_window_it_is_refused_saying_the_window_and_who_can_change_it(
        client_record, keyworker):
    session = _past(client_record, keyworker, 91)
    with pytest.raises(ValidationError) as refused:
        log(session, keyworker, late_reason="Back from leave")
    message = refused.value.message_dict["starts_at"][0]
    assert "more than 90 days ago" in message and "manager" in message
    assert "diary settings" in message


def test_the_sites_settings_move_the_window_and_the_limit(client_record, keyworker, manager,
                                                          site):
    _settings(site, manager, late_window_days=30, late_approval_days=3)
    with pytest.raises(ValidationError, match="more than 30 days ago"):
        log(_past(client_record, keyworker, 40), keyworker, late_reason="Leave")
    session = log(_past(client_record, keyworker, 4), keyworker, late_reason="Leave")
    assert session.is_awaiting_approval


def test_the_approval_limit_cannot_pass_the_window(site, manager):
    with pytest.raises(ValidationError) as refused:
        _settings(site, manager, late_window_days=30, late_approval_days=40)
    assert "30 days back" in refused.value.message_dict["late_approval_days"][0]
    assert DiarySettings.for_site(site.pk).late_window_days == 90


def test_the_correction_window_keeps_its_meaning(client_record, keyworker, manager, site):
    _settings(site, manager, edit_window_days=7)
    session = log(_past(client_record, keyworker, 30), keyworker, late_reason="Leave")
    # Corrected from when it was logged, not from when it happened.
    assert session.may_correct(keyworker, 7)


# A manager's approval ------------------------------------------------------------------------


def test_a_manager_of_the_site_approves_and_it_counts(client_record, keyworker, manager):
    session = log(_past(client_record, keyworker, 21), keyworker, late_reason="Leave")
    services.late_record_approve(record=session, by=manager)
    session.refresh_from_db()
    assert session.approval == Approval.APPROVED and session.approval_by == manager
    assert KeyworkSession.objects.counted().filter(pk=session.pk).exists()
    assert session.history.first().history_user == manager


def test_only_a_manager_of_the_site_approves(client_record, keyworker, other_site_manager):
    session = log(_past(client_record, keyworker, 21), keyworker, late_reason="Leave")
    for who in (keyworker, other_site_manager):
        with pytest.raises(PermissionDenied):
            services.late_record_approve(record=session, by=who)
    session.refresh_from_db()
    assert session.is_awaiting_approval


def test_sending_back_needs_a_note_and_a_correction_sends_it_again(client_record, keyworker,
                                                                   manager):
    session = log(_past(client_record, keyworker, 21), keyworker, late_reason="Leave")
    with pytest.raises(ValidationError):
        services.late_record_send_back(record=session, by=manager, note=" ")
    services.late_record_send_back(record=session, by=manager, note="Which room was it in?")
    session.refresh_from_db()
    assert session.is_sent_back and not session.is_counted
    services.session_correct(session=session, version=session.version, by=keyworker,
                             status="attended", actual_start=session.starts_at,
                             actual_minutes=45, discussed="The housing form, room 2.",
                             late_reason="Leave")
    session.refresh_from_db()
    assert session.is_awaiting_approval


def test_approving_twice_is_refused(client_record, keyworker, manager):
    session = log(_past(client_record, keyworker, 21), keyworker, late_reason="Leave")
    services.late_record_approve(record=session, by=manager)
    with pytest.raises(ValidationError, match="not awaiting approval"):
        services.late_record_approve(record=session, by=manager)


# Contacts ------------------------------------------------------------------------------------


def test_a_contact_on_a_past_day_is_recorded_late_with_its_reason(client_record, colleague):
    contact = services.contact_log(client=client_record, by=colleague, kind="phone",
                                   note="Rang about the post", at=ago(days=5),
                                   late_reason="Paper notes")
    assert contact.recorded_late and contact.approval == Approval.NOT_NEEDED
    with pytest.raises(ValidationError) as refused:
        services.contact_log(client=client_record, by=colleague, kind="phone", note="Rang",
                             at=ago(days=5))
    assert "late_reason" in refused.value.message_dict


def test_a_contact_past_the_limit_waits_and_beyond_the_window_is_refused(client_record,
                                                                        colleague, manager):
    contact = services.contact_log(client=client_record, by=colleague, kind="phone",
                                   note="Rang", at=ago(days=20), late_reason="Leave")
    assert contact.is_awaiting_approval
    assert not Contact.objects.counted().filter(pk=contact.pk).exists()
    services.late_record_approve(record=contact, by=manager)
    assert Contact.objects.counted().filter(pk=contact.pk).exists()
    with pytest.raises(ValidationError) as refused:
        services.contact_log(client=client_record, by=colleague, kind="phone", note="Rang",
                             at=ago(days=100), late_reason="Leave")
    assert "more than 90 days ago" in refused.value.message_dict["at"][0]


# Pages -----------------------------------------------------------------------------------------


def test_the_log_form_asks_why_and_the_session_page_shows_both_dates(client, client_record,
                                                                     keyworker):
    session = _past(client_record, keyworker, 21)
    client.force_login(keyworker)
    url = reverse("diary:log", args=[session.pk])
    assert "Why is this recorded late?" in client.get(url).content.decode()
    start = dates.local(session.starts_at)
    data = {"version": session.version, "status": "attended", "worker": keyworker.pk,
            "day": start.date().isoformat(), "start": start.strftime("%H:%M"),
            "end": dates.local(session.ends_at).strftime("%H:%M"),
            "discussed": "Housing form"}
    refused = client.post(url, data)
    assert "Say why" in refused.context["form"].errors["late_reason"][0]
    response = client.post(url, data | {"late_reason": "Back from leave"}, follow=True)
    page = response.content.decode()
    happened = f"Happened {start:%a} {start.day} {start:%b} {start:%H:%M}"
    assert happened in page
    assert "recorded late on" in page and "Back from leave" in page
    assert "Awaiting a manager's approval" in page


def test_log_a_past_session_starts_from_the_booking_form(client, keyworker):
    client.force_login(keyworker)
    page = client.get(reverse("diary:book"), {"past": "1"}).content.decode()
    assert "Log a past session" in page


def test_a_contact_typed_up_from_paper_shows_in_the_timeline(client, client_record, colleague,
                                                            keyworker):
    client.force_login(colleague)
    day = timezone.localdate() - 4 * dates.DAY
    client.post(reverse("diary:contact_log", args=[client_record.pk]), {
        "kind": "drop_in", "note": "Asked about the post", "day": day.isoformat(),
        "time": "11:15", "late_reason": "Typing up paper notes"})
    contact = Contact.objects.get()
    assert contact.at == dates.at(day, dates.datetime.time(11, 15))
    client.force_login(keyworker)
    page = client.get(client_record.get_absolute_url()).content.decode()
    assert "recorded late on" in page and "Typing up paper notes" in page


def test_a_contact_on_an_earlier_day_needs_its_time(client, client_record, colleague):
    client.force_login(colleague)
    client.post(reverse("diary:contact_log", args=[client_record.pk]), {
        "kind": "drop_in", "note": "Asked", "late_reason": "Paper",
        "day": (timezone.localdate() - 4 * dates.DAY).isoformat()})
    assert not Contact.objects.exists()


def test_a_contact_at_a_time_the_clocks_show_twice_asks_which(client, client_record,
                                                              colleague, manager, site):
    _settings(site, manager, late_window_days=365)
    day = max(day for day in BACK if day < timezone.localdate())
    client.force_login(colleague)
    data = {"kind": "phone", "note": "Rang", "day": day.isoformat(), "time": "01:30",
            "late_reason": "Paper notes"}
    url = reverse("diary:contact_log", args=[client_record.pk])
    asked = client.post(url, data, HTTP_HX_REQUEST="true")
    assert "happens twice" in asked.content.decode()
    client.post(url, data | {"time_fold": dates.FIRST}, HTTP_HX_REQUEST="true")
    assert dates.local(Contact.objects.get().at).fold == 0


def test_the_manager_sees_it_due_and_approves_it(client, client_record, keyworker, manager):
    session = log(_past(client_record, keyworker, 21), keyworker, late_reason="Back from leave")
    client.force_login(manager)
    page = client.get(reverse("diary:today")).content.decode()
    assert "Approve a session with Dee that Kim" in page
    url = reverse("diary:session_approval", args=[session.pk])
    assert url in page
    assert "Back from leave" in client.get(url).content.decode()
    response = client.post(url, {"action": "approve", "note": ""})
    assert response.status_code == 302
    session.refresh_from_db()
    assert session.approval == Approval.APPROVED
    assert "Approve a session" not in client.get(reverse("diary:today")).content.decode()


def test_sent_back_it_is_due_for_its_author(client, client_record, keyworker, manager):
    session = log(_past(client_record, keyworker, 21), keyworker, late_reason="Back from leave")
    client.force_login(manager)
    refused = client.post(reverse("diary:session_approval", args=[session.pk]),
                          {"action": "send_back", "note": ""})
    assert "Say what is wrong" in refused.content.decode()
    client.post(reverse("diary:session_approval", args=[session.pk]),
                {"action": "send_back", "note": "Which room?"})
    client.force_login(keyworker)
    page = client.get(reverse("diary:today")).content.decode()
    assert "Put right your late session with Dee" in page
    assert "Which room?" in client.get(session.get_absolute_url()).content.decode()
    assert [item.kind for item in selectors.due_for(keyworker)].count("sent_back") == 1


def test_the_settings_page_says_when_the_limit_passes_the_window(client, manager, site):
    client.force_login(manager)
    response = client.post(reverse("diary:settings"), {
        "site": site.pk, "sessions_per_week": 1, "edit_window_days": 7,
        "late_window_days": 20, "late_approval_days": 30})
    assert response.status_code == 200
    assert "cannot be more than the 20 days back" in response.content.decode()
    assert DiarySettings.for_site(site.pk).late_window_days == 90


def test_a_session_sent_back_stays_open_to_correction_after_the_window(client_record,
                                                                       keyworker, manager,
                                                                       travel):
    session = log(_past(client_record, keyworker, 21), keyworker, late_reason="Leave")
    travel(days=10)
    services.late_record_send_back(record=session, by=manager, note="Which room?")
    session.refresh_from_db()
    assert session.may_correct(keyworker, 7)
    services.session_correct(session=session, version=session.version, by=keyworker,
                             status="attended", actual_start=session.starts_at,
                             actual_minutes=45, discussed="Room 2.", late_reason="Leave")
    session.refresh_from_db()
    assert session.is_awaiting_approval


def test_the_figures_count_a_late_record_only_once_approved(client_record, keyworker,
                                                            colleague, manager, site):
    from supervision.reports import outcome_report, period_for

    session = log(_past(client_record, keyworker, 21), keyworker, late_reason="Leave")
    contact = services.contact_log(client=client_record, by=colleague, kind="phone",
                                   note="Rang", at=ago(days=20), late_reason="Leave")
    today = timezone.localdate()
    period = period_for("dates", start=today - 30 * dates.DAY, end=today)

    def figures():
        rows = dict(next(s for s in outcome_report(manager, [site.pk], period)
                         if s.key == "sessions").rows)
        tally = selectors.sessions_between([client_record], period.start_at, period.end_at)
        return (rows["Sessions held (attended)"], rows["Other contacts with the client"],
                tally[client_record.pk].held)

    assert figures() == (0, 0, 0)
    services.late_record_approve(record=session, by=manager)
    services.late_record_approve(record=contact, by=manager)
    assert figures() == (1, 1, 1)
