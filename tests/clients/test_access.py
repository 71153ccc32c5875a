"""Who sees what: every clients URL (and the project's own pages: home, the glossary), for
every member of the cast, by GET and by POST.

The client in question is `client_record` (Dee Harper, at Riverside, on Kim's caseload).
"""

import datetime
import io

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from clients.models import (
    Allocation,
    Client,
    Episode,
    InductionItem,
    InductionTick,
    SiteMove,
    StatusChange,
)
from staff.models import Site, User
from tests.factories import AllocationFactory, UserFactory
from tests.responses import body_of

DAY = datetime.timedelta(days=1)
OK = "ok"  # 200 on GET; on POST 200 (form shown again) or a redirect that is not the login
LOGIN = "login"  # 302 to the login page

ROLES = ["anonymous", "keyworker", "colleague", "other_site_keyworker", "manager",
         "other_site_manager", "administrator"]

# One row per URL, one column per role, in the order of ROLES.
MATRIX = {
    # A manager's home is the dashboard: `/` sends them there (keywork.views.home).
    "home": (LOGIN, OK, OK, OK, 302, 302, OK),
    "glossary": (LOGIN, OK, OK, OK, OK, OK, OK),
    "team": (LOGIN, OK, OK, OK, OK, OK, OK),
    "clients:caseload": (LOGIN, OK, OK, OK, OK, OK, 403),
    "clients:list": (LOGIN, OK, OK, OK, OK, OK, 403),
    "clients:create": (LOGIN, 403, 403, 403, OK, OK, 403),
    # The client picker's matches: only clients the person may see (none, for an
    # administrator), tested in tests/clients/test_picker.py.
    "clients:pick": (LOGIN, OK, OK, OK, OK, OK, OK),
    "clients:keyworkers": (LOGIN, 403, 403, 403, OK, OK, 403),
    "clients:keyworker_limit": (LOGIN, 403, 403, 403, OK, 404, 403),
    "clients:transfer": (LOGIN, 403, 403, 403, OK, 404, 403),
    "clients:detail": (LOGIN, OK, OK, 404, OK, 404, 404),
    "clients:photo": (LOGIN, OK, OK, 404, OK, 404, 404),
    "clients:edit": (LOGIN, OK, 403, 404, OK, 404, 404),
    "clients:admit": (LOGIN, 403, 403, 404, OK, 404, 404),
    "clients:activate": (LOGIN, 403, 403, 404, OK, 404, 404),
    "clients:end": (LOGIN, 403, 403, 404, OK, 404, 404),
    "clients:move": (LOGIN, 403, 403, 404, OK, 404, 404),
    "clients:reopen": (LOGIN, 403, 403, 404, OK, 404, 404),
    "clients:close_referral": (LOGIN, 403, 403, 404, OK, 404, 404),
    "clients:induction_tick": (LOGIN, OK, 403, 404, OK, 404, 404),
    "clients:allocate": (LOGIN, 403, 403, 404, OK, 404, 404),
    "clients:co_keyworker": (LOGIN, 403, 403, 404, OK, 404, 404),
    "clients:cover": (LOGIN, OK, 403, 404, OK, 404, 404),
    "clients:allocation_end": (LOGIN, 403, 403, 404, OK, 404, 404),
}

# Answered with 405 to any GET from a signed-in user, before anyone's rights are looked at.
POST_ONLY = {"clients:keyworker_limit", "clients:induction_tick"}
# Pages to read only: a POST from a signed-in user is answered with 405.
GET_ONLY = {"glossary", "clients:pick"}

# The lifecycle steps only show their form for a client in the right state.
STATE_FOR = {
    "clients:admit": {"status": Client.Status.REFERRED, "admitted_on": None},
    "clients:close_referral": {"status": Client.Status.REFERRED, "admitted_on": None},
    "clients:activate": {"status": Client.Status.ADMITTED},
    "clients:reopen": {"status": Client.Status.DISCHARGED, "ended_on": timezone.localdate()},
}


def png_bytes():
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "teal").save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.fixture
def cover_worker(site):
    return UserFactory(username="coverer", first_name="Cal", role=User.Role.KEYWORKER,
                       sites=[site])


@pytest.fixture
def world(settings, tmp_path, client_record, keyworker, colleague, manager, cover_worker):
    """Dee with a photo, her site's induction checklist and a fortnight's cover by Cal."""
    settings.MEDIA_ROOT = tmp_path
    client_record.phone = "07700 900123"
    client_record.photo.save("dee.png", ContentFile(png_bytes()), save=False)
    client_record.save()
    today = timezone.localdate()
    return {
        "client": client_record,
        "item": InductionItem.objects.create(site=client_record.site, text="Shown the kitchen"),
        "cover": AllocationFactory(client=client_record, worker=cover_worker,
                                   kind=Allocation.Kind.COVER, start=today,
                                   end=today + 14 * DAY, handover_note="Prefers mornings"),
        "keyworker": keyworker,
        "colleague": colleague,
    }


