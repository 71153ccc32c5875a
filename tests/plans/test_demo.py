import random
from importlib import import_module

import pytest
from django.utils import timezone

from clients.models import Client
from plans import selectors, services
from plans.models import ManagerReview, Plan, Review, Signature, digest


def seed(clients):
    """The demo data plans builds on (sites, staff, clients) and the plans' own: what
    `seed_demo` does, without the other apps' demo data."""
    ctx = {"options": {"clients": clients}, "rng": random.Random(42)}
    for app in ("staff", "clients", "plans"):
        import_module(f"{app}.demo").seed(ctx)


@pytest.mark.django_db
def test_seed_demo_gives_clients_signed_plan_histories_and_the_cases_to_show():
    seed(clients=40)
    small = Client.objects.filter(site__code__in=["DC1", "HH1"])
    active = small.filter(status=Client.Status.ACTIVE)
    today = timezone.localdate()

    assert set(Plan.objects.current().filter(client__in=small).values_list("client", flat=True)
               ) == set(active.values_list("pk", flat=True))
    # Each has signed the agreement, but the client whose plan was brought in from paper.
    unsigned = set(active.exclude(agreements__signed_at__isnull=False)
                   .values_list("pk", flat=True))
    assert len(unsigned) == 1
    assert unsigned <= set(active.filter(plans__paper_original__isnull=False)
                           .values_list("pk", flat=True))
    assert Plan.objects.filter(client__in=small, number__gt=1).exists(), "older versions"
    assert Review.objects.filter(plan__client__in=small).count() >= active.count()
    overdue = Plan.objects.current().filter(client__in=small, next_review_on__lt=today)
    # One kept overdue by its keyworker, and the plan brought in from paper, overdue at once.
    assert overdue.count() == 2
    assert overdue.filter(paper_original__isnull=False).count() == 1
    assert Plan.objects.drafts().filter(client__in=small).count() == 1
    # Every draft could be signed today: none carries an action due before it starts.
    for draft in Plan.objects.drafts():
        assert services.signing_problems(draft) == [], draft
    statuses = selectors.plan_statuses(list(active))
    assert {s.manager_review for s in statuses.values()} >= {"due", "overdue"}
    assert ManagerReview.objects.filter(client__in=small).exists()
    # Kim's admitted client is left for the browser journey to write a plan with.
    assert not Plan.objects.filter(client__site__code="DC1", client__status="admitted",
                                   client__allocations__worker__username="keyworker").exists()

    # Every signature was given to exactly what the version prints, which is what the
    # records say when the demo is seeded.
    for plan in services.with_content(Plan.objects.filter(signed_at__isnull=False)):
        assert digest(plan.signed_content) == plan.signed_digest
        assert plan.changed_since_signing() == []
    signed = Signature.objects.filter(plan__signed_at__isnull=False)
    assert not signed.exclude(content_digest__in=Plan.objects.values("signed_digest")).exists()

    big = Plan.objects.filter(client__site__code="BIG")
    assert big.current().count() > 20
    assert Plan.history.filter(client__site__code="BIG").count() == big.count()

    counts = (Plan.objects.count(), Signature.objects.count(), Review.objects.count())
    seed(clients=0)
    assert (Plan.objects.count(), Signature.objects.count(), Review.objects.count()) == counts
