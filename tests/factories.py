"""factory_boy factories for every model the tests build."""

import datetime

import factory
from django.utils import timezone

from clients.models import Allocation, Client
from staff.models import Site, User

PASSWORD = "correct-horse-battery"


class SiteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Site
        django_get_or_create = ["code"]

    name = factory.Sequence(lambda n: f"Site {n}")
    code = factory.Sequence(lambda n: f"S{n}")
    phone = "01632 960 000"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ["username"]
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name", locale="en_GB")
    last_name = factory.Faker("last_name", locale="en_GB")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    role = User.Role.KEYWORKER
    password = factory.django.Password(PASSWORD)

    @factory.post_generation
    def sites(self, create, extracted, **kwargs):
        if create and extracted:
            self.sites.set(extracted)


class ClientFactory(factory.django.DjangoModelFactory):
    """An active client at a site (use `status=` and the services for other states)."""

    class Meta:
        model = Client

    site = factory.SubFactory(SiteFactory)
    number = factory.Sequence(lambda n: n + 1)
    reference = factory.LazyAttribute(lambda c: f"{c.site.code}-{c.number:05d}")
    first_name = factory.Faker("first_name", locale="en_GB")
    last_name = factory.Faker("last_name", locale="en_GB")
    date_of_birth = datetime.date(1980, 5, 17)
    status = Client.Status.ACTIVE
    referred_on = factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=60))
    admitted_on = factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=50))


class AllocationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Allocation

    client = factory.SubFactory(ClientFactory)
    worker = factory.SubFactory(UserFactory)
    kind = Allocation.Kind.PRIMARY
    start = factory.LazyAttribute(lambda a: a.client.admitted_on or timezone.localdate())
    created_by = factory.SelfAttribute("worker")


def client_with_keyworker(*, site, keyworker, **fields):
    """An active client at `site` whose primary keyworker is `keyworker`."""
    client = ClientFactory(site=site, **fields)
    AllocationFactory(client=client, worker=keyworker)
    return client


# Plans ------------------------------------------------------------------------------------


def consent_now(days=365):
    """What referral_make takes as `new_consent`: the client agrees, on the day of the
    referral, to share with that agency for `days` days."""
    import datetime

    from django.utils import timezone

    return {"how": "verbally", "purpose": "To make the referral",
            "expires_on": timezone.localdate() + datetime.timedelta(days=days)}


class AgencyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "plans.Agency"

    site = factory.SubFactory(SiteFactory)
    name = factory.Sequence(lambda n: f"Agency {n}")
    service = "Housing advice"
    contact_name = "Pat Reed"
    phone = "01632 960 555"
    email = factory.Sequence(lambda n: f"agency{n}@example.org")


def draft_plan(*, client, by, goals=1, actions=2, milestones=1, lead_agency=None):
    """A draft plan version 1 written through the services, starting today."""
    from plans import services

    today = timezone.localdate()
    plan = services.plan_start(client=client, by=by, starts_on=today,
                               review_on=today + datetime.timedelta(weeks=4),
                               vision="A flat of my own and my daughter visiting.",
                               strengths="Good with money. My sister.",
                               constraints="Mornings are hard: sessions after 11.")
    for g in range(1, goals + 1):
        services.goal_save(
            plan=plan, lock_version=plan.lock_version, by=by, text=f"Goal {g} in my words",
            lead_agency=lead_agency if g == 1 else None,
            actions=[{"what": f"Action {g}.{a}", "who": "client",
                      "due_on": today + datetime.timedelta(days=7 * a)}
                     for a in range(1, actions + 1)],
            milestones=[{"text": f"Milestone {g}.{m}",
                         "target_on": today + datetime.timedelta(days=30 * m)}
                        for m in range(1, milestones + 1)])
    return plan


def sign(document, *, by, role, **fields):
    """Sign a plan or an agreement by typed name (the client agreeing in person)."""
    from plans import services

    service = services.plan_sign if document._meta.model_name == "plan" else (
        services.agreement_sign)
    if document._meta.model_name == "plan":
        document = services.plan_with_content(document)
    fields.setdefault("method", "typed")
    fields.setdefault("name", str(by) if role == "worker" else document.client.display_name)
    fields.setdefault("agreed_in_person", role == "client")
    service(**{document._meta.model_name: document}, signer=by, role=role,
            content_digest=document.digest(), **fields)
    document.refresh_from_db()
    return document


def paper_plan(*, client, by, started_days_ago=60, review_days_ago=7, scan=None):
    """A plan brought in from paper: version 1 started `started_days_ago`, its review date
    `review_days_ago` (passed), signed on paper on its first day, with a PDF scan."""
    from plans import services
    from tests.stages.factories import pdf_upload

    today = timezone.localdate()
    starts_on = today - datetime.timedelta(days=started_days_ago)
    plan = services.plan_start(client=client, by=by, starts_on=starts_on,
                               review_on=today - datetime.timedelta(days=review_days_ago),
                               vision="Somewhere of my own.")
    services.goal_save(plan=plan, lock_version=plan.lock_version, by=by, text="A flat",
                       actions=[{"what": "Bidding on the housing register", "who": "client",
                                 "due_on": today + datetime.timedelta(days=7)}],
                       milestones=[])
    return services.plan_paper_sign(plan=plan, by=by, scan=scan or pdf_upload("plan.pdf"),
                                    signed_on=starts_on, client_name=client.display_name,
                                    worker_name=str(by))


def signed_plan(*, client, by, **kwargs):
    """A plan version 1 signed by the client and `by`: the plan in force."""
    plan = draft_plan(client=client, by=by, **kwargs)
    sign(plan, by=by, role="client")
    return sign(plan, by=by, role="worker")


# Diary ------------------------------------------------------------------------------------


def local_moment(day, hour, minute=0):
    """An aware datetime at `hour`:`minute` on `day` in Europe/London."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


class KeyworkSessionFactory(factory.django.DjangoModelFactory):
    """A session booked for tomorrow at 10:00, an hour long; `held=True` logs it attended."""

    class Meta:
        model = "diary.KeyworkSession"

    class Params:
        held = factory.Trait(
            status="attended",
            actual_start=factory.SelfAttribute("starts_at"),
            actual_minutes=factory.SelfAttribute("expected_minutes"),
            discussed="Went through the housing form.",
            logged_by=factory.SelfAttribute("worker"),
            logged_at=factory.LazyAttribute(lambda s: s.starts_at
                                            + datetime.timedelta(minutes=s.expected_minutes)),
        )

    client = factory.SubFactory(ClientFactory)
    worker = factory.SubFactory(UserFactory)
    starts_at = factory.LazyFunction(
        lambda: local_moment(timezone.localdate() + datetime.timedelta(days=1), 10))
    expected_minutes = 60
    booked_by = factory.SelfAttribute("worker")


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "diary.Contact"

    client = factory.SubFactory(ClientFactory)
    by = factory.SubFactory(UserFactory)
    kind = "drop_in"
    at = factory.LazyFunction(timezone.now)
    note = "Popped in to ask about the post."
