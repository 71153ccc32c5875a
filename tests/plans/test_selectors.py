"""The one computation of each plan fact (plans/selectors.py), and the pages that must agree
with it: the plan's one review date, review due and overdue, the first plan due in the
first week, the manager's review on the version it reviewed, what is still open."""

import datetime

from django.urls import reverse
from django.utils import timezone

from clients.models import Client
from plans import hooks, selectors, services
from plans.models import Action
from tests.factories import client_with_keyworker, draft_plan, sign, signed_plan
from tests.plans.test_pdf import pdf_text

DAY = datetime.timedelta(days=1)


def _review(plan, by, next_review_on):
    services.review_record(plan=plan, by=by, held_on=timezone.localdate(),
                           client_view="Going well", decision="continue",
                           next_review_on=next_review_on)
    plan.refresh_from_db()
    return plan


def test_a_plan_has_one_review_date_moved_on_by_each_review(client, keyworker, client_record):
    """The issue: "Agreed review date 8 Dec 2026 · next review 15 Dec 2026"."""
    plan = signed_plan(client=client_record, by=keyworker)
    assert selectors.review_date(plan) == plan.review_on
    later = plan.review_on + 7 * DAY
    plan = _review(plan, keyworker, later)
    assert selectors.review_date(plan) == later
    client.force_login(keyworker)
    page = client.get(plan.get_absolute_url()).content.decode()
    assert f"Review date</dt><dd class=\"col-sm-8\">{later.day} {later:%b %Y}</dd>" in page
    assert "Agreed review date" not in page and "next review" not in page
    file_page = client.get(client_record.get_absolute_url()).content.decode()
    assert f"Review date {later.day} {later:%b %Y}." in file_page
    caseload = client.get(reverse("clients:caseload")).content.decode()
    assert f"Review {later.day} {later:%b %Y}" in caseload
    printed = pdf_text(client.get(reverse("plans:pdf", args=[plan.pk])).content, "pdf-review")
    assert f"Review date {later.day} {later:%b %Y}" in printed
    agreed = plan.review_on
    assert (f"The review date agreed at signing was {agreed.day} {agreed:%b %Y}; a review "
            "held since moved it.") in printed
    sheet = pdf_text(client.get(reverse("plans:sheet_pdf", args=[client_record.pk])).content,
                     "pdf-sheet-review")
    assert f"Review date of your plan: {later:%A} {later.day} {later:%b %Y}" in sheet


def test_a_draft_shows_the_review_date_it_proposes(client_record, keyworker):
    plan = draft_plan(client=client_record, by=keyworker)
    review = selectors.plan_review(plan)
    assert (review.on, review.state) == (plan.review_on, "")


def test_a_review_is_due_in_the_week_before_and_overdue_after(site, keyworker, travel):
    today = timezone.localdate()
    clients = {}
    for name, days_ago in (("Later", 0), ("Due", 25), ("Overdue", 40)):
        clients[name] = client_with_keyworker(site=site, keyworker=keyworker, first_name=name)
        travel(days=-days_ago)
        signed_plan(client=clients[name], by=keyworker)
        travel.back()
    reviews = selectors.reviews(Client.objects.all(), today)
    assert {name: reviews[c.pk].state for name, c in clients.items()} == {
        "Later": "", "Due": "due", "Overdue": "overdue"}
    assert selectors.reviews_overdue(clients.values(), today) == {clients["Overdue"].pk}
    statuses = selectors.plan_statuses(clients.values(), today)
    assert {name: statuses[c.pk].review for name, c in clients.items()} == {
        "Later": "", "Due": "due", "Overdue": "overdue"}
    # The manager's list filters in SQL: it finds the same clients overdue.
    overdue = selectors.needing_attention(Client.objects.all(), show="overdue", today=today)
    assert set(overdue.values_list("pk", flat=True)) == {clients["Overdue"].pk}


def test_review_dates_take_one_query_for_any_number(site, keyworker,
                                                    django_assert_num_queries):
    for _n in range(6):
        signed_plan(client=client_with_keyworker(site=site, keyworker=keyworker), by=keyworker)
    with django_assert_num_queries(1):
        selectors.reviews(Client.objects.all())
    with django_assert_num_queries(1):
        selectors.first_plans(Client.objects.all())
    clients = list(Client.objects.all())
    with django_assert_num_queries(1):
        selectors.plan_statuses(clients)


