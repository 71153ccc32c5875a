"""The pages that list things run a fixed number of queries, however much data there is.

Each page is measured at 10 and at 200 clients (or rows of history) against one ceiling:
the count measured at 10. A page that needed more at 200 would be running a query per
row (an N+1).
"""

import datetime
import itertools

import pytest
from django.urls import reverse
from django.utils import timezone

from clients.models import Allocation, Client, InductionItem, InductionTick, StatusChange
from staff.models import User
from tests.factories import AllocationFactory, ClientFactory, UserFactory

DAY = datetime.timedelta(days=1)
SIZES = [10, 200]

# Measured at size 10. Each count includes the session and the signed-in user.
CASELOAD_QUERIES = 14  # with the caseload's size (clients.selectors.caseload_sizes)
LIST_QUERIES = 11
LIST_BY_KEYWORKER_QUERIES = 12  # and validating the chosen keyworker
ALLOCATE_QUERIES = 9  # the candidates and their caseloads are two
# (clients.selectors.keyworker_matches), whatever the number of workers or clients, and
# none when the page is opened again (matches_for keeps them in the cache)
# Issue 17 added one: whether the keyworker is away today (diary.selectors.keyworker_away).
# + 2: the door register's section (attendance.selectors.file_summary: the months, the last visit)
# + 5: safeguarding's section (bans in force, risks to know, the records the user may read)
# + 2: the client's groups and their rates (activities.selectors.groups_of)
# + 1: the site's agencies for the contact form's "with a professional" (diary)
# + 1: the reminders section (messaging.selectors.file_reminders: the consent, the last message)
# + 1: the client's own page section (portal: whether it is on, the notes not yet read)
FILE_QUERIES = 41  # with the access log's row (audit); the site check and a keyworker's
# allocation are one query (clients.access.access_level), the client another; the diary's
# next session, this week's three and the sessions waiting to be logged (the "Log
# session" at the top of the file); the earlier stays (clients.Episode) and the last move
# between sites (its handover note); the re-assessment due (stages); safeguarding's
# section, 5 (safeguarding.selectors.file_alerts: the risks, the records the user reads,
# how many are open, the bans in force; and the user's sites, for "Record a ban")


@pytest.fixture
def team(site, keyworker, colleague, manager):
    """The site's workers: Kim, Sam, Maya and three more, so rows name different people."""
    return [keyworker, colleague, manager] + [
        UserFactory(username=f"worker{n}", role=User.Role.KEYWORKER, sites=[site])
        for n in range(3)
    ]


def crowd(*, site, size, keyworker, others):
    """`size` clients at `site` with alerts, every other one Kim's, the rest someone else's.

    Kim also covers one in ten of the others' clients, so her caseload has cover rows.
    """
    today = timezone.localdate()
    workers = itertools.cycle(others)
    for n in range(size):
        client = ClientFactory(site=site, first_name=f"Ann{n}", last_name=f"Tester{n:03d}",
                               alerts="Allergic to nuts\nDo not visit alone")
        AllocationFactory(client=client, worker=keyworker if n % 2 == 0 else next(workers))
        if n % 10 == 1:
            AllocationFactory(client=client, worker=keyworker, kind=Allocation.Kind.COVER,
                              start=today, end=today + 7 * DAY, handover_note="Tuesdays")


def long_file(*, site, size, workers):
    """A client with `size` allocations, `size` status changes and `size` induction ticks."""
    first_day = timezone.localdate() - (size + 10) * DAY
    client = ClientFactory(site=site, first_name="Lou", last_name="Longfile",
                           referred_on=first_day - DAY, admitted_on=first_day)
    people = itertools.cycle(workers)
    for n in range(size):
        last = n == size - 1
        AllocationFactory(
            client=client, worker=next(people), created_by=next(people),
            kind=Allocation.Kind.PRIMARY if (size - n) % 2 else Allocation.Kind.CO,
            start=first_day + n * DAY, end=None if last else first_day + (n + 1) * DAY,
            ended_by=None if last else next(people), reason=f"Change {n}",
        )
        StatusChange.objects.create(client=client, from_status=Client.Status.ADMITTED,
                                    to_status=Client.Status.ACTIVE, on=first_day + n * DAY,
                                    by=next(people), note=f"Step {n}")
        item = InductionItem.objects.create(site=site, text=f"Item {n}", order=n)
        InductionTick.objects.create(client=client, item=item, done_on=first_day + n * DAY,
                                     done_by=next(people))
    return client


@pytest.mark.parametrize("size", SIZES)
def test_caseload_queries_do_not_grow_with_the_caseload(client, site, keyworker, team, size,
                                                        django_assert_max_num_queries):
    crowd(site=site, size=size, keyworker=keyworker, others=team[1:])
    client.force_login(keyworker)
    with django_assert_max_num_queries(CASELOAD_QUERIES):
        page = client.get(reverse("home")).content.decode()
    # One row per client on the caseload: each row's first link is the client's name.
    assert page.count('class="fw-semibold">Ann') == size // 2 + size // 10
    assert page.count("Tuesdays") == size // 10


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize(("query", "ceiling", "shown"), [
    ("", LIST_QUERIES, lambda size: size),
    ("?q=tester0", LIST_QUERIES, lambda size: min(size, 100)),
    ("?keyworker={keyworker}", LIST_BY_KEYWORKER_QUERIES, lambda size: size // 2),
], ids=["all", "search", "keyworker"])
def test_client_list_queries_do_not_grow_with_the_clients(client, site, keyworker, manager,
                                                          team, size, query, ceiling, shown,
                                                          django_assert_max_num_queries):
    crowd(site=site, size=size, keyworker=keyworker, others=team[1:])
    client.force_login(manager)
    url = reverse("clients:list") + query.format(keyworker=keyworker.pk)
    with django_assert_max_num_queries(ceiling):
        page = client.get(url).content.decode()
    assert f"{shown(size)} clients" in page
    assert page.count("Tester") == min(shown(size), 25)


@pytest.mark.parametrize("size", SIZES)
def test_client_file_queries_do_not_grow_with_its_history(client, site, keyworker, manager,
                                                          team, size,
                                                          django_assert_max_num_queries):
    crowd(site=site, size=size, keyworker=keyworker, others=team[1:])
    record = long_file(site=site, size=size, workers=team)
    client.force_login(manager)
    with django_assert_max_num_queries(FILE_QUERIES):
        page = client.get(reverse("clients:detail", args=[record.pk])).content.decode()
    for n in (0, size - 1):
        assert f"Change {n}<br>" in page
        assert f"Step {n}</span>" in page
        assert f"Item {n}</span>" in page


@pytest.mark.parametrize("size", SIZES)
def test_allocate_page_queries_do_not_grow_with_the_workers_or_clients(
        client, site, keyworker, manager, team, size, django_assert_max_num_queries):
    more = [UserFactory(username=f"extra{n}", role=User.Role.KEYWORKER, sites=[site],
                        languages="Polish, English", skills=["housing"])
            for n in range(size // 10)]
    crowd(site=site, size=size, keyworker=keyworker, others=team[1:] + more)
    record = ClientFactory(site=site, status="admitted", languages="Polish",
                           support_wanted=["housing"])
    client.force_login(manager)
    with django_assert_max_num_queries(ALLOCATE_QUERIES):
        page = client.get(reverse("clients:allocate", args=[record.pk])).content.decode()
    # Each worker's matches, in the list of options and in the list beside the form.
    assert page.count("Speaks Polish · Specialism: Housing and tenancy") == 2 * (size // 10)
