"""Returning clients: re-opening an ended record as a new stay, the stay split, and the
referral's check for a record that already exists."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from clients import selectors, services
from clients.models import Client, Episode, InductionItem, StatusChange
from diary import selectors as diary_selectors
from plans import selectors as plans_selectors
from plans import services as plans_services
from stages import selectors as stages_selectors
from stages.models import Assessment
from tests.factories import ClientFactory

DAY = datetime.timedelta(days=1)


def today():
    return timezone.localdate()


def _ended(client_record, manager, *, status=Client.Status.MOVED_ON, ago=10):
    services.client_end(client=client_record, status=status, ended_on=today() - ago * DAY,
                        destination="Own tenancy", reason="Ready to move on", by=manager,
                        end_kind=Client.EndKind.PLANNED, closing_summary="Ready for a flat.")
    client_record.refresh_from_db()
    return client_record


def _reopen(client, manager, **fields):
    fields.setdefault("referred_on", today() - 2 * DAY)
    fields.setdefault("reason", "Tenancy broke down")
    return services.client_reopen(client=client, by=manager, **fields)


def _signed_plan(client, by, starts_on):
    plan = plans_services.plan_start(client=client, by=by, starts_on=starts_on,
                                     review_on=today() + 28 * DAY)
    plan.signed_at = timezone.now()
    plan.save()
    return plan


def _initial_assessment(client, by, on):
    return Assessment.objects.create(client=client, kind=Assessment.Kind.INITIAL,
                                     assessed_on=on, by=by)


# The model ---------------------------------------------------------------------------------


def test_every_stay_field_has_a_place_on_the_episode():
    episode_fields = {f.name for f in Episode._meta.get_fields()}
    assert set(Client.STAY_FIELDS) <= episode_fields


# Re-opening --------------------------------------------------------------------------------


def test_reopening_keeps_the_ended_stay_and_refers_the_client_again(client_record, manager):
    ended = _ended(client_record, manager)
    admitted_on, ended_on = ended.admitted_on, ended.ended_on
    episode = _reopen(ended, manager, referral_source="Outreach", referral_reference="OR-7")
    client_record.refresh_from_db()
    assert (episode.number, episode.status, episode.admitted_on, episode.ended_on) == (
        1, Client.Status.MOVED_ON, admitted_on, ended_on)
    assert episode.end_destination == "Own tenancy"
    assert (episode.reopened_by, episode.reopen_reason) == (manager, "Tenancy broke down")
    assert client_record.status == Client.Status.REFERRED
    assert client_record.referred_on == today() - 2 * DAY
    assert (client_record.admitted_on, client_record.ended_on) == (None, None)
    assert (client_record.end_destination, client_record.end_reason) == ("", "")
    assert client_record.referral_reference == "OR-7"
    change = StatusChange.objects.filter(client=client_record).first()
    assert (change.from_status, change.to_status) == ("moved_on", "referred")


def test_a_reopened_client_is_admitted_through_the_usual_step(client_record, manager):
    _reopen(_ended(client_record, manager), manager)
    services.client_admit(client=client_record, admitted_on=today(), by=manager)
    client_record.refresh_from_db()
    assert client_record.status == Client.Status.ADMITTED
    assert client_record.admitted_on == today()


def test_a_second_return_is_stay_two(client_record, manager):
    _reopen(_ended(client_record, manager, ago=30), manager, referred_on=today() - 25 * DAY)
    services.client_admit(client=client_record, admitted_on=today() - 20 * DAY, by=manager)
    client_record.refresh_from_db()
    services.client_end(client=client_record, status=Client.Status.DISCHARGED,
                        ended_on=today() - 5 * DAY, destination="x", reason="y", by=manager,
                        end_kind=Client.EndKind.UNPLANNED)
    client_record.refresh_from_db()
    second = _reopen(client_record, manager)
    assert second.number == 2
    assert second.status == Client.Status.DISCHARGED
    assert list(client_record.episodes.values_list("number", flat=True)) == [1, 2]


def test_only_an_ended_record_can_be_reopened(client_record, manager):
    with pytest.raises(ValidationError, match="ended"):
        _reopen(client_record, manager)
    assert not Episode.objects.exists()


def test_only_a_manager_of_the_clients_site_may_reopen(client_record, manager,
                                                       other_site_manager, keyworker):
    ended = _ended(client_record, manager)
    for user in (other_site_manager, keyworker):
        with pytest.raises(PermissionDenied):
            _reopen(ended, user)
    assert not Episode.objects.exists()


def test_the_new_referral_must_follow_the_ended_stay(client_record, manager):
    ended = _ended(client_record, manager)
    with pytest.raises(ValidationError) as error:
        _reopen(ended, manager, referred_on=ended.ended_on)
    assert "referred_on" in error.value.error_dict
    client_record.refresh_from_db()
    assert client_record.is_archived
    assert not Episode.objects.exists()


def test_a_reason_is_needed(client_record, manager):
    with pytest.raises(ValidationError) as error:
        _reopen(_ended(client_record, manager), manager, reason=" ")
    assert "reason" in error.value.error_dict


# The stay split ----------------------------------------------------------------------------


def test_a_returning_client_is_due_a_first_plan_and_assessment_for_the_new_stay(
        client_record, manager, keyworker):
    _signed_plan(client_record, keyworker, client_record.admitted_on)
    _initial_assessment(client_record, keyworker, client_record.admitted_on)
    assert plans_selectors.first_plans([client_record]) == {}
    assert stages_selectors.initial_assessments([client_record])[client_record.pk] == "done"
    _reopen(_ended(client_record, manager), manager)
    services.client_admit(client=client_record, admitted_on=today(), by=manager)
    assert plans_selectors.first_plans([client_record]) == {client_record.pk: "due"}
    assert stages_selectors.initial_assessments([client_record]) == {client_record.pk: "due"}
    assert plans_selectors.reviews([client_record]) == {}


def test_the_new_stays_plan_is_numbered_on_and_counts(client_record, manager, keyworker):
    old = _signed_plan(client_record, keyworker, client_record.admitted_on)
    _reopen(_ended(client_record, manager), manager)
    services.client_admit(client=client_record, admitted_on=today(), by=manager)
    client_record.refresh_from_db()
    new = plans_services.plan_start(client=client_record, by=keyworker, starts_on=today(),
                                    review_on=today() + 28 * DAY)
    assert new.number == old.number + 1
    assert list(plans_selectors.current_stay_plans(client_record)) == [new]


def test_stay_start_is_none_for_a_first_stay_and_the_reopening_after(client_record, manager):
    assert selectors.stay_start(client_record) is None
    episode = _reopen(_ended(client_record, manager), manager)
    assert selectors.stay_start(client_record) == episode.reopened_at


def test_the_file_lists_earlier_stays_with_their_readable_plan(client, client_record, manager,
                                                               keyworker):
    old = _signed_plan(client_record, keyworker, client_record.admitted_on)
    assessment = _initial_assessment(client_record, keyworker, client_record.admitted_on)
    _reopen(_ended(client_record, manager), manager)
    client.force_login(manager)
    page = client.get(reverse("clients:detail", args=[client_record.pk])).content.decode()
    assert "Earlier stays" in page
    assert "Stay 1" in page
    assert old.get_absolute_url() in page
    assert reverse("stages:assessment_detail", args=[client_record.pk, assessment.pk]) in page
    assert client.get(old.get_absolute_url()).status_code == 200


# Pages -------------------------------------------------------------------------------------


def test_an_ended_file_offers_reopening_to_its_manager_only(client, client_record, manager,
                                                            keyworker):
    _ended(client_record, manager)
    url = reverse("clients:reopen", args=[client_record.pk])
    client.force_login(manager)
    assert url in client.get(client_record.get_absolute_url()).content.decode()
    client.force_login(keyworker)
    assert url not in client.get(client_record.get_absolute_url()).content.decode()


def test_the_reopen_page_reopens_and_bad_input_changes_nothing(client, client_record, manager):
    _ended(client_record, manager)
    client.force_login(manager)
    url = reverse("clients:reopen", args=[client_record.pk])
    response = client.post(url, {"referred_on": (today() + DAY).isoformat(), "reason": "x"})
    assert response.status_code == 200
    assert "cannot be in the future" in response.content.decode()
    assert not Episode.objects.exists()
    response = client.post(url, {"referred_on": today().isoformat(), "reason": "Back"})
    assert response.status_code == 302
    client_record.refresh_from_db()
    assert client_record.status == Client.Status.REFERRED
    assert Episode.objects.get().client == client_record


def test_an_open_record_is_sent_back_to_its_file(client, client_record, manager):
    client.force_login(manager)
    response = client.get(reverse("clients:reopen", args=[client_record.pk]))
    assert response.status_code == 302
    assert not Episode.objects.exists()


# Likely duplicates -------------------------------------------------------------------------


@pytest.mark.parametrize(("first", "last"), [
    ("Dee", "Harper"),
    ("dee", "HARPER"),
    ("Dée", "Härper"),
    ("Harper", "Dee"),  # first and last swapped
    ("Dee", "Harper-"),
    ("Dee", "Har per"),
    ("Deirdre", "Harper"),  # her first name, when "Dee" is what she is called
    ("Dee", "Harpar"),  # a typing slip
])
def test_names_that_match(first, last):
    client = Client(first_name="Deirdre", preferred_name="Dee", last_name="Harper")
    assert selectors.names_match(first, last, client)


@pytest.mark.parametrize(("first", "last"), [
    ("Dee", "Smith"),
    ("Ann", "Harper"),
    ("", "Harper"),
])
def test_names_that_do_not_match(first, last):
    client = Client(first_name="Deirdre", preferred_name="Dee", last_name="Harper")
    assert not selectors.names_match(first, last, client)


def test_likely_same_needs_the_date_of_birth_for_a_name(client_record, manager):
    born = client_record.date_of_birth
    found = selectors.likely_same(manager, first_name="Dee", last_name="Harper",
                                  date_of_birth=born)
    assert found.clients == [client_record]
    assert not selectors.likely_same(manager, first_name="Dee", last_name="Harper",
                                     date_of_birth=born + DAY)
    assert not selectors.likely_same(manager, first_name="Dee", last_name="Harper")


def test_likely_same_finds_the_agencys_reference_on_an_earlier_stay(client_record, manager):
    _ended(client_record, manager)
    client_record.referral_reference = "PROB-991"
    client_record.save()
    _reopen(client_record, manager, referral_reference="")
    found = selectors.likely_same(manager, first_name="Someone", last_name="Else",
                                  referral_reference="prob-991")
    assert found.clients == [client_record]
    assert found.clients[0].why == "reference"


def test_a_match_at_another_site_is_not_named(other_site_client, manager):
    found = selectors.likely_same(manager, first_name="Far", last_name="Away",
                                  date_of_birth=other_site_client.date_of_birth)
    assert found.clients == []
    assert found.elsewhere


def _referral_post(site, **fields):
    return {"site": site.pk, "referred_on": today().isoformat(), "first_name": "Dee",
            "last_name": "Harper", "date_of_birth": "1980-05-17", **fields}


def test_a_referral_of_an_existing_client_asks_first(client, client_record, manager):
    client.force_login(manager)
    response = client.post(reverse("clients:create"), _referral_post(client_record.site))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Is this the same person?" in page
    assert client_record.get_absolute_url() in page
    assert Client.objects.count() == 1


def test_a_different_person_is_referred_once_said(client, client_record, manager):
    client.force_login(manager)
    response = client.post(reverse("clients:create"),
                           _referral_post(client_record.site, different="yes"))
    assert response.status_code == 302
    assert Client.objects.count() == 2


def test_a_match_elsewhere_is_mentioned_without_a_name(client, other_site_client, manager,
                                                        site):
    client.force_login(manager)
    response = client.post(reverse("clients:create"), _referral_post(
        site, first_name="Far", last_name="Away",
        date_of_birth=other_site_client.date_of_birth.isoformat()))
    page = response.content.decode()
    assert "A record at another site may match" in page
    assert other_site_client.reference not in page
    assert Client.objects.count() == 1


def test_an_ended_match_offers_reopening(client, client_record, manager):
    _ended(client_record, manager)
    client.force_login(manager)
    page = client.post(reverse("clients:create"),
                       _referral_post(client_record.site)).content.decode()
    assert reverse("clients:reopen", args=[client_record.pk]) in page


def test_a_client_with_no_birthday_nor_reference_is_not_matched(site, manager):
    ClientFactory(site=site, first_name="Dee", last_name="Harper", date_of_birth=None)
    assert not selectors.likely_same(manager, first_name="Dee", last_name="Harper")


def test_a_returning_clients_first_week_of_keywork_starts_again(client_record, manager,
                                                                keyworker):
    _reopen(_ended(client_record, manager, ago=40), manager, referred_on=today() - 3 * DAY)
    services.client_admit(client=client_record, admitted_on=today() - 2 * DAY, by=manager)
    client_record.refresh_from_db()
    services.client_allocate(client=client_record, worker=keyworker, by=manager,
                             start=today() - 2 * DAY)
    week = diary_selectors.sessions_this_week([client_record])[client_record.pk]
    assert week.first_week_until == today() + 5 * DAY
    assert week.in_first_week


def test_a_returning_client_gets_a_new_plan_from_the_plan_pages(client, client_record, manager,
                                                                keyworker):
    old = _signed_plan(client_record, keyworker, client_record.admitted_on)
    _reopen(_ended(client_record, manager), manager)
    services.client_admit(client=client_record, admitted_on=today(), by=manager)
    services.client_allocate(client=client_record, worker=keyworker, by=manager)
    client.force_login(keyworker)
    response = client.get(reverse("plans:client", args=[client_record.pk]))
    assert response.status_code == 200  # how to start one, not the old plan
    response = client.post(reverse("plans:create", args=[client_record.pk]), {
        "starts_on": today().isoformat(), "review_on": (today() + 28 * DAY).isoformat(),
        "vision": "A flat of my own again"})
    assert response.status_code == 302
    new = client_record.plans.order_by("-number").first()
    assert new.number == old.number + 1
    assert client.get(old.get_absolute_url()).status_code == 200


def _file_queries(client, record):
    with CaptureQueriesContext(connection) as queries:
        page = client.get(reverse("clients:detail", args=[record.pk])).content.decode()
    return len(queries), page


def test_the_file_reads_earlier_stays_in_a_fixed_number_of_queries(client, site, manager,
                                                                   keyworker):
    counts = []
    for size in (1, 4):
        record = ClientFactory(site=site, first_name=f"Size{size}")
        _signed_plan(record, keyworker, record.admitted_on)
        for number in range(1, size + 1):
            Episode.objects.create(client=record, number=number, status="moved_on",
                                   referred_on=record.referred_on, reopened_by=manager,
                                   ended_on=record.admitted_on + number * DAY)
            _initial_assessment(record, keyworker, record.admitted_on)
        client.force_login(manager)
        count, page = _file_queries(client, record)
        assert page.count("<h3 class=\"h6 mb-1\">Stay ") == size
        counts.append(count)
    assert counts[0] == counts[1]


def test_a_returning_client_has_an_induction_again(client_record, manager, keyworker):
    item = InductionItem.objects.create(site=client_record.site, text="Fire exits")
    services.induction_tick(client=client_record, item=item, by=keyworker)
    assert services.induction_tick(client=client_record, item=item, by=keyworker).pk == (
        client_record.induction_ticks.get().pk)  # once per stay
    _reopen(_ended(client_record, manager), manager)
    services.client_admit(client=client_record, admitted_on=today(), by=manager)
    assert services.induction_progress(client_record) == [(item, None)]
    tick = services.induction_tick(client=client_record, item=item, by=keyworker)
    assert services.induction_progress(client_record) == [(item, tick)]
    assert client_record.induction_ticks.count() == 2
