"""The stages pages, and what stages adds to the caseload and the client file, run a fixed
number of queries however long a client's history or a caseload grows.

Each page is measured at a small and a large size against one ceiling: the count measured
at the small size. A page that needed more at the large size would be running a query per
row (an N+1).
"""

import itertools
import re

import pytest
from django.urls import reverse

from staff.models import User
from stages import services
from stages.models import Need
from tests.factories import UserFactory, client_with_keyworker
from tests.stages.factories import (
    AssessmentFactory,
    EvidenceFactory,
    PortfolioItemFactory,
    assessments_for,
    tasks_of,
    use_private_root,
)

# Measured at the small size. Each count includes the session and the signed-in user.
# With what plans tell stages (done actions per need), and the access log's row.
ASSESSMENT_FORM_QUERIES = 10 + 1
ASSESSMENTS_QUERIES = 8 + 1  # + the access log's row (audit)
# With the answers plans give (a signed plan, five actions), and the access log's row;
# the evidence that lapsed (struck through) one more.
LADDER_QUERIES = 16 + 1
PORTFOLIO_QUERIES = 9 + 1  # + the access log's row (audit)
# The diary's this-week selector adds one query to the caseload and two to the file
# (the keyworkers' start days; this week's count on the file); the plans column's first
# plan due one more on the caseload. The file's "Log session" at the top (the sessions
# waiting to be logged, diary.selectors.sessions_to_log) one more on the file. The
# re-assessment due (stages.selectors.reassessments) one more on each; the file's earlier
# stays and site moves (clients, issue 16) one more.
CASELOAD_QUERIES = 19
# + the access log's row (audit); issue 17's sections: the keyworker away (1), attendance (2),
# safeguarding (4 without a ban), groups (2) and the contact form's agencies (1).
FILE_QUERIES = 31 + 1 + 1 + 2 + 4 + 2 + 1 + 1 + 1  # + the reminders section (messaging)
# + the client's own page section (portal.selectors: the page and the notes not yet read)


@pytest.fixture
def team(site, keyworker, colleague, manager):
    """The site's workers: Kim, Sam, Maya and three more, so rows name different people."""
    return [keyworker, colleague, manager] + [
        UserFactory(username=f"worker{n}", role=User.Role.KEYWORKER, sites=[site])
        for n in range(3)
    ]


@pytest.fixture
def ladder_site(settings, monkeypatch, tmp_path, site):
    use_private_root(settings, monkeypatch, tmp_path)
    site.uses_ladder = True
    site.save()
    return site


@pytest.fixture
def resident(ladder_site, client_record, manager):
    """Dee, on the first rung of the ladder since her admission."""
    services.ladder_start(client=client_record, by=manager, on=client_record.admitted_on)
    return client_record


def open_tasks(count):
    """The first `count` tasks open to a client on the first rung, lowest rung first."""
    return (tasks_of(0) + tasks_of(1) + tasks_of(2))[:count]


@pytest.mark.parametrize("size", [2, 20])
def test_assessment_form_queries_do_not_grow_with_the_assessments(
        client, resident, keyworker, team, size, django_assert_max_num_queries):
    assessments_for(resident, count=size, by=team)
    client.force_login(keyworker)
    with django_assert_max_num_queries(ASSESSMENT_FORM_QUERIES):
        page = client.get(reverse("stages:assessment_create", args=[resident.pk])
                          ).content.decode()
    assert page.count("Last time:") == Need.objects.in_use().count() == 45


@pytest.mark.parametrize("size", [2, 20])
def test_assessments_page_queries_do_not_grow_with_the_assessments(
        client, resident, keyworker, team, size, django_assert_max_num_queries):
    assessments_for(resident, count=size, by=team)
    client.force_login(keyworker)
    with django_assert_max_num_queries(ASSESSMENTS_QUERIES):
        page = client.get(reverse("stages:assessments", args=[resident.pk])).content.decode()
    assert page.count("/edit/") == size
    assert "Distance travelled" in page


@pytest.mark.parametrize("size", [1, 15])
def test_ladder_queries_do_not_grow_with_the_evidence(client, resident, keyworker, team, size,
                                                      django_assert_max_num_queries):
    people = itertools.cycle(team)
    for task in open_tasks(size):
        EvidenceFactory(client=resident, task=task, by=next(people))
    client.force_login(keyworker)
    with django_assert_max_num_queries(LADDER_QUERIES):
        page = client.get(reverse("stages:ladder", args=[resident.pk])).content.decode()
    assert page.count("Evidence ") == size


@pytest.mark.parametrize("size", [1, 20])
def test_portfolio_queries_do_not_grow_with_the_items(client, resident, keyworker, team, size,
                                                      django_assert_max_num_queries):
    people = itertools.cycle(team)
    for _n in range(size):
        PortfolioItemFactory(client=resident, by=next(people))
    client.force_login(keyworker)
    with django_assert_max_num_queries(PORTFOLIO_QUERIES):
        page = client.get(reverse("stages:portfolio", args=[resident.pk])).content.decode()
    assert page.count("Achievement ") == size


def ladder_crowd(*, site, size, keyworker, team):
    """`size` clients on Kim's caseload, all on the ladder. Every other one has had the
    initial assessment (the rest are late for it), one in five is due a promotion."""
    people = itertools.cycle(team)
    probation = tasks_of(0)
    for n in range(size):
        record = client_with_keyworker(site=site, keyworker=keyworker, first_name=f"Ann{n}",
                                       last_name=f"Tester{n:03d}")
        services.ladder_start(client=record, by=next(people), on=record.admitted_on)
        if n % 2 == 0:
            AssessmentFactory(client=record, by=next(people))
        if n % 5 == 0:
            for task in probation:
                EvidenceFactory(client=record, task=task, by=next(people))


@pytest.mark.parametrize("size", [10, 100])
def test_caseload_stages_column_queries_do_not_grow_with_the_caseload(
        client, ladder_site, keyworker, team, size, django_assert_max_num_queries):
    ladder_crowd(site=ladder_site, size=size, keyworker=keyworker, team=team)
    client.force_login(keyworker)
    with django_assert_max_num_queries(CASELOAD_QUERIES):
        page = client.get(reverse("home")).content.decode()
    assert len(set(re.findall(r"Tester\d{3}", page))) == size
    assert page.count("promotion due") == size // 5
    assert page.count("initial assessment late") == size // 2


@pytest.mark.parametrize("size", [10, 100])
def test_client_file_stages_section_queries_do_not_grow(client, resident, keyworker, team,
                                                        size, django_assert_max_num_queries):
    """At 10 and 100 clients on the caseload, and 2 and 20 of everything in Dee's file."""
    ladder_crowd(site=resident.site, size=size, keyworker=keyworker, team=team)
    history = size // 5
    assessments_for(resident, count=history, by=team)
    people = itertools.cycle(team)
    for task in open_tasks(history):
        EvidenceFactory(client=resident, task=task, by=next(people))
    for _n in range(history):
        PortfolioItemFactory(client=resident, by=next(people))
    client.force_login(keyworker)
    with django_assert_max_num_queries(FILE_QUERIES):
        page = client.get(reverse("clients:detail", args=[resident.pk])).content.decode()
    assert f"Portfolio ({history} items)" in page
    assert "since the initial assessment" in page
    assert reverse("stages:ladder", args=[resident.pk]) in page
