"""Who may do what in the diary: every diary URL, for every member of the cast, GET and POST.

The sessions in question are Dee Harper's (at Riverside, on Kim's caseload): one booked an
hour ago with Kim, alone with Dee, not logged yet; one held last week with a risk for the
team. The contact was logged by Sam, Kim's colleague, who sees Dee only as a summary.
"""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from diary import calendars, services
from diary.models import (
    CalendarFeed,
    Contact,
    DiarySettings,
    KeyworkSession,
    SessionAddendum,
)
from tests.clients.test_access import LOGIN, OK, ROLES, assert_outcome, sign_in
from tests.diary.conftest import DAY, ago, an_hour_ago_on_one_day
from tests.factories import ContactFactory, KeyworkSessionFactory, local_moment

MATRIX = {
    "diary:today": (LOGIN, OK, OK, OK, OK, OK, 403),
    "diary:due_count": (LOGIN, OK, OK, OK, OK, OK, 403),
    "diary:week": (LOGIN, OK, OK, OK, OK, OK, 403),
    "diary:worker_week": (LOGIN, OK, OK, 404, OK, 404, 403),
    "diary:site_week": (LOGIN, OK, OK, 404, OK, 404, 403),
    "diary:book": (LOGIN, OK, OK, OK, OK, OK, 403),
    "diary:out": (LOGIN, 403, 403, 403, OK, OK, 403),
    "diary:settings": (LOGIN, 403, 403, 403, OK, OK, 403),
    "diary:session": (LOGIN, OK, 403, 404, OK, 404, 404),
    "diary:edit": (LOGIN, OK, 403, 404, OK, 404, 404),
    "diary:log": (LOGIN, OK, 403, 404, OK, 404, 404),
    "diary:cancel": (LOGIN, OK, 403, 404, OK, 404, 404),
    "diary:cadence": (LOGIN, OK, 403, 404, OK, 404, 404),
    "diary:addendum": (LOGIN, OK, 403, 404, OK, 404, 404),
    "diary:strike": (LOGIN, OK, 403, 404, OK, 404, 404),
    "diary:check_in": (LOGIN, OK, 403, 404, OK, 404, 404),
    "diary:risk_resolve": (LOGIN, 403, 403, 404, OK, 404, 404),
    "diary:contact_log": (LOGIN, OK, OK, 404, OK, 404, 404),
    "diary:contact_strike": (LOGIN, 403, OK, 404, OK, 404, 404),
    "diary:session_approval": (LOGIN, 403, 403, 404, OK, 404, 404),
    "diary:contact_approval": (LOGIN, 403, 403, 404, OK, 404, 404),
    # Calendars: anyone who keeps a diary has a feed of their own; one session's file for
    # its client goes to whoever may open the session.
    "diary:calendar": (LOGIN, OK, OK, OK, OK, OK, 403),
    "diary:calendar_on": (LOGIN, OK, OK, OK, OK, OK, 403),
    "diary:calendar_replace": (LOGIN, OK, OK, OK, OK, OK, 403),
    "diary:calendar_off": (LOGIN, OK, OK, OK, OK, OK, 403),
    "diary:session_ics": (LOGIN, OK, 403, 404, OK, 404, 404),
    # No login: the key in the address is all (Kim's feed; the link to Dee's session).
    "diary:calendar_feed": (OK, OK, OK, OK, OK, OK, OK),
    "diary:session_calendar_link": (OK, OK, OK, OK, OK, OK, OK),
}

POST_ONLY = {"diary:addendum", "diary:check_in", "diary:risk_resolve", "diary:contact_log",
             "diary:calendar_on"}
# Files: a POST is refused (405) before anything else, by everyone the login lets through.
GET_ONLY = {"diary:session_ics", "diary:calendar_feed", "diary:session_calendar_link"}
OPEN_WITH_A_KEY = {"diary:calendar_feed", "diary:session_calendar_link"}


