"""A plan as the issue's journey writes it: three goals, five actions with who and when,
two milestones, an agency leading one goal, signed on screen by both."""

import datetime

import pytest
from django.utils import timezone

from plans import services
from tests.factories import AgencyFactory
from tests.plans.test_views import drawn_signature

DAY = datetime.timedelta(days=1)


def write_full_plan(*, client, by, agency, sign=True):
    today = timezone.localdate()
    plan = services.plan_start(
        client=client, by=by, starts_on=today, review_on=today + 28 * DAY,
        vision="A flat of my own, and my daughter visiting at weekends.",
        strengths="Good cook. My sister Jo. I keep appointments if reminded.",
        constraints="Old rent arrears: ask Citizens Advice about a payment plan.")
    goals = [
        ("Get my own flat", agency,
         [("Fill in the housing register form", "client", 3),
          ("Ring the housing officer about my band", "keyworker", 5)],
         [("On the housing register", 21)]),
        ("Cut down my drinking", None,
         [("Go to the Tuesday recovery group", "client", 6),
          ("Book a detox assessment", "agency", 10)],
         [("Three dry days in a week", 28)]),
        ("Register with a GP", None, [("Take ID to Riverside Medical Centre", "client", 2)],
         []),
    ]
    for text, lead, actions, milestones in goals:
        services.goal_save(
            plan=plan, lock_version=plan.lock_version, by=by, text=text, lead_agency=lead,
            actions=[{"what": what, "who": who, "agency": agency if who == "agency" else None,
                      "due_on": today + days * DAY} for what, who, days in actions],
            milestones=[{"text": what, "target_on": today + days * DAY}
                        for what, days in milestones])
    if sign:
        for role, name in (("client", client.display_name), ("worker", str(by))):
            shown = services.plan_with_content(plan)
            services.plan_sign(plan=shown, signer=by, role=role, method="drawn", name=name,
                               image=_png(), content_digest=shown.digest())
    plan.refresh_from_db()
    return plan


def _png():
    import base64

    return base64.b64decode(drawn_signature().split(",", 1)[1])


@pytest.fixture
def housing_agency(site):
    return AgencyFactory(site=site, name="Riverside Housing Options", contact_name="Lena Marsh",
                         phone="01632 960 410", email="housing@example.org")


@pytest.fixture
def full_plan(client_record, keyworker, housing_agency):
    keyworker.phone = "07700 900321"
    keyworker.save()
    return write_full_plan(client=client_record, by=keyworker, agency=housing_agency)
