"""The diary's rules, at the service layer: what is refused, what is kept, who may."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from clients import services as clients_services
from clients.models import Client
from diary import services
from diary.models import Contact, KeyworkSession
from keywork.lib.stale import StaleEdit
from tests.diary.conftest import DAY, HOUR, ago, earlier_today
from tests.factories import ClientFactory, KeyworkSessionFactory, local_moment

MINUTE = datetime.timedelta(minutes=1)


def tomorrow_at(hour, minute=0):
    return local_moment(timezone.localdate() + DAY, hour, minute)


def book(client, worker, starts_at, minutes=60, by=None, **fields):
    return services.session_book(client=client, worker=worker, starts_at=starts_at,
                                 expected_minutes=minutes, by=by or worker, **fields)


def log(session, by, **fields):
    fields.setdefault("status", KeyworkSession.Status.ATTENDED)
    fields.setdefault("actual_start", session.starts_at)
    fields.setdefault("actual_minutes", 45)
    fields.setdefault("discussed", "The housing form.")
    return services.session_log(session=session, version=session.version, by=by, **fields)


# Booking ------------------------------------------------------------------------------------


def test_booking_diarises_a_session_with_its_end_and_site(client_record, keyworker):
    session = book(client_record, keyworker, tomorrow_at(10), minutes=45)
    assert session.status == KeyworkSession.Status.BOOKED
    assert session.site == client_record.site
    assert session.ends_at == tomorrow_at(10, 45)
    assert session.history.first().history_user == keyworker


def test_booking_that_overlaps_the_workers_session_is_refused(client_record, colleagues_client,
                                                              keyworker, manager):
    book(client_record, keyworker, tomorrow_at(10))
    with pytest.raises(ValidationError) as refused:
        book(colleagues_client, keyworker, tomorrow_at(10, 30), by=manager)
    message = refused.value.message_dict["starts_at"][0]
    assert "Kim" in message and "already has a session with Dee Harper" in message
    assert "10:00 to 11:00" in message
    assert KeyworkSession.objects.count() == 1


def test_booking_that_overlaps_the_clients_session_is_refused(client_record, keyworker,
                                                              manager):
    book(client_record, keyworker, tomorrow_at(10))
    with pytest.raises(ValidationError, match="Dee Harper already has a session with Kim"):
        book(client_record, manager, tomorrow_at(10, 59), by=manager)


def test_back_to_back_sessions_do_not_clash(client_record, colleagues_client, keyworker,
                                            manager):
    book(client_record, keyworker, tomorrow_at(10))
    book(colleagues_client, keyworker, tomorrow_at(11), by=manager)
    assert KeyworkSession.objects.count() == 2


def test_a_cancelled_or_struck_session_frees_its_slot(client_record, keyworker):
    first = book(client_record, keyworker, tomorrow_at(10))
    services.session_log(session=first, version=first.version, by=keyworker,
                         status=KeyworkSession.Status.CANCELLED, cancelled_by="client")
    second = book(client_record, keyworker, tomorrow_at(10))
    services.session_strike(session=second, by=keyworker, reason="Booked twice by mistake")
    book(client_record, keyworker, tomorrow_at(10))
    assert KeyworkSession.objects.live().exclude(status="cancelled").count() == 1


@pytest.mark.parametrize(("minutes", "message"), [
    (0, "at least a minute"), (8 * 60 + 1, "at most 8 hours")])
def test_a_length_of_zero_or_over_eight_hours_is_refused(client_record, keyworker, minutes,
                                                         message):
    with pytest.raises(ValidationError, match=message):
        book(client_record, keyworker, tomorrow_at(10), minutes=minutes)
    assert not KeyworkSession.objects.exists()


def test_booking_for_a_client_the_user_may_not_open_is_refused(colleagues_client, keyworker,
                                                               other_site_client):
    for client in (colleagues_client, other_site_client):
        with pytest.raises(PermissionDenied):
            book(client, keyworker, tomorrow_at(10))
    assert not KeyworkSession.objects.exists()


def test_a_referral_or_a_client_who_left_cannot_be_booked(site, keyworker, manager):
    referral = ClientFactory(site=site, status=Client.Status.REFERRED, admitted_on=None)
    gone = ClientFactory(site=site, status=Client.Status.MOVED_ON, ended_on=timezone.localdate())
    with pytest.raises(ValidationError, match="admit them before"):
        book(referral, manager, tomorrow_at(10))
    with pytest.raises(ValidationError, match="has left the service"):
        book(gone, manager, tomorrow_at(10))


def test_the_worker_must_work_at_the_clients_site(client_record, manager,
                                                  other_site_keyworker):
    with pytest.raises(ValidationError, match="does not work at Riverside"):
        book(client_record, other_site_keyworker, tomorrow_at(10), by=manager)


def test_an_external_appointment_needs_where_and_when_back(client_record, keyworker):
    with pytest.raises(ValidationError) as refused:
        book(client_record, keyworker, tomorrow_at(10), place="external")
    assert set(refused.value.message_dict) == {"where", "expected_back_at"}
    session = book(client_record, keyworker, tomorrow_at(10), place="external",
                   where="Job centre", expected_back_at=tomorrow_at(12))
    assert session.needs_check_in


def test_a_session_held_without_a_booking_can_be_added_within_the_window(client_record,
                                                                         keyworker):
    book(client_record, keyworker, ago(days=89))
    with pytest.raises(ValidationError, match="more than 90 days ago"):
        book(client_record, keyworker, ago(days=92))


# Logging ------------------------------------------------------------------------------------


def test_logging_records_the_outcome_and_who_logged_it(booked, keyworker):
    session = log(booked, keyworker, next_steps="Bring ID", risks="Threatened by a visitor")
    session.refresh_from_db()
    assert session.status == KeyworkSession.Status.ATTENDED
    assert session.logged_by == keyworker
    assert session.actual_minutes == 45
    assert session.has_open_risk
    assert session.version == booked.version + 1


def test_a_session_cannot_be_logged_as_held_in_the_future(client_record, keyworker):
    session = book(client_record, keyworker, tomorrow_at(10))
    with pytest.raises(ValidationError) as refused:
        log(session, keyworker, actual_start=tomorrow_at(10))
    assert "in the future" in refused.value.message_dict["actual_start"][0]
    session.refresh_from_db()
    assert session.status == KeyworkSession.Status.BOOKED


def test_did_not_attend_waits_for_the_sessions_time(client_record, keyworker):
    session = book(client_record, keyworker, tomorrow_at(10))
    with pytest.raises(ValidationError, match="has not started yet"):
        log(session, keyworker, status=KeyworkSession.Status.DID_NOT_ATTEND)


def test_a_cancellation_says_who_cancelled_and_can_be_logged_ahead(client_record, keyworker):
    session = book(client_record, keyworker, tomorrow_at(10))
    with pytest.raises(ValidationError, match="who cancelled"):
        log(session, keyworker, status=KeyworkSession.Status.CANCELLED)
    session = log(session, keyworker, status=KeyworkSession.Status.CANCELLED,
                  cancelled_by="client")
    assert session.actual_start is None


def test_logging_a_session_of_a_client_the_user_may_not_open_is_refused(booked, colleague):
    with pytest.raises(PermissionDenied):
        log(booked, colleague)
    booked.refresh_from_db()
    assert booked.status == KeyworkSession.Status.BOOKED


def test_the_second_person_logging_the_same_session_is_told_who_did(booked, keyworker,
                                                                    manager):
    version = booked.version
    log(booked, keyworker)
    opened_before = KeyworkSession.objects.get(pk=booked.pk)
    with pytest.raises(StaleEdit, match="Kim .* logged this session at"):
        services.session_log(session=opened_before, version=version, by=manager,
                             status="attended", actual_start=booked.starts_at,
                             actual_minutes=30, discussed="Manager's notes")
    opened_before.refresh_from_db()
    assert opened_before.discussed == "The housing form."


def test_cover_worker_logs_sessions_while_covering(colleagues_client, cover, cover_worker):
    session = KeyworkSessionFactory(client=colleagues_client, worker=cover_worker,
                                    starts_at=earlier_today())
    log(session, cover_worker)
    assert services.cover_notes([session]) == {session.pk: cover.handover_note}


# Corrections, addenda, strikes ------------------------------------------------------------


def correct(session, by, **fields):
    values = {"status": session.status, "actual_start": session.actual_start,
              "actual_minutes": session.actual_minutes, "discussed": session.discussed}
    return services.session_correct(session=session, version=session.version, by=by,
                                    **values | fields)


def test_the_author_corrects_within_the_window_and_history_keeps_the_old_text(booked,
                                                                              keyworker):
    session = log(booked, keyworker)
    session = correct(session, keyworker, discussed="The housing form and the GP letter.")
    texts = [h.discussed for h in session.history.order_by("history_date")]
    assert texts == ["", "The housing form.", "The housing form and the GP letter."]


def test_only_the_author_or_a_manager_corrects(booked, keyworker, manager, cover_worker,
                                               client_record):
    session = log(booked, keyworker)
    correct(session, manager, discussed="Corrected by the manager")
    session.refresh_from_db()
    client_record.allocations.create(worker=cover_worker, kind="co", start=booked.starts_at.date(),
                                     created_by=manager)
    with pytest.raises(ValidationError, match="Only Kim .* or a manager can change"):
        correct(session, cover_worker, discussed="Not mine to change")


def test_after_the_window_only_an_addendum_can_be_added(client_record, keyworker):
    session = KeyworkSessionFactory(client=client_record, worker=keyworker, held=True,
                                    starts_at=ago(days=9))
    with pytest.raises(ValidationError, match="could be changed until .* Add a note"):
        correct(session, keyworker, discussed="Too late")
    addendum = services.addendum_add(session=session, by=keyworker, text="GP letter came too.")
    assert list(session.addenda.all()) == [addendum]


def test_the_sites_window_decides_how_long_corrections_stay_open(client_record, keyworker,
                                                                 manager, site):
    services.diary_settings_update(site=site, by=manager, sessions_per_week=1,
                                   edit_window_days=14)
    session = KeyworkSessionFactory(client=client_record, worker=keyworker, held=True,
                                    starts_at=ago(days=10))
    assert correct(session, keyworker, discussed="Still in time").discussed == "Still in time"


def test_a_wrong_entry_is_struck_through_with_a_reason_not_deleted(booked, keyworker):
    session = log(booked, keyworker, risks="Something")
    with pytest.raises(ValidationError, match="Say why"):
        services.session_strike(session=session, by=keyworker, reason="  ")
    services.session_strike(session=session, by=keyworker, reason="Wrong client")
    session = KeyworkSession.objects.get(pk=booked.pk)
    assert session.is_struck and session.struck_reason == "Wrong client"
    assert not KeyworkSession.objects.live().exists()
    assert not KeyworkSession.objects.open_risks().exists()
    with pytest.raises(ValidationError, match="marked as entered in error"):
        correct(session, keyworker, discussed="Again")


def test_someone_else_cannot_strike_an_entry(booked, keyworker, client_record, cover_worker,
                                             manager):
    client_record.allocations.create(worker=cover_worker, kind="co",
                                     start=timezone.localdate(), created_by=manager)
    with pytest.raises(PermissionDenied):
        services.session_strike(session=booked, by=cover_worker, reason="Not mine")


# Lone working and risks ---------------------------------------------------------------------


def test_checking_in_ends_the_lone_working_watch(client_record, keyworker, manager):
    session = KeyworkSessionFactory(client=client_record, worker=keyworker,
                                    starts_at=ago(hours=3), place="external", where="GP",
                                    expected_back_at=ago(hours=1))
    assert list(services.out_now(manager)) == [session]
    assert session.is_overdue_back
    services.session_check_in(session=session, by=keyworker)
    assert not services.out_now(manager).exists()
    with pytest.raises(ValidationError, match="Already checked in"):
        services.session_check_in(session=KeyworkSession.objects.get(pk=session.pk),
                                  by=keyworker)


def test_a_colleague_cannot_check_someone_else_in(client_record, keyworker, colleague):
    session = KeyworkSessionFactory(client=client_record, worker=keyworker, lone_working=True,
                                    starts_at=ago(hours=1), expected_back_at=ago(minutes=5))
    with pytest.raises(PermissionDenied):
        services.session_check_in(session=session, by=colleague)


def test_only_a_manager_of_the_site_marks_a_risk_dealt_with(booked, keyworker, manager,
                                                            other_site_manager):
    session = log(booked, keyworker, risks="Threatened by a visitor")
    for someone in (keyworker, other_site_manager):
        with pytest.raises(PermissionDenied):
            services.risk_resolve(session=session, by=someone)
    services.risk_resolve(session=session, by=manager, note="Banned the visitor")
    assert not KeyworkSession.objects.open_risks().exists()


def test_a_changed_risk_shows_again_after_it_was_dealt_with(booked, keyworker, manager):
    session = log(booked, keyworker, risks="Threatened by a visitor")
    session = services.risk_resolve(session=session, by=manager)
    correct(session, keyworker, risks="Threatened again on Friday")
    assert KeyworkSession.objects.open_risks().get().risk_dealt_with_at is None


# Contacts -----------------------------------------------------------------------------------


def test_any_colleague_at_the_site_logs_a_contact(client_record, colleague):
    contact = services.contact_log(client=client_record, by=colleague, kind="drop_in",
                                   note="Asked about the post")
    assert contact.site == client_record.site
    assert contact.history.get().history_user == colleague


def test_a_contact_cannot_be_logged_for_another_sites_client_or_in_the_future(
        client_record, colleague, other_site_client):
    with pytest.raises(PermissionDenied):
        services.contact_log(client=other_site_client, by=colleague, kind="phone", note="Hi")
    with pytest.raises(ValidationError, match="future"):
        services.contact_log(client=client_record, by=colleague, kind="phone", note="Hi",
                             at=timezone.now() + HOUR)
    assert not Contact.objects.exists()


# A new keyworker takes the client's booked sessions ------------------------------------------


def test_a_transferred_clients_future_booked_sessions_move_to_the_new_keyworker(
        client_record, keyworker, colleague, manager):
    coming = book(client_record, keyworker, tomorrow_at(10))
    held = KeyworkSessionFactory(client=client_record, worker=keyworker, held=True,
                                 starts_at=ago(days=2))
    unlogged = KeyworkSessionFactory(client=client_record, worker=keyworker,
                                     starts_at=ago(hours=3))
    clients_services.caseload_transfer(from_worker=keyworker, to_worker=colleague,
                                       clients=[client_record], by=manager, reason="Leaving")
    coming.refresh_from_db()
    assert coming.worker == colleague
    assert coming.history.first().history_user == manager
    held.refresh_from_db()
    unlogged.refresh_from_db()
    assert held.worker == keyworker and unlogged.worker == keyworker


def test_re_allocating_one_client_moves_only_their_keyworkers_sessions(
        client_record, keyworker, colleague, manager, site):
    from tests.factories import UserFactory

    cover = UserFactory(username="cover", sites=[site])
    theirs = book(client_record, keyworker, tomorrow_at(10))
    covered = KeyworkSessionFactory(client=client_record, worker=cover,
                                    starts_at=tomorrow_at(14))
    clients_services.client_allocate(client=client_record, worker=colleague, by=manager,
                                     reason="Closer match")
    theirs.refresh_from_db()
    covered.refresh_from_db()
    assert theirs.worker == colleague
    assert covered.worker == cover


def test_a_session_that_would_clash_for_the_new_keyworker_refuses_the_transfer(
        client_record, colleagues_client, keyworker, colleague, manager):
    book(client_record, keyworker, tomorrow_at(10))
    book(colleagues_client, colleague, tomorrow_at(10, 30))
    with pytest.raises(ValidationError, match="cannot move to Sam Reid, who has a session"):
        clients_services.caseload_transfer(from_worker=keyworker, to_worker=colleague,
                                           clients=[client_record], by=manager,
                                           reason="Leaving")
    assert client_record.allocations.current().primary().get().worker == keyworker
    assert KeyworkSession.objects.get(client=client_record).worker == keyworker


def test_sessions_asked_of_each_row_are_those_of_the_clients_the_user_may_see(
        client_record, colleagues_client, other_site_client, keyworker, colleague, manager,
        other_site_manager, administrator):
    for client in (client_record, colleagues_client, other_site_client):
        KeyworkSessionFactory(client=client, worker=client.allocations.get().worker,
                              starts_at=ago(hours=2), lone_working=True,
                              expected_back_at=ago(hours=1))
    for user in (keyworker, colleague, manager, other_site_manager, administrator):
        listed = set(KeyworkSession.objects.for_user(user))
        assert set(KeyworkSession.objects.for_user(user, per_row=True)) == listed
    assert {s.client for s in KeyworkSession.objects.for_user(keyworker, per_row=True)} == {
        client_record, colleagues_client}
    assert {s.client for s in services.out_now(manager)} == {client_record, colleagues_client}
    assert {s.client for s in services.out_now(other_site_manager)} == {other_site_client}
