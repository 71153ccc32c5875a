"""Two past supervisions of `keyworker` with `manager`: one locked, one awaiting the
keyworker's confirmation, with an action carried forward between them."""

import datetime

from django.utils import timezone

from supervision import selectors, services
from supervision.models import Supervision


def _backdate(supervision, days):
    # The meeting happened in the past: "changes since" counts from then, and a record
    # signed off looks back only as far as its sign-off (supervision.selectors.period_of).
    then = timezone.now() - datetime.timedelta(days=days)
    supervision.created_at = then
    if supervision.manager_signed_at:
        supervision.manager_signed_at = then
    if supervision.keyworker_confirmed_at:
        supervision.keyworker_confirmed_at = then
    supervision.save()


def seed(ctx):
    manager, keyworker = ctx["staff"]["manager"], ctx["staff"]["keyworker"]
    if Supervision.objects.filter(keyworker=keyworker).exists():
        return
    today = timezone.localdate()
    first = services.supervision_start(manager=manager, keyworker=keyworker,
                                       held_on=today - datetime.timedelta(days=42),
                                       agenda=selectors.agenda_for(keyworker))
    _backdate(first, 42)
    services.action_add(supervision=first, by=manager, what="Chase the housing benefit claim",
                        who="keyworker", by_when=today - datetime.timedelta(days=28))
    done = services.action_add(supervision=first, by=manager, what="Book safeguarding refresher",
                               who="manager", by_when=today - datetime.timedelta(days=35))
    services.action_done(action=done, by=manager)
    services.supervision_save(supervision=first, version=first.version, by=manager,
                              notes={"workload": "Caseload full; one complex client.",
                                     "wellbeing": "Tired after a difficult incident; took a "
                                                  "day off in lieu.",
                                     "training": "Safeguarding refresher booked.",
                                     "boundaries": "Discussed lending money: not to be done."},
                              discussions={})
    services.supervision_sign(supervision=first, by=manager)
    services.supervision_confirm(supervision=first, by=keyworker, comment="Agreed.")
    _backdate(first, 42)
    second = services.supervision_start(manager=manager, keyworker=keyworker,
                                        held_on=today - datetime.timedelta(days=14),
                                        agenda=selectors.agenda_for(keyworker))
    _backdate(second, 14)
    services.supervision_save(supervision=second, version=second.version, by=manager,
                              notes={"workload": "Manageable.", "wellbeing": "Better.",
                                     "training": "", "boundaries": ""},
                              discussions={})
    services.supervision_sign(supervision=second, by=manager)
    _backdate(second, 14)
