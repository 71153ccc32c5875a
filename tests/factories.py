"""factory_boy factories for every model the tests build."""

import factory

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
