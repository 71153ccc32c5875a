"""Groups: who may change them, the register, the attendance rate, and the ladder tasks
evidenced from it."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from activities import selectors, services
from activities.models import Activity, GroupAttendance, Membership
from stages import services as stage_services
from stages.models import Evidence, Ladder, LadderTask
from tests.activities.conftest import DAY, add_session

CAME, AWAY = GroupAttendance.Status.ATTENDED, GroupAttendance.Status.ABSENT


def test_a_keyworker_cannot_add_an_activity_but_a_facilitator_may_change_it(
        site, keyworker, manager):
    with pytest.raises(PermissionDenied):
        services.activity_save(activity=Activity(site=site, name="Art"), by=keyworker)
    art = services.activity_save(activity=Activity(site=site, name="Art", facilitator=keyworker),
                                 by=manager)
    art.place = "Garden room"
    services.activity_save(activity=art, by=keyworker)
    assert Activity.objects.get().place == "Garden room"


def test_the_rate_counts_sessions_held_while_a_member(workshop, member, manager, colleagues_client):
    before = add_session(workshop, manager, days_ago=40)  # before they joined
    first = add_session(workshop, manager, days_ago=20)
    second = add_session(workshop, manager, days_ago=10)
    add_session(workshop, manager, days_ago=5, cancelled=True, cancelled_reason="Snow")
    add_session(workshop, manager, days_ago=-3)  # to come
    services.register_mark(session=first, statuses={member.pk: CAME}, by=manager)
    services.register_mark(session=second, statuses={member.pk: AWAY}, by=manager)
    services.register_mark(session=before, statuses={colleagues_client.pk: CAME}, by=manager)

    found = selectors.rates([member.pk, colleagues_client.pk])
    assert found[(member.pk, workshop.pk)] == selectors.Rate(1, 2)
    assert found[(member.pk, workshop.pk)].percent == 50
    # Marked at a session they were not a member of: they join from that day.
    assert found[(colleagues_client.pk, workshop.pk)] == selectors.Rate(1, 3)


@pytest.mark.parametrize("size", [1, 6])
def test_rates_take_three_queries_for_any_number_of_clients(
        workshop, site, manager, size, django_assert_num_queries):
    from tests.factories import ClientFactory

    clients = ClientFactory.create_batch(size, site=site)
    sessions = [add_session(workshop, manager, days_ago=size - n) for n in range(size)]
    for session in sessions:  # oldest first: the first register makes them members
        services.register_mark(session=session, statuses={c.pk: CAME for c in clients},
                               by=manager)
    with django_assert_num_queries(3):
        found = selectors.rates([c.pk for c in clients])
    assert set(found.values()) == {selectors.Rate(size, size)}


def test_a_member_who_left_is_not_counted_after_leaving(workshop, member, manager):
    add_session(workshop, manager, days_ago=20)
    add_session(workshop, manager, days_ago=2)
    services.membership_end(membership=member.activity_memberships.get(), by=manager,
                            on=timezone.localdate() - 10 * DAY)
    assert selectors.rates([member.pk])[(member.pk, workshop.pk)] == selectors.Rate(0, 1)


def test_bad_registers_change_nothing(workshop, member, manager, other_site_client):
    cancelled = add_session(workshop, manager, days_ago=1, cancelled=True,
                            cancelled_reason="Facilitator ill")
    to_come = add_session(workshop, manager, days_ago=-2)
    held = add_session(workshop, manager, days_ago=1)
    for session, statuses in [(cancelled, {member.pk: CAME}), (to_come, {member.pk: CAME}),
                              (held, {member.pk: "maybe"}),
                              (held, {other_site_client.pk: CAME}),
                              (held, {999999: CAME})]:
        with pytest.raises(ValidationError):
            services.register_mark(session=session, statuses=statuses, by=manager)
    assert not GroupAttendance.objects.exists()
    assert Membership.objects.count() == 1


def test_staff_of_another_site_cannot_mark(workshop, member, manager, other_site_keyworker):
    session = add_session(workshop, manager, days_ago=1)
    with pytest.raises(PermissionDenied):
        services.register_mark(session=session, statuses={member.pk: CAME},
                               by=other_site_keyworker)


def test_a_cancelled_session_needs_a_reason(workshop, manager):
    with pytest.raises(ValidationError):
        add_session(workshop, manager, days_ago=1, cancelled=True)


@pytest.fixture
def resident(member, site, keyworker):
    site.uses_ladder = True
    site.save()
    stage_services.ladder_start(client=member, by=keyworker, on=member.admitted_on)
    return member


def _half_task():
    return LadderTask.objects.get(stage__ladder=Ladder.objects.current(),
                                  text__startswith="At least 50 %")


def test_the_ladder_task_is_evidenced_when_the_rate_is_met(workshop, resident, manager, site):
    # The task is on stage 3; a client may evidence higher stages early.
    task = _half_task()
    stage_services.register_task_save(site=site, task=task, activity=workshop, rate=50,
                                      sessions_needed=3, by=manager)
    first = add_session(workshop, manager, days_ago=20)
    second = add_session(workshop, manager, days_ago=10)
    third = add_session(workshop, manager, days_ago=3)
    services.register_mark(session=first, statuses={resident.pk: AWAY}, by=manager)
    services.register_mark(session=second, statuses={resident.pk: AWAY}, by=manager)
    assert not Evidence.objects.exists()
    services.register_mark(session=third, statuses={resident.pk: CAME}, by=manager)
    assert not Evidence.objects.exists()  # 1 of 3 is 33 %
    services.register_mark(session=second, statuses={resident.pk: CAME}, by=manager)
    evidence = Evidence.objects.counting().get()
    assert evidence.task == task
    assert evidence.on == timezone.localdate() - 10 * DAY
    assert evidence.what == ("attended 2 of 3 Action Training Workshop sessions, 66%; "
                             "50% of at least 3 sessions needed")
    assert evidence.from_activity == workshop


def test_naming_the_activity_evidences_those_already_meeting_it(workshop, resident, manager,
                                                               site):
    session = add_session(workshop, manager, days_ago=3)
    services.register_mark(session=session, statuses={resident.pk: CAME}, by=manager)
    stage_services.register_task_save(site=site, task=_half_task(), activity=workshop, rate=100,
                                      sessions_needed=1, by=manager)
    assert Evidence.objects.counting().get().on == timezone.localdate()


def test_only_a_manager_of_the_site_names_an_activity_of_the_site(
        workshop, manager, keyworker, other_site_manager, other_site):
    with pytest.raises(PermissionDenied):
        stage_services.register_task_save(site=workshop.site, task=_half_task(),
                                          activity=workshop, rate=50, by=keyworker)
    other_site_manager.sites.add(workshop.site)
    with pytest.raises(ValidationError):
        stage_services.register_task_save(site=other_site, task=_half_task(),
                                          activity=workshop, rate=50, by=other_site_manager)


def test_the_rate_counts_only_once_enough_sessions_were_held(workshop, resident, manager,
                                                              site):
    """"100 % of the workshops" is not met by the first workshop a client attends: the rate
    counts once the link's `sessions_needed` (4 unless the manager says) were held."""
    assert not selectors.Rate(1, 1).meets(100, at_least=4)
    assert selectors.Rate(4, 4).meets(100, at_least=4)
    assert not selectors.Rate(0, 0).meets(1, at_least=0)
    link = stage_services.register_task_save(site=site, task=_half_task(), activity=workshop,
                                             rate=100, by=manager)
    assert link.sessions_needed == 4
    sessions = [add_session(workshop, manager, days_ago=days) for days in (20, 15, 10, 5)]
    for session in sessions[:3]:
        services.register_mark(session=session, statuses={resident.pk: CAME}, by=manager)
    assert not Evidence.objects.exists()  # 3 of 3 is 100 %, of fewer than 4 held
    services.register_mark(session=sessions[3], statuses={resident.pk: CAME}, by=manager)
    evidence = Evidence.objects.counting().get()
    assert evidence.what == ("attended 4 of 4 Action Training Workshop sessions, 100%; "
                             "100% of at least 4 sessions needed")