@pytest.fixture
def world(request, client_record, keyworker, colleague, manager, site):
    # Everyone who keeps a diary has a live feed (replace and turn off ask to confirm).
    tokens = {role: services.calendar_feed_create(user=request.getfixturevalue(role))[1]
              for role in ("keyworker", "colleague", "other_site_keyworker", "manager",
                           "other_site_manager")}
    session = KeyworkSessionFactory(client=client_record, worker=keyworker,
                                    starts_at=an_hour_ago_on_one_day(), lone_working=True,
                                    expected_back_at=ago(minutes=10))
    return {
        "tokens": tokens,
        "link_key": calendars.link_key(session),
        "session": session,
        "held": KeyworkSessionFactory(client=client_record, worker=keyworker, held=True,
                                      starts_at=ago(days=7), risks="Threatened by a visitor"),
        "contact": ContactFactory(client=client_record, by=colleague),
        # Recorded three weeks late by Kim (and Sam), past the approval limit.
        "late": KeyworkSessionFactory(client=client_record, worker=keyworker, held=True,
                                      starts_at=ago(days=21), logged_at=timezone.now(),
                                      late_reason="Back from leave", approval="awaiting"),
        "late_contact": ContactFactory(client=client_record, by=colleague, at=ago(days=20),
                                       late_reason="Paper notes", approval="awaiting"),
        "client": client_record, "keyworker": keyworker, "site": site,
    }


def url_of(name, world):
    args = {
        "diary:today": [], "diary:due_count": [], "diary:week": [], "diary:book": [],
        "diary:out": [], "diary:settings": [],
        "diary:calendar": [], "diary:calendar_on": [], "diary:calendar_replace": [],
        "diary:calendar_off": [],
        "diary:calendar_feed": [world["tokens"]["keyworker"]],
        "diary:session_calendar_link": [world["link_key"]],
        "diary:worker_week": [world["keyworker"].pk],
        "diary:site_week": [world["site"].pk],
        "diary:addendum": [world["held"].pk],
        "diary:risk_resolve": [world["held"].pk],
        "diary:contact_log": [world["client"].pk],
        "diary:cadence": [world["client"].pk],
        "diary:contact_strike": [world["contact"].pk],
        "diary:session_approval": [world["late"].pk],
        "diary:contact_approval": [world["late_contact"].pk],
    }.get(name, [world["session"].pk])
    return reverse(name, args=args)


@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize("name", MATRIX)
@pytest.mark.parametrize("role", ROLES)
def test_each_role_gets_only_what_the_access_rules_allow(client, request, world, role, name,
                                                         method):
    sign_in(client, request, role)
    expected = MATRIX[name][ROLES.index(role)]
    if method == "get" and name in POST_ONLY and role != "anonymous":
        expected = 405
    if method == "post" and name in GET_ONLY and (role != "anonymous"
                                                  or name in OPEN_WITH_A_KEY):
        expected = 405
    response = getattr(client, method)(url_of(name, world))
    assert_outcome(response, expected, method)


def valid_post(name, world):
    start = timezone.localtime(world["session"].starts_at)
    tomorrow = timezone.localdate() + DAY
    return {
        "diary:book": {"client": world["client"].pk, "worker": world["keyworker"].pk,
                       "day": tomorrow.isoformat(), "start": "10:00", "end": "11:00",
                       "place": "site_room"},
        "diary:edit": {"version": world["session"].version, "worker": world["keyworker"].pk,
                       "day": tomorrow.isoformat(), "start": "12:00", "end": "13:00",
                       "place": "site_room"},
        "diary:log": {"version": world["session"].version, "status": "attended",
                      "worker": world["keyworker"].pk, "day": start.date().isoformat(),
                      "start": start.strftime("%H:%M"),
                      "end": (start + datetime.timedelta(minutes=30)).strftime("%H:%M"),
                      "discussed": "The housing form"},
        "diary:addendum": {"text": "He rang afterwards."},
        "diary:strike": {"reason": "Booked by mistake"},
        "diary:check_in": {},
        "diary:risk_resolve": {"note": "Visitor banned"},
        "diary:contact_log": {"kind": "phone", "note": "Rang about the post"},
        "diary:contact_strike": {"reason": "Wrong client"},
        "diary:settings": {"sessions_per_week": 2, "edit_window_days": 14,
                           "late_window_days": 60, "late_approval_days": 21},
        "diary:session_approval": {"action": "approve", "note": ""},
        "diary:contact_approval": {"action": "send_back", "note": "Which day was it?"},
        "diary:calendar_on": {}, "diary:calendar_replace": {}, "diary:calendar_off": {},
    }[name]


def snapshot():
    return {
        model._meta.label: list(model.objects.order_by("pk").values())
        for model in (KeyworkSession, Contact, SessionAddendum, DiarySettings, CalendarFeed,
                      KeyworkSession.history.model, Contact.history.model,
                      SessionAddendum.history.model, DiarySettings.history.model)
    }


