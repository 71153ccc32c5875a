"""Plan pages run a fixed number of queries, however big the plan or the caseload.

Each page is measured at two sizes against one ceiling (the count at the small size). The
caseload and the client file are measured with only this app's column and sections
registered, so the numbers are the plans app's own; tests/clients pins them with every
app's.
"""

import datetime
import itertools

import pytest
from django.urls import reverse
from django.utils import timezone

from clients import extensions
from plans import services
from plans.models import Action
from tests.factories import (
    AgencyFactory,
    ClientFactory,
    UserFactory,
    client_with_keyworker,
    consent_now,
)

DAY = datetime.timedelta(days=1)

# Measured at the small size. Each count includes the session, the signed-in user and the
# count of unread notifications in the menu bar.
# + the access log's row (audit), + the sessions that worked on its actions (diary)
PLAN_PAGE_QUERIES = 15 + 1 + 1
PLAN_PDF_QUERIES = 12 + 1  # with the row that logs the access, + the access log's row
SIGN_PAGE_QUERIES = 11 + 1  # + the access log's row (audit)
REVIEW_LIST_QUERIES = 8
GOAL_PAGE_QUERIES = 12  # the draft, its goal, actions and milestones, the agencies and needs once
CASELOAD_QUERIES = 7  # clients' own 6, and one for the plan column
FILE_QUERIES = 14 + 1  # clients' own 10, four for the plan and referrals, the access log


def big_plan(*, client, by, goals, actions, milestones, versions, reviews):
    """A plan with `versions` versions, the last with `goals` goals of `actions` actions
    and `milestones` milestones each, `reviews` reviews, and drawn-free signatures."""
    today = timezone.localdate()
    agency = AgencyFactory(site=client.site)
    plan = services.plan_start(client=client, by=by, starts_on=today,
                               review_on=today + 28 * DAY, vision="Vision")
    for g in range(goals):
        services.goal_save(
            plan=plan, lock_version=plan.lock_version, by=by, text=f"Goal {g}",
            lead_agency=agency if g % 3 == 0 else None,
            actions=[{"what": f"Action {g}.{a}", "who": ["client", "keyworker", "agency"][a % 3],
                      "agency": agency, "due_on": today + a * DAY} for a in range(actions)],
            milestones=[{"text": f"Milestone {g}.{m}", "target_on": today + (m + 1) * DAY}
                        for m in range(milestones)])
    for version in range(versions):
        for role in ("client", "worker"):
            shown = services.plan_with_content(plan)
            services.plan_sign(plan=shown, signer=by, role=role, method="typed",
                               name="Someone", agreed_in_person=True,
                               content_digest=shown.digest())
        plan.refresh_from_db()
        if version < versions - 1:
            plan = services.plan_revise(plan=plan, by=by)
    for r in range(reviews):
        services.review_record(plan=plan, by=by, held_on=today, client_view=f"View {r}",
                               decision="continue", next_review_on=today + 28 * DAY)
    return plan


SIZES = [
    {"goals": 2, "actions": 2, "milestones": 1, "versions": 1, "reviews": 1},
    {"goals": 12, "actions": 8, "milestones": 4, "versions": 6, "reviews": 8},
]


@pytest.mark.parametrize("size", SIZES, ids=["small", "large"])
def test_plan_page_queries_do_not_grow_with_the_plan(client, client_record, keyworker, size,
                                                     django_assert_max_num_queries):
    plan = big_plan(client=client_record, by=keyworker, **size)
    client.force_login(keyworker)
    with django_assert_max_num_queries(PLAN_PAGE_QUERIES):
        page = client.get(reverse("plans:detail", args=[plan.pk])).content.decode()
    last = size["goals"] - 1
    assert f"Action {last}.{size['actions'] - 1}" in page
    assert f"View {size['reviews'] - 1}" in page
    assert page.count("Record progress") == size["goals"] * size["actions"]


@pytest.mark.parametrize("size", SIZES, ids=["small", "large"])
def test_plan_pdf_queries_do_not_grow_with_the_plan(client, client_record, keyworker, size,
                                                    django_assert_max_num_queries):
    plan = big_plan(client=client_record, by=keyworker, **size)
    client.force_login(keyworker)
    with django_assert_max_num_queries(PLAN_PDF_QUERIES):
        response = client.get(reverse("plans:pdf", args=[plan.pk]))
    assert response.status_code == 200


@pytest.mark.parametrize("size", SIZES, ids=["small", "large"])
def test_sign_page_queries_do_not_grow_with_the_plan(client, client_record, keyworker, size,
                                                     django_assert_max_num_queries):
    plan = big_plan(client=client_record, by=keyworker, **size)
    draft = services.plan_revise(plan=plan, by=keyworker)
    client.force_login(keyworker)
    with django_assert_max_num_queries(SIGN_PAGE_QUERIES):
        page = client.get(reverse("plans:sign", args=[draft.pk])).content.decode()
    assert f"Action {size['goals'] - 1}.0" in page