WITHOUT_ARGS = {"home", "glossary", "team", "clients:caseload", "clients:list", "clients:create",
                "clients:pick",
                "clients:keyworkers"}


def url_of(name, world):
    """The URL `name` about Dee (or, for the caseload pages, about Kim)."""
    client = world["client"]
    if name in WITHOUT_ARGS:
        return reverse(name)
    args = {
        "clients:keyworker_limit": [world["keyworker"].pk],
        "clients:transfer": [world["keyworker"].pk],
        "clients:induction_tick": [client.pk, world["item"].pk],
        "clients:allocation_end": [client.pk, world["cover"].pk],
    }.get(name, [client.pk])
    return reverse(name, args=args)


def sign_in(client, request, role):
    if role == "anonymous":
        return None
    user = request.getfixturevalue(role)
    client.force_login(user)
    return user


def assert_outcome(response, expected, method):
    body_of(response)
    if expected == LOGIN:
        assert response.status_code == 302
        assert response.url.startswith(reverse("login") + "?next=")
    elif expected == OK and method == "get":
        assert response.status_code == 200
    elif expected == OK:
        assert response.status_code in (200, 302)
        if response.status_code == 302:
            assert not response.url.startswith(reverse("login"))
    else:
        assert response.status_code == expected


@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize("name", MATRIX)
@pytest.mark.parametrize("role", ROLES)
def test_each_role_gets_only_what_the_access_rules_allow(client, request, world, role, name,
                                                         method):
    if fields := STATE_FOR.get(name):
        for field, value in fields.items():
            setattr(world["client"], field, value)
        world["client"].save()
    sign_in(client, request, role)
    expected = MATRIX[name][ROLES.index(role)]
    if method == "get" and name in POST_ONLY and role != "anonymous":
        expected = 405
    if method == "post" and name in GET_ONLY and role != "anonymous":
        expected = 405
    response = getattr(client, method)(url_of(name, world))
    assert_outcome(response, expected, method)


def test_colleague_sees_only_the_summary(client, world, colleague):
    client.force_login(colleague)
    page = client.get(reverse("clients:detail", args=[world["client"].pk])).content.decode()
    assert "Dee Harper" in page
    assert reverse("clients:photo", args=[world["client"].pk]) in page
    assert "Kim" in page
    assert "Do not visit alone" in page
    assert "07700 900123" not in page
    assert "Date of birth" not in page
    assert "17 May 1980" not in page
    assert "Allocation history" not in page
    assert "Prefers mornings" not in page


def test_keyworker_sees_the_whole_file(client, world, keyworker):
    client.force_login(keyworker)
    page = client.get(reverse("clients:detail", args=[world["client"].pk])).content.decode()
    assert "07700 900123" in page
    assert "Date of birth" in page
    assert "17 May 1980" in page
    assert "Allocation history" in page
    assert "Prefers mornings" in page


def test_colleague_gets_the_photo_itself(client, world, colleague):
    client.force_login(colleague)
    response = client.get(reverse("clients:photo", args=[world["client"].pk]))
    assert body_of(response) == png_bytes()
    assert response["Cache-Control"] == "private, no-store"


def test_photo_of_a_client_without_one_is_not_found(client, colleagues_client, keyworker):
    client.force_login(keyworker)
    assert client.get(reverse("clients:photo", args=[colleagues_client.pk])).status_code == 404


@pytest.mark.parametrize("role", ["other_site_keyworker", "other_site_manager"])
def test_other_site_staff_open_their_own_sites_client(client, request, other_site_client, role):
    sign_in(client, request, role)
    page = client.get(reverse("clients:detail", args=[other_site_client.pk])).content.decode()
    assert "Far Away" in page


# Refused POSTs: the data would be accepted from someone allowed (see the test after), so a
# refusal leaves the database exactly as it was for a reason of rights, not of bad data.


