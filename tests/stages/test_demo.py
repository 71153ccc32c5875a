"""`seed_demo` shows the ladder's rules as written (issue 16): a client moved down with a
task's evidence lapsed, one promoted at the manager's discretion, re-assessments due."""

from django.core.management import call_command

from clients.models import Client
from stages import selectors
from stages.models import ClientStage, Evidence


def test_demo_has_a_lapsed_task_a_discretionary_promotion_and_reassessments_due(settings, db):
    settings.DEBUG = True
    call_command("seed_demo")
    lapsed = Evidence.objects.lapsed().select_related("client").get()
    assert lapsed.lapsed_reason and lapsed.lapsed_by
    assert not selectors.ladder_position(lapsed.client).promotion_due
    promoted = ClientStage.objects.get(at_discretion=True)
    assert promoted.note and promoted.unmet_tasks
    due = selectors.reassessments(Client.objects.all())
    assert any(found.state for found in due.values())
