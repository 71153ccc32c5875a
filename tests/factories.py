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
