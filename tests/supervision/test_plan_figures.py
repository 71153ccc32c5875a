"""The dashboard figures, the supervision agenda and the reminders about plans, assessments
and the ladder give the answers of plans.selectors and stages.selectors, never their own."""

import datetime

from django.urls import reverse
from django.utils import timezone

from clients.models import Client
from plans import selectors as plans_selectors
from stages import selectors as stages_selectors
from stages import services as stages_services
from stages.models import Ladder, LadderStage, LadderTask
from supervision import reminders, selectors
from tests.factories import client_with_keyworker, signed_plan

DAY = datetime.timedelta(days=1)


def _admitted(site, keyworker, days_ago, name):
    today = timezone.localdate()
    return client_with_keyworker(site=site, keyworker=keyworker, first_name=name,
                                 last_name="Test", admitted_on=today - days_ago * DAY,
                                 referred_on=today - (days_ago + 1) * DAY)


def _evidence_all(client, by):
    for task in stages_services.current_stage(client).stage.tasks.all():
        stages_services.evidence_record(client=client, task=task, by=by,
                                        on=timezone.localdate(), what="Seen")


def test_the_dashboard_counts_what_the_selectors_find(site, keyworker, manager, travel):
    site.uses_ladder = True
    site.save()
    today = timezone.localdate()
    travel(days=-40)
    overdue = client_with_keyworker(site=site, keyworker=keyworker, first_name="Overdue")
    signed_plan(client=overdue, by=keyworker)
    travel.back()
    new = _admitted(site, keyworker, 3, "New")
    late = _admitted(site, keyworker, 10, "Late")
    climber = _admitted(site, keyworker, 60, "Climber")
    stages_services.ladder_start(client=climber, by=manager, on=climber.admitted_on)
    _evidence_all(climber, keyworker)

    data = selectors.dashboard([site.pk], [keyworker], today)
    clients = Client.objects.filter(site=site)
    assert data["totals"]["reviews_overdue"] == plans_selectors.reviews_overdue(clients) == {
        overdue.pk}
    assert data["totals"]["first_plans_late"] == plans_selectors.first_plans_late(clients)
    assert late.pk in data["totals"]["first_plans_late"]
    assert new.pk not in data["totals"]["first_plans_late"]
    assert data["totals"]["initial_missing"] == stages_selectors.initial_assessments_late(
        clients)
    assert late.pk in data["totals"]["initial_missing"]
    assert new.pk not in data["totals"]["initial_missing"]
    assert data["totals"]["promotions"] == stages_selectors.promotions_due(clients) == {
        climber.pk}
    assert data["totals"]["manager_reviews"] == plans_selectors.manager_reviews_due(clients)
    agenda = selectors.agenda_for(keyworker, today)
    assert agenda["figures"]["promotions"] == 1
    assert agenda["figures"]["reviews_overdue"] == 1


def test_a_promotion_the_ladder_in_use_cannot_make_is_not_on_the_dashboard(
        site, keyworker, manager, client):
    site.uses_ladder = True
    site.save()
    climber = _admitted(site, keyworker, 60, "Climber")
    stages_services.ladder_start(client=climber, by=manager, on=climber.admitted_on)
    _evidence_all(climber, keyworker)
    old = Ladder.objects.current()
    Ladder.objects.filter(pk=old.pk).update(is_current=False)
    new = Ladder.objects.create(version=old.version + 1, is_current=True)
    first = old.stages.order_by("order").first()
    LadderStage.objects.create(ladder=new, order=first.order, name=first.name)
    assert selectors.dashboard([site.pk], [keyworker])["totals"]["promotions"] == set()
    assert not LadderTask.objects.filter(stage__ladder=new).exists()
    client.force_login(manager)
    url = reverse("supervision:dashboard_list", args=["promotions"])
    assert "Climber" not in client.get(f"{url}?site={site.pk}").content.decode()


def test_reminders_name_the_review_first_plan_and_assessment_the_selectors_find(
        site, keyworker, travel):
    today = timezone.localdate()
    travel(days=-25)
    due = client_with_keyworker(site=site, keyworker=keyworker, first_name="Due")
    plan = signed_plan(client=due, by=keyworker)
    travel.back()
    new = _admitted(site, keyworker, 2, "New")
    texts = [item.text for item in reminders.reminders_for(keyworker, today)]
    review = plans_selectors.reviews([due])[due.pk]
    assert review.state == "due"
    assert f"Review Due's plan (due {review.on.day} {review.on:%b %Y})" in texts
    first_by = plans_selectors.first_plan_due_on(new.admitted_on)
    assert f"Write and sign New's first plan (due {first_by.day} {first_by:%b %Y})" in texts
    assert f"Do New's initial assessment (due {first_by.day} {first_by:%b %Y})" in texts
    assert plan.review_on == review.on
