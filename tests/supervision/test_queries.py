"""The dashboard, a supervision page and a quarter's report run a fixed number of queries."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from diary.models import KeyworkSession
from plans import services as plan_services
from stages import services as stage_services
from stages.models import Assessment
from supervision import services
from tests.factories import (
    AgencyFactory,
    AllocationFactory,
    ClientFactory,
    UserFactory,
    consent_now,
    local_moment,
    signed_plan,
)

# One query for each figure (first plans late among them), the caseload sizes and the
# unallocated count; the safeguarding figures (safeguarding.selectors.counts: one for the
# incidents, one for the bans); who is away this week (diary.selectors.away); the same at
# every size.
DASHBOARD_QUERIES = 22
# A supervision page: the caseload at a glance is 25 (each fact from the selector of the
# app that owns it: sessions 3, risks 1, alerts 1, plans 5, referrals 2, scores 1, stages 1,
# overdue today 14 (with the consents to renew, cover starting or ending, keywork recorded
# late and re-assessments due), the full
# change trail (2-3 a tracked model with changes) 30 with a
# record of every kind for each client (a referral's consent to share among them), and the
# record, its form and its actions the rest. Issue 17's series of sessions and a client's
# expected sessions a week are two more tracked models (the change trail asks each once).
# (The change trail reads safeguarding's bans and involvements too: 2 more.)
# One more since contacts name an agency (issue 17), and three more tracked models of issue 17
# (work on plan actions, visits at the door, group registers): the same at both sizes.
SUPERVISION_QUERIES = 74
# + attendance at the door (attendance.selectors.site_figures); + 2 the safeguarding section
# (safeguarding.selectors.counts).
REPORT_QUERIES = 17 + 1 + 2


def _crowd(site, keyworker, size):
    workers = [keyworker] + [UserFactory(username=f"kw{n}", sites=[site]) for n in range(3)]
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    for n in range(size):
        client = ClientFactory(site=site, last_name=f"Crowd{n:03d}",
                               admitted_on=timezone.localdate() - datetime.timedelta(days=40))
        worker = workers[n % len(workers)]
        AllocationFactory(client=client, worker=worker)
        KeyworkSession.objects.create(client=client, worker=worker, booked_by=worker,
                                      starts_at=local_moment(yesterday, 9 + n % 8),
                                      expected_minutes=30)
    return workers


@pytest.mark.parametrize("size", [5, 40])
def test_dashboard_queries_do_not_grow(client, site, keyworker, manager, size,
                                       django_assert_max_num_queries):
    _crowd(site, keyworker, size)
    client.force_login(manager)
    with django_assert_max_num_queries(DASHBOARD_QUERIES):
        page = client.get(reverse("supervision:dashboard")).content.decode()
    assert "Sessions booked but not logged" in page


def _eventful(site, keyworker, manager):
    """Something of every kind the supervision page sums up, for each of the keyworker's
    clients: a plan signed with an action done, a referral, an assessment, a stage, a
    session with a risk and an alert; so that every selector behind the page runs."""
    site.uses_ladder = True
    site.save()
    today = timezone.localdate()
    agency = AgencyFactory(site=site)
    for allocation in keyworker.allocations.select_related("client"):
        client = allocation.client
        plan = signed_plan(client=client, by=keyworker)
        plan_services.action_progress(action=plan.goals.get().actions.first(),
                                      outcome="done", by=keyworker)
        plan_services.referral_make(client=client, agency=agency, made_on=today,
                                    reason="Debt advice", by=keyworker,
                                    new_consent=consent_now())
        Assessment.objects.create(client=client, kind="initial", assessed_on=today,
                                  by=keyworker, overall=50)
        stage_services.ladder_start(client=client, by=manager, on=today)
        client.keywork_sessions.update(status="attended", risks="Owes rent",
                                       logged_by=keyworker, logged_at=timezone.now())
        client.alerts = "Do not visit alone"
        client.save()


@pytest.mark.parametrize("size", [3, 30])
def test_supervision_page_queries_do_not_grow_with_the_caseload(
        client, site, keyworker, manager, size, django_assert_max_num_queries):
    _crowd(site, keyworker, size * 4)
    _eventful(site, keyworker, manager)
    supervision = services.supervision_start(manager=manager, keyworker=keyworker,
                                             held_on=timezone.localdate())
    assert supervision.discussions.count() == size
    client.force_login(manager)
    with django_assert_max_num_queries(SUPERVISION_QUERIES):
        page = client.get(reverse("supervision:detail", args=[supervision.pk])).content
    page = page.decode()
    assert page.count('class="card mb-2 glance"') == size
    for shown in ("1 held of", "1 action done", "Owes rent", "Do not visit alone",
                  "referred", "50% on", "Started on the ladder"):
        assert page.count(shown) >= size, shown


@pytest.mark.parametrize("size", [5, 40])
def test_a_quarters_report_queries_do_not_grow(client, site, keyworker, manager, size,
                                               django_assert_max_num_queries):
    _crowd(site, keyworker, size)
    client.force_login(manager)
    with django_assert_max_num_queries(REPORT_QUERIES):
        response = client.get(reverse("supervision:report"), {"period": "quarter"})
    assert "Keywork sessions and contacts" in response.content.decode()


UNALLOCATED_QUERIES = 5


@pytest.mark.parametrize("size", [3, 30])
def test_the_unallocated_list_queries_do_not_grow(client, site, manager, size,
                                                  django_assert_max_num_queries):
    for n in range(size):
        ClientFactory(site=site, last_name=f"Waiting{n:03d}")
    client.force_login(manager)
    with django_assert_max_num_queries(UNALLOCATED_QUERIES):
        page = client.get(reverse("supervision:unallocated")).content.decode()
    assert page.count(">Allocate<") == min(size, 25)
