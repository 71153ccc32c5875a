"""What plans tell stages: tagged actions done suggest Achieving; a signed plan answers a task."""

from django.utils import timezone

from plans import services as plans
from plans.models import Action
from stages import hooks, services
from stages.models import LadderTask, Need
from tests.factories import draft_plan, sign


def test_five_done_actions_tagged_with_a_need_suggest_achieving(client_record, keyworker):
    need = Need.objects.get(name="Budgeting")
    plan = draft_plan(client=client_record, by=keyworker, actions=5)
    Action.objects.filter(goal__plan=plan).update(need=need)
    sign(plan, by=keyworker, role="client")
    plan = sign(plan, by=keyworker, role="worker")
    actions = list(Action.objects.filter(goal__plan=plan))
    for action in actions[:4]:
        plans.action_progress(action=action, outcome="done", by=keyworker)
    assert services.suggestions(client_record) == {}
    plans.action_progress(action=actions[4], outcome="done", by=keyworker)
    assert services.suggestions(client_record) == {need.pk: True}


def test_a_signed_plan_answers_the_complete_the_action_plan_task(client_record, keyworker):
    task = LadderTask.objects.get(known_from="signed_plan", stage__ladder__is_current=True)
    assert hooks.known_answer(task, client_record) is None
    plan = draft_plan(client=client_record, by=keyworker)
    sign(plan, by=keyworker, role="client")
    plan = sign(plan, by=keyworker, role="worker")
    answer = hooks.known_answer(task, client_record)
    assert answer.url == plan.get_absolute_url()
    assert timezone.localdate().strftime("%-d %b %Y") in answer.text
