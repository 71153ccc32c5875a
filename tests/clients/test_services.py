import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from clients import selectors, services
from clients.models import Allocation, Client, InductionItem, StatusChange
from keywork.lib.stale import StaleEdit
from tests.factories import AllocationFactory, ClientFactory, UserFactory

TODAY = timezone.localdate
DAY = datetime.timedelta(days=1)


def _referral(site, manager, **fields):
    fields.setdefault("first_name", "Ann")
    fields.setdefault("last_name", "Lee")
    fields.setdefault("referred_on", TODAY() - 5 * DAY)
    return services.client_refer(site=site, by=manager, **fields)


def test_referrals_get_the_sites_next_reference_number(site, other_site, manager):
    first = _referral(site, manager)
    second = _referral(site, manager)
    elsewhere = _referral(other_site, manager)
    assert (first.reference, second.reference) == ("DC1-00001", "DC1-00002")
    assert elsewhere.reference == "HH1-00001"
    assert first.status == Client.Status.REFERRED
    assert StatusChange.objects.get(client=first).by == manager


def test_a_date_of_birth_in_the_future_is_refused(site, manager):
    with pytest.raises(ValidationError) as error:
        _referral(site, manager, date_of_birth=TODAY() + DAY)
    assert "date_of_birth" in error.value.error_dict
    assert not Client.objects.exists()


def test_admission_on_a_ladder_site_starts_probation(site, manager):
    site.uses_ladder = True
    site.save()
    client = _referral(site, manager)
    services.client_admit(client=client, admitted_on=TODAY(), by=manager)
    client.refresh_from_db()
    assert client.status == Client.Status.ADMITTED
    assert client.on_probation is True
    change = client.status_changes.first()
    assert (change.from_status, change.to_status, change.by) == ("referred", "admitted", manager)


def test_admission_before_the_referral_is_refused(site, manager):
    client = _referral(site, manager)
    with pytest.raises(ValidationError, match="before the referral"):
        services.client_admit(client=client, admitted_on=client.referred_on - DAY, by=manager)


def test_discharge_before_admission_is_refused_and_changes_nothing(client_record, manager):
    with pytest.raises(ValidationError, match="before the admission"):
        services.client_end(client=client_record, status=Client.Status.DISCHARGED,
                            ended_on=client_record.admitted_on - DAY, destination="x",
                            reason="x", by=manager, end_kind="unplanned")
    client_record.refresh_from_db()
    assert client_record.status == Client.Status.ACTIVE


def test_moving_on_archives_the_client_and_ends_every_allocation(client_record, manager,
                                                                   colleague):
    services.co_keyworker_set(client=client_record, worker=colleague, by=manager)
    services.client_end(client=client_record, status=Client.Status.MOVED_ON, ended_on=TODAY(),
                        destination="Own tenancy", reason="Ready", by=manager,
                        end_kind="planned", closing_summary="Well done")
    client_record.refresh_from_db()
    assert client_record.is_archived
    assert not client_record.allocations.current(TODAY() + DAY).exists()
    assert Client.objects.filter(pk=client_record.pk).exists()
    with pytest.raises(ValidationError, match="archived"):
        services.client_update(client=client_record, version=client_record.version,
                               by=manager, first_name="New")


def test_a_stale_edit_is_refused(client_record, manager):
    version = client_record.version
    services.client_update(client=client_record, version=version, by=manager, phone="1")
    stale = Client.objects.get(pk=client_record.pk)
    with pytest.raises(StaleEdit):
        services.client_update(client=stale, version=version, by=manager, phone="2")
    assert Client.objects.get(pk=client_record.pk).phone == "1"


def test_reallocation_needs_a_reason_and_keeps_the_history(client_record, keyworker, colleague,
                                                            manager):
    with pytest.raises(ValidationError, match="why the keyworker is changing"):
        services.client_allocate(client=client_record, worker=colleague, by=manager)
    services.client_allocate(client=client_record, worker=colleague, by=manager,
                             reason="Keyworker moving to nights")
    rows = list(client_record.allocations.order_by("pk"))
    assert [(a.worker, a.end) for a in rows] == [(keyworker, TODAY()), (colleague, None)]
    assert rows[0].ended_by == manager
    assert rows[1].reason == "Keyworker moving to nights"


def test_allocation_over_the_limit_needs_a_reason_and_is_marked(site, manager, colleague):
    colleague.caseload_limit = 1
    colleague.save()
    AllocationFactory(client=ClientFactory(site=site), worker=colleague)
    client = ClientFactory(site=site)
    with pytest.raises(ValidationError) as error:
        services.client_allocate(client=client, worker=colleague, by=manager)
    assert "over_limit_reason" in error.value.error_dict
    allocation = services.client_allocate(client=client, worker=colleague, by=manager,
                                          over_limit_reason="Only Polish speaker")
    assert allocation.over_limit_reason == "Only Polish speaker"


def test_allocation_within_the_limit_keeps_no_over_limit_reason(site, manager, colleague):
    allocation = services.client_allocate(client=ClientFactory(site=site), worker=colleague,
                                          by=manager, over_limit_reason="not needed")
    assert allocation.over_limit_reason == ""


def test_allocation_to_a_deactivated_or_other_site_worker_is_refused(site, manager,
                                                                      other_site_keyworker):
    client = ClientFactory(site=site)
    leaver = UserFactory(username="leaver", sites=[site], is_active=False)
    for worker in (leaver, other_site_keyworker):
        with pytest.raises(ValidationError) as error:
            services.client_allocate(client=client, worker=worker, by=manager)
        assert "worker" in error.value.error_dict
    assert not client.allocations.exists()


