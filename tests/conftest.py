"""The cast every test can call on, as in STYLE.md."""

import pytest

from staff.models import User
from tests.factories import SiteFactory, UserFactory, client_with_keyworker


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    # Real hashing is deliberately slow; tests check behaviour, not the hash's strength.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def second_factor_where_tested(request, settings):
    """force_login() cannot give a second factor, so tests that use it run with the
    requirement off; browser journeys and tests marked two_factor log in for real, with
    it on as in production."""
    if "browser" not in request.keywords and "two_factor" not in request.keywords:
        settings.TWO_FACTOR_REQUIRED = False


@pytest.fixture
def site(db):
    return SiteFactory(name="Riverside Day Centre", code="DC1")


@pytest.fixture
def other_site(db):
    return SiteFactory(name="Hope House", code="HH1")


@pytest.fixture
def keyworker(site):
    return UserFactory(username="keyworker", first_name="Kim",
                       last_name="Lowe", role=User.Role.KEYWORKER,
                       sites=[site])


@pytest.fixture
def colleague(site):
    return UserFactory(username="colleague", first_name="Sam",
                       last_name="Reid", role=User.Role.KEYWORKER,
                       sites=[site])


@pytest.fixture
def other_site_keyworker(other_site):
    return UserFactory(username="faraway", first_name="Jo",
                       last_name="Bell", role=User.Role.KEYWORKER,
                       sites=[other_site])


@pytest.fixture
def manager(site):
    return UserFactory(username="manager", first_name="Maya",
                       last_name="Patel", role=User.Role.MANAGER,
                       sites=[site])


@pytest.fixture
def other_site_manager(other_site):
    return UserFactory(username="othermanager", first_name="Olu",
                       last_name="Ade", role=User.Role.MANAGER,
                       sites=[other_site])


@pytest.fixture
def administrator(db):
    return UserFactory(username="administrator", first_name="Ada",
                       last_name="Stone",
                       role=User.Role.ADMINISTRATOR)


@pytest.fixture
def client_record(site, keyworker):
    """An active client at `site` on `keyworker`'s caseload (never `client`: that is Django's)."""
    return client_with_keyworker(site=site, keyworker=keyworker, first_name="Dee",
                                 last_name="Harper", alerts="Do not visit alone")


@pytest.fixture
def colleagues_client(site, colleague):
    return client_with_keyworker(site=site, keyworker=colleague, first_name="Rob",
                                 last_name="Quinn")


@pytest.fixture
def other_site_client(other_site, other_site_keyworker):
    return client_with_keyworker(site=other_site, keyworker=other_site_keyworker,
                                 first_name="Far", last_name="Away")


@pytest.fixture
def travel(monkeypatch):
    """travel(days=-40): from now on, "now" is that many days away (plans' dates and
    signatures follow), so a test can build history that happened weeks ago."""
    import datetime

    from django.utils import timezone

    real_now = timezone.now

    def go(*, days):
        monkeypatch.setattr(timezone, "now",
                            lambda: real_now() + datetime.timedelta(days=days))

    def back():
        monkeypatch.setattr(timezone, "now", real_now)

    go.back = back
    return go


@pytest.fixture(autouse=True)
def no_real_provider(settings):
    """Whatever the shell's settings, a test sends no text or e-mail to a real provider:
    texts print to the console and client e-mail stays in Django's outbox. A test that
    means to send asks for tests.messaging.conftest's `provider`, the fake Twilio and
    Postmark on 127.0.0.1, which sets them again."""
    settings.SMS_BACKEND = "console"
    settings.TWILIO_API_URL = "http://127.0.0.1:9"
    settings.CLIENT_EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.ANYMAIL = {"POSTMARK_SERVER_TOKEN": "", "POSTMARK_API_URL": "http://127.0.0.1:9/"}
