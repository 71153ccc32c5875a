"""Safeguarding records every safeguarding test (and the hostile walk) starts from."""

import datetime

from django.utils import timezone

from safeguarding import services


def incident_about(client, *, by, site, others=(), **fields):
    """An open concern raised by `by` about `client` (and `others`) at `site`, yesterday."""
    values = {"kind": "concern", "risk": "high", "what": "Shouting at the door",
              "immediate_action": "Asked him to leave for the day",
              "happened_on": timezone.localdate() - datetime.timedelta(days=1),
              "linked_risk": "Keep away from the kitchen door", "reported_to_la": False}
    values.update(fields)
    return services.incident_raise(by=by, site=site, clients=[client, *others], **values)


def safeguarding_records(*, client, keyworker, manager, site):
    """{"incident": an open reviewed concern about `client` raised by `keyworker`,
    "ban": a ban of `client` in force, linked to it}."""
    incident = incident_about(client, by=keyworker, site=site)
    services.incident_review(incident=incident, by=manager, review_note="Seen")
    today = timezone.localdate()
    ban = services.ban_record(client=client, by=manager, kind="ban", reason="Threats",
                              starts_on=today, review_on=today + datetime.timedelta(days=7),
                              incident=incident)
    return {"incident": incident, "ban": ban}