def test_a_corrected_register_lapses_the_evidence_made_from_it(workshop, resident, manager,
                                                               keyworker, site):
    stage_services.register_task_save(site=site, task=_half_task(), activity=workshop,
                                      rate=100, sessions_needed=2, by=manager)
    first = add_session(workshop, manager, days_ago=10)
    second = add_session(workshop, manager, days_ago=5)
    services.register_mark(session=first, statuses={resident.pk: CAME}, by=manager)
    services.register_mark(session=second, statuses={resident.pk: CAME}, by=manager)
    made = Evidence.objects.counting().get()
    # Marked attended by mistake: corrected, the rate no longer meets the task.
    services.register_mark(session=second, statuses={resident.pk: AWAY}, by=keyworker)
    made.refresh_from_db()
    assert made.is_lapsed and made.lapsed_by == keyworker
    assert made.lapsed_reason.startswith("The register of Action Training Workshop on ")
    assert "was corrected: attended 1 of 2" in made.lapsed_reason
    assert not Evidence.objects.counting().exists()
    assert made.history.first().history_user == keyworker
    # Marked again as attended, it is made anew; the lapsed row stays on the record.
    services.register_mark(session=second, statuses={resident.pk: CAME}, by=manager)
    assert Evidence.objects.count() == 2
    assert Evidence.objects.counting().get().pk != made.pk