def test_the_first_plan_is_due_in_the_first_week_then_late(site, keyworker):
    today = timezone.localdate()

    def admitted(days_ago, name):
        return client_with_keyworker(site=site, keyworker=keyworker, first_name=name,
                                     admitted_on=today - days_ago * DAY,
                                     referred_on=today - (days_ago + 1) * DAY)

    # The day of admission is the first day of the first week: the seventh (six days after
    # admission) its last, the next day late (the issue: it was flagged a day late).
    new, week, late, drafted, signed = (admitted(2, "New"), admitted(6, "Week"),
                                        admitted(7, "Late"), admitted(9, "Drafted"),
                                        admitted(9, "Signed"))
    draft_plan(client=drafted, by=keyworker)
    signed_plan(client=signed, by=keyworker)
    referred = client_with_keyworker(site=site, keyworker=keyworker, status="referred",
                                     admitted_on=None)
    states = selectors.first_plans(Client.objects.all(), today)
    assert states == {new.pk: "due", week.pk: "due", late.pk: "late", drafted.pk: "late"}
    assert referred.pk not in states
    assert selectors.first_plans_late(Client.objects.all(), today) == {late.pk, drafted.pk}
    assert selectors.first_plan_due_on(week.admitted_on) == today
    statuses = selectors.plan_statuses(Client.objects.all(), today)
    assert {pk: s.first_plan for pk, s in statuses.items() if s.first_plan} == states
    # The client file builds the same status from the versions it has loaded.
    for record in Client.objects.all():
        versions = list(services.client_plans(record))
        assert selectors.PlanStatus.of_versions(record, versions, False, today) == (
            statuses[record.pk])


def test_a_manager_review_belongs_to_the_version_it_reviewed(client, keyworker, manager,
                                                             client_record, travel):
    """The issue: the review of version 1 showed as current on versions 3 and 4."""
    travel(days=-40)
    first = signed_plan(client=client_record, by=keyworker)
    travel.back()
    services.manager_review_sign(plan=first, by=manager, comments="A good start")
    for action in Action.objects.filter(goal__plan=first):
        services.action_progress(action=action, outcome=Action.Outcome.DONE, by=keyworker)
    second = sign(sign(services.plan_revise(plan=first, by=keyworker), by=keyworker,
                       role="client"), by=keyworker, role="worker")
    client.force_login(manager)
    first_page = client.get(first.get_absolute_url()).content.decode()
    assert "This version was signed off by" in first_page and "A good start" in first_page
    second_page = client.get(second.get_absolute_url()).content.decode()
    assert "This version was signed off" not in second_page
    assert "A good start" not in second_page
    assert "The 4-13 week review was of version 1." in second_page
    file_page = client.get(client_record.get_absolute_url()).content.decode()
    assert "Manager's review of version 1 signed off by" in file_page


def test_a_manager_review_is_due_the_same_on_every_page(site, keyworker, manager, travel):
    today = timezone.localdate()
    due = client_with_keyworker(site=site, keyworker=keyworker, first_name="Due")
    overdue = client_with_keyworker(site=site, keyworker=keyworker, first_name="Overdue")
    early = client_with_keyworker(site=site, keyworker=keyworker, first_name="Early")
    done = client_with_keyworker(site=site, keyworker=keyworker, first_name="Done")
    for record, days in ((due, 35), (overdue, 100), (early, 10), (done, 50)):
        travel(days=-days)
        plan = signed_plan(client=record, by=keyworker)
        travel.back()
    services.manager_review_sign(plan=plan, by=manager, comments="Seen")
    client_with_keyworker(site=site, keyworker=keyworker, first_name="Unplanned")
    statuses = selectors.plan_statuses(Client.objects.all(), today)
    assert {c.first_name: statuses[c.pk].manager_review
            for c in (due, overdue, early, done)} == {
        "Due": "due", "Overdue": "overdue", "Early": "", "Done": ""}
    # Picked out in the database (manager_review_due_q), the same as PlanStatus says.
    assert {c.pk: status for c, status in selectors.manager_reviews(
        Client.objects.all(), today)} == {due.pk: statuses[due.pk],
                                           overdue.pk: statuses[overdue.pk]}
    assert selectors.manager_reviews_due(Client.objects.all(), today) == {due.pk, overdue.pk}
    listed = selectors.needing_attention(Client.objects.all(), show="manager", today=today)
    assert set(listed.values_list("pk", flat=True)) == {due.pk, overdue.pk}