@pytest.mark.parametrize("size", SIZES, ids=["small", "large"])
def test_goal_page_queries_do_not_grow_with_its_actions(client, client_record, keyworker, size,
                                                        django_assert_max_num_queries):
    """Each action row offers the site's agencies and the needs: read once, not per row."""
    AgencyFactory(site=client_record.site, name="Shelter line")
    plan = big_plan(client=client_record, by=keyworker, **size)
    draft = services.plan_revise(plan=plan, by=keyworker)
    goal = draft.goals.order_by("order").first()
    client.force_login(keyworker)
    with django_assert_max_num_queries(GOAL_PAGE_QUERIES):
        page = client.get(reverse("plans:goal_edit", args=[draft.pk, goal.pk])).content.decode()
    assert page.count("Shelter line") == size["actions"] + 2 + 1 + 1  # rows, extras, empty, lead
    assert f"Action 0.{size['actions'] - 1}" in page


def crowd(*, site, size, manager, keyworkers):
    """`size` clients whose plans need attention: a third overdue, a third unsigned drafts,
    a third with no plan at all."""
    workers = itertools.cycle(keyworkers)
    today = timezone.localdate()
    for n in range(size):
        client = client_with_keyworker(site=site, keyworker=next(workers),
                                       first_name=f"Ann{n}", last_name=f"Tester{n:03d}")
        if n % 3 == 2:
            continue
        plan = services.plan_start(client=client, by=manager, starts_on=today,
                                   review_on=today + 28 * DAY)
        services.goal_save(plan=plan, lock_version=plan.lock_version, by=manager, text="Goal",
                           actions=[{"what": "Act", "who": Action.Who.CLIENT,
                                     "due_on": today}])
        if n % 3 == 0:
            for role in ("client", "worker"):
                shown = services.plan_with_content(plan)
                services.plan_sign(plan=shown, signer=manager, role=role, method="typed",
                                   name="X", agreed_in_person=True,
                                   content_digest=shown.digest())
            plan.refresh_from_db()
            type(plan).objects.filter(pk=plan.pk).update(next_review_on=today - DAY)


@pytest.mark.parametrize("size", [9, 60])
def test_review_list_queries_do_not_grow_with_the_clients(client, site, manager, keyworker,
                                                          colleague, size,
                                                          django_assert_max_num_queries):
    crowd(site=site, size=size, manager=manager, keyworkers=[keyworker, colleague])
    client.force_login(manager)
    with django_assert_max_num_queries(REVIEW_LIST_QUERIES):
        page = client.get(reverse("plans:reviews")).content.decode()
    assert f"{size} clients need attention" in page
    assert page.count("Review overdue: ") == min(size // 3, 25)


@pytest.fixture
def only_plans_extensions(monkeypatch):
    monkeypatch.setattr(extensions, "caseload_columns",
                        [c for c in extensions.caseload_columns if c.key == "plan"])
    monkeypatch.setattr(extensions, "file_sections",
                        [s for s in extensions.file_sections if s.key in ("plan", "referrals")])


@pytest.mark.parametrize("size", [9, 60])
def test_caseload_plan_column_is_one_query(client, site, manager, keyworker, size,
                                           only_plans_extensions,
                                           django_assert_max_num_queries):
    crowd(site=site, size=size, manager=manager, keyworkers=[keyworker])
    client.force_login(keyworker)
    with django_assert_max_num_queries(CASELOAD_QUERIES):
        page = client.get(reverse("home")).content.decode()
    assert page.count("Review overdue: ") == size // 3
    assert page.count("unsigned") == size // 3
    # Those with no plan, and those with only a draft, weeks after admission.
    assert page.count("First plan late: ") == 2 * (size // 3)


@pytest.mark.parametrize("size", SIZES, ids=["small", "large"])
def test_client_file_plan_sections_do_not_grow(client, client_record, keyworker, manager,
                                               size, only_plans_extensions,
                                               django_assert_max_num_queries):
    big_plan(client=client_record, by=keyworker, **size)
    for n in range(size["goals"]):
        services.referral_make(client=client_record, by=keyworker, reason=f"Reason {n}",
                               agency=AgencyFactory(site=client_record.site),
                               made_on=timezone.localdate(), new_consent=consent_now())
    client.force_login(manager)
    with django_assert_max_num_queries(FILE_QUERIES):
        page = client.get(reverse("clients:detail", args=[client_record.pk])).content.decode()
    assert f"Version {size['versions']}, signed" in page
    assert page.count("Waiting for an answer") == min(size["goals"], 10)


def test_the_crowd_has_one_keyworker_each(site, manager, keyworker):
    crowd(site=site, size=3, manager=manager, keyworkers=[keyworker])
    assert ClientFactory._meta.model.objects.filter(site=site).count() == 3
    assert UserFactory._meta.model.objects.filter(role="keyworker").count() == 1