def test_a_corrected_register_never_touches_typed_evidence(workshop, resident, manager,
                                                           keyworker, site):
    task = _half_task()
    typed = stage_services.evidence_record(client=resident, task=task, by=keyworker,
                                           on=timezone.localdate(), what="Certificate seen")
    stage_services.register_task_save(site=site, task=task, activity=workshop, rate=100,
                                      sessions_needed=1, by=manager)
    session = add_session(workshop, manager, days_ago=2)
    services.register_mark(session=session, statuses={resident.pk: CAME}, by=manager)
    services.register_mark(session=session, statuses={resident.pk: AWAY}, by=manager)
    typed.refresh_from_db()
    assert not typed.is_lapsed
    assert list(Evidence.objects.all()) == [typed]


def test_no_one_joins_an_archived_activity(workshop, client_record, manager):
    workshop.is_archived = True
    services.activity_save(activity=workshop, by=manager)
    with pytest.raises(ValidationError) as error:
        services.membership_add(activity=workshop, client=client_record, by=manager)
    assert error.value.messages == ["Action Training Workshop is archived; no one can join it."]
    assert not Membership.objects.exists()


def test_the_migration_marks_evidence_made_from_a_register_before_it(
        workshop, resident, colleagues_client, manager, keyworker, site):
    import importlib

    from django.apps import apps

    migration = importlib.import_module(
        "stages.migrations.0006_register_sessions_needed_evidence_source")
    task = _half_task()
    stage_services.register_task_save(site=site, task=task, activity=workshop, rate=50,
                                      sessions_needed=1, by=manager)
    session = add_session(workshop, manager, days_ago=2)
    services.register_mark(session=session, statuses={resident.pk: CAME}, by=manager)
    made = Evidence.objects.get()
    Evidence.objects.filter(pk=made.pk).update(
        from_activity=None, what="attended 1 of 1 Action Training Workshop sessions, 100%; "
                                 "50% needed")
    stage_services.ladder_start(client=colleagues_client, by=keyworker,
                                on=colleagues_client.admitted_on)
    typed = stage_services.evidence_record(client=colleagues_client, task=task, by=keyworker,
                                           on=timezone.localdate(), what="Went to all of them")
    migration.mark_register_evidence(apps, None)
    made.refresh_from_db()
    typed.refresh_from_db()
    assert (made.from_activity, typed.from_activity) == (workshop, None)
