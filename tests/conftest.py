"""The cast every test can call on, as in STYLE.md."""

import pytest

from staff.models import User
from tests.factories import SiteFactory, UserFactory


@pytest.fixture
def site(db):
    return SiteFactory(name="Riverside Day Centre", code="DC1")


@pytest.fixture
def other_site(db):
    return SiteFactory(name="Hope House", code="HH1")


@pytest.fixture
def keyworker(site):
    return UserFactory(username="keyworker", first_name="Kim", role=User.Role.KEYWORKER,
                       sites=[site])


@pytest.fixture
def colleague(site):
    return UserFactory(username="colleague", first_name="Sam", role=User.Role.KEYWORKER,
                       sites=[site])


@pytest.fixture
def other_site_keyworker(other_site):
    return UserFactory(username="faraway", first_name="Jo", role=User.Role.KEYWORKER,
                       sites=[other_site])


@pytest.fixture
def manager(site):
    return UserFactory(username="manager", first_name="Maya", role=User.Role.MANAGER,
                       sites=[site])


@pytest.fixture
def other_site_manager(other_site):
    return UserFactory(username="othermanager", first_name="Olu", role=User.Role.MANAGER,
                       sites=[other_site])


@pytest.fixture
def administrator(db):
    return UserFactory(username="administrator", first_name="Ada",
                       role=User.Role.ADMINISTRATOR)