def test_only_a_manager_of_the_site_allocates(client_record, colleague, other_site_manager):
    with pytest.raises(PermissionDenied):
        services.client_allocate(client=client_record, worker=colleague, by=other_site_manager,
                                 reason="x")


def test_the_database_refuses_two_open_primary_keyworkers(client_record, colleague):
    with pytest.raises(IntegrityError), transaction.atomic():
        Allocation.objects.create(client=client_record, worker=colleague, kind="primary",
                                  start=TODAY(), created_by=colleague)


def test_the_database_refuses_overlapping_primary_allocations(client_record, keyworker,
                                                              colleague):
    current = client_record.allocations.get()
    current.end = TODAY()
    current.save()
    with pytest.raises(IntegrityError), transaction.atomic():
        Allocation.objects.create(client=client_record, worker=colleague, kind="primary",
                                  start=TODAY() - 3 * DAY, end=TODAY() - DAY,
                                  created_by=colleague)
    Allocation.objects.create(client=client_record, worker=colleague, kind="primary",
                              start=TODAY(), created_by=colleague)
    assert client_record.allocations.count() == 2


def test_cover_ends_by_itself_after_its_last_day(client_record, keyworker, colleague):
    cover = services.cover_arrange(client=client_record, worker=colleague, first_day=TODAY(),
                                   last_day=TODAY() + 6 * DAY, handover_note="Session Thu",
                                   by=keyworker)
    assert cover.arranged == Allocation.Arranged.PLANNED
    assert cover.last_day == TODAY() + 6 * DAY
    assert Client.objects.in_full_for(colleague).filter(pk=client_record.pk).exists()
    later = TODAY() + 7 * DAY
    assert not Client.objects.in_full_for(colleague, on=later).filter(
        pk=client_record.pk).exists()


def test_cover_arranged_by_a_manager_is_unplanned(client_record, manager, colleague):
    cover = services.cover_arrange(client=client_record, worker=colleague, first_day=TODAY(),
                                   last_day=TODAY(), handover_note="Off sick", by=manager)
    assert cover.arranged == Allocation.Arranged.UNPLANNED


def test_cover_ending_before_it_starts_is_refused(client_record, manager, colleague):
    with pytest.raises(ValidationError) as error:
        services.cover_arrange(client=client_record, worker=colleague, first_day=TODAY(),
                               last_day=TODAY() - DAY, handover_note="x", by=manager)
    assert "last_day" in error.value.error_dict


def test_a_colleague_cannot_arrange_cover_for_someone_elses_client(client_record, colleague):
    with pytest.raises(PermissionDenied):
        services.cover_arrange(client=client_record, worker=colleague, first_day=TODAY(),
                               last_day=TODAY(), handover_note="x", by=colleague)


def test_transfer_moves_the_chosen_clients_in_one_step(site, manager, keyworker, colleague):
    clients = [ClientFactory(site=site) for _ in range(3)]
    for c in clients:
        AllocationFactory(client=c, worker=colleague)
    moved = services.caseload_transfer(from_worker=colleague, to_worker=keyworker,
                                       clients=clients[:2], by=manager, reason="Leaving")
    assert len(moved) == 2
    sizes = selectors.caseload_sizes([keyworker, colleague])
    assert (sizes[keyworker.pk].size, sizes[colleague.pk].size) == (2, 1)


def test_transfer_over_the_limit_needs_a_reason_and_moves_nothing_without(site, manager,
                                                                           keyworker, colleague):
    keyworker.caseload_limit = 1
    keyworker.save()
    clients = [ClientFactory(site=site) for _ in range(2)]
    for c in clients:
        AllocationFactory(client=c, worker=colleague)
    with pytest.raises(ValidationError):
        services.caseload_transfer(from_worker=colleague, to_worker=keyworker, clients=clients,
                                   by=manager, reason="Leaving")
    assert selectors.caseload_sizes([colleague])[colleague.pk].size == 2


def test_induction_ticks_record_who_and_when_once(client_record, keyworker, colleague):
    item = InductionItem.objects.create(site=client_record.site, text="Fire exits")
    tick = services.induction_tick(client=client_record, item=item, by=keyworker)
    again = services.induction_tick(client=client_record, item=item, by=colleague)
    assert tick.pk == again.pk
    assert (tick.done_by, tick.done_on) == (keyworker, TODAY())


def test_induction_items_of_another_site_are_refused(client_record, other_site, keyworker):
    item = InductionItem.objects.create(site=other_site, text="Elsewhere")
    with pytest.raises(ValidationError):
        services.induction_tick(client=client_record, item=item, by=keyworker)


def test_changes_to_a_client_keep_their_history(client_record, manager):
    services.client_update(client=client_record, version=client_record.version, by=manager,
                           phone="07700 900123")
    assert client_record.history.count() == 2
    assert client_record.history.first().phone == "07700 900123"


def test_a_worker_who_becomes_keyworker_stops_being_cover_and_co(client_record, manager,
                                                                 colleague):
    services.cover_arrange(client=client_record, worker=colleague, first_day=TODAY(),
                           last_day=TODAY() + 6 * DAY, handover_note="Leave", by=manager)
    services.client_allocate(client=client_record, worker=colleague, by=manager,
                             reason="Keyworker left")
    current = client_record.allocations.current(TODAY()).filter(worker=colleague)
    assert [a.kind for a in current] == ["primary"]
