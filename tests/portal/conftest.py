import pytest
from django.core.cache import cache

from portal import services
from tests.factories import KeyworkSessionFactory, signed_plan
from tests.messaging.conftest import clock, provider  # noqa: F401 (fixtures)

DEE_MOBILE = "+447700900123"


@pytest.fixture(autouse=True)
def fresh_limits():
    """The codes-an-hour counters live in the cache: each test starts with none."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def dee_page(client_record, keyworker):
    """Dee's page is on, her codes texted to her mobile; Kim turned it on."""
    return services.access_set(client=client_record, by=keyworker, is_on=True,
                               phone="07700 900123")


@pytest.fixture
def dee_session(client_record, keyworker, site):
    """Dee's next session with Kim: tomorrow at 10:00 at the site."""
    return KeyworkSessionFactory(client=client_record, worker=keyworker, site=site)


@pytest.fixture
def dee_plan(client_record, keyworker):
    """Dee's plan in force: one goal, two actions, the first done."""
    from plans import services as plan_services

    plan = signed_plan(client=client_record, by=keyworker)
    first = plan.goals.get().actions.order_by("order", "pk").first()
    plan_services.action_progress(action=first, outcome="done", learnt="", by=keyworker)
    return plan


def texted_code(fake, to=DEE_MOBILE):
    """The 6-digit code in the last text the fake provider was sent to `to`."""
    body = [text for text in fake.texts if text["To"] == to][-1]["Body"]
    return next(word for word in body.replace(".", " ").split()
                if word.isdigit() and len(word) == 6)


def sign_in_by_code(web, fake, address="07700 900123", to=DEE_MOBILE):
    web.post("/me/sign-in/", {"address": address})
    return web.post("/me/sign-in/code/", {"code": texted_code(fake, to)})
