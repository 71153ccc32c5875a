"""The groups pages run a fixed number of queries, however many members and sessions."""

import pytest
from django.urls import reverse
from django.utils import timezone

from activities import services
from activities.models import Activity, Membership
from tests.activities.conftest import DAY, add_session
from tests.factories import ClientFactory

LIST_QUERIES = 8
DETAIL_QUERIES = 12
REGISTER_QUERIES = 12


def _group(site, manager, size):
    """An activity (and one more) with `size` members and `size` sessions, all marked."""
    activity = Activity.objects.get(site=site, name="Action Training Workshop")
    services.activity_save(activity=Activity(site=site, name=f"Art {size}"), by=manager)
    clients = ClientFactory.create_batch(size, site=site)
    for c in clients:
        Membership.objects.create(activity=activity, client=c, added_by=manager,
                                  joined_on=timezone.localdate() - 60 * DAY)
    sessions = [add_session(activity, manager, days_ago=n + 1) for n in range(size)]
    add_session(activity, manager, days_ago=-1)
    for session in sessions:
        services.register_mark(session=session, statuses={c.pk: "attended" for c in clients},
                               by=manager)
    return activity, sessions[0]


@pytest.mark.parametrize("size", [1, 8])
def test_the_group_pages_run_a_fixed_number_of_queries(client, site, manager, keyworker,
                                                       workshop, size,
                                                       django_assert_max_num_queries):
    activity, session = _group(site, manager, size)
    client.force_login(keyworker)
    with django_assert_max_num_queries(LIST_QUERIES):
        page = client.get(reverse("activities:list")).content.decode()
    assert f"{size} member" in page
    with django_assert_max_num_queries(DETAIL_QUERIES):
        page = client.get(reverse("activities:detail", args=[activity.pk])).content.decode()
    assert page.count(f"attended {size} of {size} (100%)") == size
    with django_assert_max_num_queries(REGISTER_QUERIES):
        page = client.get(reverse("activities:register", args=[session.pk])).content.decode()
    assert page.count('value="attended"') == size


@pytest.mark.parametrize("size", [1, 8])
def test_the_register_tasks_page_runs_a_fixed_number_of_queries(
        client, site, manager, workshop, size, django_assert_max_num_queries):
    from stages import services as stage_services
    from stages.models import Ladder, LadderTask

    tasks = LadderTask.objects.filter(stage__ladder=Ladder.objects.current())[:size]
    for task in tasks:
        stage_services.register_task_save(site=site, task=task, activity=workshop, rate=50,
                                          by=manager)
    client.force_login(manager)
    with django_assert_max_num_queries(10):
        page = client.get(reverse("stages:register_tasks")).content.decode()
    assert page.count("50% of the Action Training Workshop sessions") == size


# Making (and lapsing) the ladder's evidence after a register is saved: the clients' stages
# and counting evidence are loaded once for all of them; the rows are written in bulk.
# links, clients, stages, rates (three: memberships, sessions held, attendances; each
# session's local day worked out once in Python), evidence; a bulk write and its history.
EVIDENCE_QUERIES = 9


@pytest.mark.parametrize("size", [1, 8])
def test_evidence_from_a_register_runs_a_fixed_number_of_queries(
        site, manager, workshop, size, django_assert_max_num_queries):
    from stages import services as stage_services
    from stages.models import Evidence, Ladder, LadderTask

    site.uses_ladder = True
    site.save()
    clients = ClientFactory.create_batch(size, site=site)
    for c in clients:
        stage_services.ladder_start(client=c, by=manager, on=c.admitted_on)
        Membership.objects.create(activity=workshop, client=c, added_by=manager,
                                  joined_on=timezone.localdate() - 60 * DAY)
    for text, rate in (("At least 50 %", 50), ("100 %", 100)):
        stage_services.register_task_save(
            site=site, task=LadderTask.objects.get(stage__ladder=Ladder.objects.current(),
                                                   text__startswith=text),
            activity=workshop, rate=rate, sessions_needed=1, by=manager)
    session = add_session(workshop, manager, days_ago=1)
    ids = [c.pk for c in clients]
    for status, made, lapsed in (("attended", 2 * size, 0), ("absent", 0, 2 * size)):
        for c in clients:  # the register as marked, without the service's own hook call
            session.register.update_or_create(client=c, defaults={
                "status": status, "marked_by": manager, "marked_at": timezone.now()})
        with django_assert_max_num_queries(EVIDENCE_QUERIES):
            result = stage_services.evidence_from_register(session, ids, manager)
        assert (len(result[0]), len(result[1])) == (made, lapsed)
    assert Evidence.objects.lapsed().count() == 2 * size