def valid_post(name, world):
    today = timezone.localdate()
    client, keyworker, colleague = world["client"], world["keyworker"], world["colleague"]
    return {
        "clients:create": {"site": client.site_id, "referred_on": today.isoformat(),
                           "first_name": "New", "last_name": "Person"},
        "clients:edit": {"version": client.version, "first_name": "Changed",
                         "last_name": client.last_name, "alerts": client.alerts},
        "clients:end": {"status": Client.Status.DISCHARGED, "ended_on": today.isoformat(),
                        "destination": "Own tenancy", "reason": "Moved away",
                        "end_kind": "unplanned"},
        "clients:reopen": {"referred_on": today.isoformat(), "reason": "Back again"},
        "clients:close_referral": {"outcome": Client.Status.DECLINED, "on": today.isoformat(),
                                   "reason": Client.ReferralEndReason.NO_VACANCY},
        "clients:induction_tick": {},
        "clients:allocate": {"worker": colleague.pk, "reason": "Kim is leaving"},
        "clients:co_keyworker": {"worker": colleague.pk, "reason": "Two of us"},
        "clients:cover": {"worker": colleague.pk, "first_day": (today + 30 * DAY).isoformat(),
                          "last_day": (today + 40 * DAY).isoformat(),
                          "handover_note": "Appointments on Tuesdays"},
        "clients:allocation_end": {"reason": "Kim is back early"},
        "clients:keyworker_limit": {f"w{keyworker.pk}-caseload_limit": "20"},
        "clients:transfer": {"clients": [client.pk], "to_worker": colleague.pk,
                             "reason": "Kim is leaving"},
        "clients:move": {"to_site": Site.objects.get_or_create(
                             code="EC1", defaults={"name": "Elm Court"})[0].pk,
                         "on": today.isoformat(), "handover_note": "Wants a quiet room"},
    }[name]


def snapshot():
    """Every row a clients POST could write, as plain values."""
    return {
        model._meta.label: list(model.objects.order_by("pk").values())
        for model in (Client, Allocation, StatusChange, InductionTick, User, SiteMove, Episode,
                      Client.history.model, Allocation.history.model,
                      InductionTick.history.model, User.history.model)
    }


REFUSED = [
    ("anonymous", "clients:edit"),
    ("anonymous", "clients:allocate"),
    ("colleague", "clients:edit"),
    ("colleague", "clients:allocate"),
    ("colleague", "clients:co_keyworker"),
    ("colleague", "clients:cover"),
    ("colleague", "clients:induction_tick"),
    ("keyworker", "clients:create"),
    ("keyworker", "clients:end"),
    ("keyworker", "clients:move"),
    ("colleague", "clients:move"),
    ("other_site_manager", "clients:move"),
    ("administrator", "clients:move"),
    ("keyworker", "clients:reopen"),
    ("keyworker", "clients:close_referral"),
    ("other_site_manager", "clients:close_referral"),
    ("keyworker", "clients:allocate"),
    ("keyworker", "clients:co_keyworker"),
    ("keyworker", "clients:allocation_end"),
    ("keyworker", "clients:keyworker_limit"),
    ("keyworker", "clients:transfer"),
    ("other_site_keyworker", "clients:edit"),
    ("other_site_keyworker", "clients:cover"),
    ("other_site_manager", "clients:edit"),
    ("other_site_manager", "clients:end"),
    ("other_site_manager", "clients:reopen"),
    ("other_site_manager", "clients:allocate"),
    ("other_site_manager", "clients:allocation_end"),
    ("other_site_manager", "clients:keyworker_limit"),
    ("other_site_manager", "clients:transfer"),
    ("administrator", "clients:edit"),
    ("administrator", "clients:end"),
    ("administrator", "clients:keyworker_limit"),
]

ALLOWED = [
    ("manager", "clients:create"),
    ("keyworker", "clients:edit"),
    ("manager", "clients:end"),
    ("manager", "clients:move"),
    ("keyworker", "clients:induction_tick"),
    ("manager", "clients:allocate"),
    ("manager", "clients:co_keyworker"),
    ("keyworker", "clients:cover"),
    ("manager", "clients:allocation_end"),
    ("manager", "clients:keyworker_limit"),
    ("manager", "clients:transfer"),
]


@pytest.mark.parametrize(("role", "name"), REFUSED)
def test_a_refused_post_changes_nothing(client, request, world, role, name):
    sign_in(client, request, role)
    before = snapshot()
    response = client.post(url_of(name, world), valid_post(name, world))
    assert response.status_code in (302, 403, 404)
    if response.status_code == 302:
        assert response.url.startswith(reverse("login"))
    assert snapshot() == before


@pytest.mark.parametrize(("role", "name"), ALLOWED)
def test_the_same_post_from_someone_allowed_is_saved(client, request, world, role, name):
    sign_in(client, request, role)
    before = snapshot()
    response = client.post(url_of(name, world), valid_post(name, world))
    assert response.status_code == 302
    assert snapshot() != before