REFUSED = [
    ("anonymous", "diary:book"),
    ("anonymous", "diary:contact_log"),
    ("colleague", "diary:book"),
    ("colleague", "diary:edit"),
    ("colleague", "diary:log"),
    ("colleague", "diary:addendum"),
    ("colleague", "diary:strike"),
    ("colleague", "diary:check_in"),
    ("colleague", "diary:risk_resolve"),
    ("keyworker", "diary:risk_resolve"),
    ("keyworker", "diary:contact_strike"),
    ("keyworker", "diary:settings"),
    ("other_site_keyworker", "diary:book"),
    ("other_site_keyworker", "diary:log"),
    ("other_site_keyworker", "diary:contact_log"),
    ("other_site_manager", "diary:log"),
    ("other_site_manager", "diary:strike"),
    ("other_site_manager", "diary:risk_resolve"),
    ("other_site_manager", "diary:contact_log"),
    ("other_site_manager", "diary:contact_strike"),
    ("administrator", "diary:book"),
    ("administrator", "diary:log"),
    ("administrator", "diary:contact_log"),
    ("administrator", "diary:settings"),
    ("keyworker", "diary:session_approval"),
    ("colleague", "diary:contact_approval"),
    ("other_site_manager", "diary:session_approval"),
    ("other_site_manager", "diary:contact_approval"),
    ("anonymous", "diary:calendar_on"),
    ("anonymous", "diary:calendar_replace"),
    ("anonymous", "diary:calendar_off"),
    ("administrator", "diary:calendar_on"),
    ("administrator", "diary:calendar_replace"),
    ("administrator", "diary:calendar_off"),
]

ALLOWED = [
    ("keyworker", "diary:book"),
    ("manager", "diary:book"),
    ("keyworker", "diary:edit"),
    ("keyworker", "diary:log"),
    ("manager", "diary:log"),
    ("keyworker", "diary:addendum"),
    ("keyworker", "diary:strike"),
    ("manager", "diary:strike"),
    ("keyworker", "diary:check_in"),
    ("manager", "diary:check_in"),
    ("manager", "diary:risk_resolve"),
    ("colleague", "diary:contact_log"),
    ("colleague", "diary:contact_strike"),
    ("manager", "diary:contact_strike"),
    ("manager", "diary:settings"),
    ("manager", "diary:session_approval"),
    ("manager", "diary:contact_approval"),
    ("keyworker", "diary:calendar_replace"),
    ("colleague", "diary:calendar_off"),
    ("other_site_manager", "diary:calendar_replace"),
]


@pytest.mark.parametrize(("role", "name"), REFUSED)
def test_a_refused_post_changes_nothing(client, request, world, role, name):
    sign_in(client, request, role)
    before = snapshot()
    response = client.post(url_of(name, world), valid_post(name, world))
    # The booking form answers a client the user may not book for with the form again.
    allowed_codes = (200, 302, 403, 404) if name == "diary:book" else (302, 403, 404)
    assert response.status_code in allowed_codes
    if response.status_code == 302 and role == "anonymous":
        assert response.url.startswith(reverse("login"))
    assert snapshot() == before


@pytest.mark.parametrize(("role", "name"), ALLOWED)
def test_the_same_post_from_someone_allowed_is_saved(client, request, world, role, name):
    sign_in(client, request, role)
    before = snapshot()
    response = client.post(url_of(name, world), valid_post(name, world))
    assert response.status_code == 302
    assert snapshot() != before


def test_a_session_of_another_site_is_not_found_even_by_a_manager(client, manager,
                                                                  other_site_client,
                                                                  other_site_keyworker):
    elsewhere = KeyworkSessionFactory(client=other_site_client, worker=other_site_keyworker,
                                      starts_at=local_moment(timezone.localdate(), 9))
    client.force_login(manager)
    assert client.get(reverse("diary:session", args=[elsewhere.pk])).status_code == 404


def test_the_matrices_cover_every_diary_url():
    from diary.urls import urlpatterns
    from tests.diary.test_absence_access import MATRIX as ABSENCE_MATRIX

    assert {f"diary:{p.name}" for p in urlpatterns} == set(MATRIX) | set(ABSENCE_MATRIX)


def test_a_session_file_is_for_the_same_people_as_the_session(client, request, world):
    for role in ROLES:
        client.logout()
        sign_in(client, request, role)
        page = client.get(url_of("diary:session", world)).status_code
        ics = client.get(url_of("diary:session_ics", world)).status_code
        assert (role, page) == (role, ics)