def test_every_action_done_only_when_every_action_is_done(client_record, keyworker):
    plan = services.plan_with_content(signed_plan(client=client_record, by=keyworker,
                                                  goals=2, actions=2))
    actions = [a for g in plan.goals.all() for a in g.actions.all()]
    assert selectors.plan_to_do(plan).open_count == 4
    for action in actions[:2]:
        services.action_progress(action=action, outcome=Action.Outcome.DONE, by=keyworker)
    for action in actions[2:]:
        services.action_progress(action=action, outcome=Action.Outcome.NOT_DONE, by=keyworker)
    to_do = selectors.plan_to_do(services.plan_with_content(plan))
    assert (to_do.open_count, to_do.done, to_do.not_done, to_do.all_done) == (0, 2, 2, False)
    for action in actions[2:]:
        services.action_progress(action=action, outcome=Action.Outcome.DONE, by=keyworker)
    assert selectors.plan_to_do(services.plan_with_content(plan)).all_done


def test_the_diary_tells_plans_the_next_booked_session(client, keyworker, client_record):
    """The sheet's provider is registered by the product (DiaryConfig.ready), not a test,
    and says what the caseload's "Next session" says."""
    from diary import selectors as diary_selectors
    from tests.factories import KeyworkSessionFactory

    assert hooks.next_session, "no app tells plans the next session"
    assert hooks.next_session_for(client_record) is None
    session = KeyworkSessionFactory(client=client_record, worker=keyworker,
                                    booked_by=keyworker)
    answer = hooks.next_session_for(client_record)
    assert answer.starts_at == session.starts_at
    assert answer.starts_at == diary_selectors.next_booked([client_record.pk])[client_record.pk]
    # Told as the reminders and the client's own page tell it (diary.selectors.as_told).
    assert (answer.worker, answer.place) == (keyworker.first_name, client_record.site.name)
    told = diary_selectors.as_told(session)
    assert (answer.starts_at, answer.worker, answer.place) == (told.starts_at, told.worker,
                                                               told.place)


def test_the_lists_sql_picks_the_same_clients_as_each_clients_plan_status(
        site, keyworker, manager, travel):
    """needing_attention filters in SQL; PlanStatus (of the list's annotations, and of the
    versions the plan pages load) decides for one client. For every `show`, the same."""
    from plans.models import ManagerReview, Plan

    today = timezone.localdate()
    made = {}
    for name, days_ago, kind in (("Nothing", 0, None), ("Draft", 0, "draft"),
                                 ("Fine", 0, "signed"), ("ReviewDue", 25, "signed"),
                                 ("Overdue", 40, "signed"), ("ManagerDue", 35, "signed"),
                                 ("ManagerLate", 100, "signed"), ("Reviewed", 50, "signed")):
        made[name] = client_with_keyworker(site=site, keyworker=keyworker, first_name=name)
        travel(days=-days_ago)
        plan = (draft_plan if kind == "draft" else signed_plan)(client=made[name], by=keyworker) \
            if kind else None
        travel.back()
        if name == "Reviewed":
            services.manager_review_sign(plan=plan, by=manager, comments="Seen")
    wanted = {
        "unsigned": lambda s: s.draft_pk is not None,
        "overdue": lambda s: s.review == "overdue",
        "manager": lambda s: s.manager_review in ("due", "overdue"),
        "none": lambda s: not s.has_plan and s.draft_pk is None,
    }
    wanted["all"] = lambda s: any(test(s) for test in list(wanted.values())[:4])
    statuses = selectors.plan_statuses(Client.objects.all(), today)
    reviewed = set(ManagerReview.objects.values_list("client", flat=True))
    for client in Client.objects.all():
        versions = list(Plan.objects.filter(client=client))
        assert selectors.PlanStatus.of_versions(
            client, versions, client.pk in reviewed, today) == statuses[client.pk], client
    for show, test in wanted.items():
        listed = set(selectors.needing_attention(Client.objects.all(), show, today)
                     .values_list("pk", flat=True))
        assert listed == {pk for pk, status in statuses.items() if test(status)}, show
    # The population covers each condition, so the comparison can fail.
    assert all(any(test(s) for s in statuses.values()) for test in wanted.values())
