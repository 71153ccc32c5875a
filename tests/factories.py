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
