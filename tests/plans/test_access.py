"""Who sees what: every plans URL, for every member of the cast, by GET and by POST.

The client in question is `client_record` (Dee Harper, at Riverside, on Kim's caseload).
She has a signed plan that started five weeks ago (so the manager's review is open), a draft
change of it, a signed agreement with a draft change, and a referral. Plans are part of the
full file: site colleagues who see only Dee's summary get 403, other sites 404.
"""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from plans import services
from plans.models import (
    Action,
    Agency,
    Agreement,
    AgreementTemplate,
    Consent,
    DocumentAccess,
    Goal,
    ManagerReview,
    Milestone,
    PaperOriginal,
    Plan,
    Referral,
    Review,
    ReviewItem,
    Signature,
)
from tests.clients.test_access import LOGIN, OK, ROLES, sign_in
from tests.factories import (
    AgencyFactory,
    client_with_keyworker,
    consent_now,
    paper_plan,
    sign,
    signed_plan,
)
from tests.responses import body_of
from tests.stages.factories import pdf_upload

DAY = datetime.timedelta(days=1)
MOVED = "moved"  # 302 somewhere other than the login page

# One row per URL, one column per role, in the order of ROLES:
# anonymous, keyworker, colleague, other_site_keyworker, manager, other_site_manager,
# administrator.
MATRIX = {
    "plans:client": (LOGIN, MOVED, 403, 404, MOVED, 404, 404),
    "plans:create": (LOGIN, MOVED, 403, 404, MOVED, 404, 404),
    "plans:detail": (LOGIN, OK, 403, 404, OK, 404, 404),
    "plans:edit": (LOGIN, OK, 403, 404, OK, 404, 404),
    "plans:goal_add": (LOGIN, OK, 403, 404, OK, 404, 404),
    "plans:goal_edit": (LOGIN, OK, 403, 404, OK, 404, 404),
    "plans:goal_delete": (LOGIN, MOVED, 403, 404, MOVED, 404, 404),
    "plans:sign": (LOGIN, OK, 403, 404, OK, 404, 404),
    "plans:paper_sign": (LOGIN, OK, 403, 404, OK, 404, 404),
    "plans:paper_file": (LOGIN, OK, 403, 404, OK, 404, 404),
    "plans:revise": (LOGIN, MOVED, 403, 404, MOVED, 404, 404),
    "plans:compare": (LOGIN, OK, 403, 404, OK, 404, 404),
    "plans:review": (LOGIN, OK, 403, 404, OK, 404, 404),
    "plans:manager_review": (LOGIN, 403, 403, 404, OK, 404, 404),
    "plans:pdf": (LOGIN, OK, 403, 404, OK, 404, 404),
    "plans:action_progress": (LOGIN, MOVED, 403, 404, MOVED, 404, 404),
    "plans:milestone_reached": (LOGIN, MOVED, 403, 404, MOVED, 404, 404),
    "plans:reviews": (LOGIN, 403, 403, 403, OK, OK, 403),
    "plans:agreement_template": (LOGIN, 403, 403, 403, OK, OK, 403),
    "plans:agreement": (LOGIN, MOVED, 403, 404, MOVED, 404, 404),
    "plans:agreement_detail": (LOGIN, OK, 403, 404, OK, 404, 404),
    "plans:agreement_edit": (LOGIN, OK, 403, 404, OK, 404, 404),
    "plans:agreement_sign": (LOGIN, OK, 403, 404, OK, 404, 404),
    "plans:agreement_revise": (LOGIN, MOVED, 403, 404, MOVED, 404, 404),
    "plans:agreement_pdf": (LOGIN, OK, 403, 404, OK, 404, 404),
    "plans:sheet_pdf": (LOGIN, OK, 403, 404, OK, 404, 404),
    "plans:documents": (LOGIN, OK, 403, 404, OK, 404, 404),
    # Only once the stay has ended (tests/plans/test_ending_letter.py): Dee is still here.
    "plans:ending_letter_pdf": (LOGIN, 404, 403, 404, 404, 404, 404),
    "plans:agencies": (LOGIN, OK, OK, OK, OK, OK, 403),
    "plans:agency_create": (LOGIN, 403, 403, 403, OK, OK, 403),
    "plans:agency_edit": (LOGIN, 403, 403, 403, OK, 404, 403),
    "plans:referral_create": (LOGIN, OK, 403, 404, OK, 404, 404),
    "plans:referral_edit": (LOGIN, OK, 403, 404, OK, 404, 404),
    "plans:consents": (LOGIN, OK, 403, 404, OK, 404, 404),
    "plans:consent_create": (LOGIN, OK, 403, 404, OK, 404, 404),
    "plans:consent_withdraw": (LOGIN, OK, 403, 404, OK, 404, 404),
}

# Answered with 405 to any GET from a signed-in user, before anyone's rights are looked at.
POST_ONLY = {"plans:goal_delete", "plans:revise", "plans:action_progress",
             "plans:milestone_reached", "plans:agreement_revise"}

# Answered with 405 to any POST from a signed-in user: files are only read.
GET_ONLY = {"plans:paper_file"}


@pytest.fixture
def world(client_record, keyworker, colleague, manager, travel, settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path
    paper = paper_plan(client=client_with_keyworker(site=client_record.site,
                                                    keyworker=keyworker, first_name="Pat"),
                       by=keyworker)
    travel(days=-35)
    plan = signed_plan(client=client_record, by=keyworker)
    for action in Action.objects.filter(goal__plan=plan):
        services.action_progress(action=action, outcome="done", by=keyworker)
    travel.back()
    draft = services.plan_revise(plan=plan, by=keyworker)
    agreement = services.agreement_prepare(client=client_record, by=keyworker)
    sign(agreement, by=keyworker, role="client")
    agreement = sign(agreement, by=keyworker, role="worker")
    agency = AgencyFactory(site=client_record.site, name="Housing Options")
    return {
        "client": client_record,
        "plan": plan,
        "paper": paper,
        "draft": draft,
        "draft_goal": draft.goals.get(),
        "action": Action.objects.filter(goal__plan=plan).first(),
        "milestone": Milestone.objects.filter(goal__plan=plan).first(),
        "agreement": agreement,
        "agreement_draft": services.agreement_revise(agreement=agreement, by=keyworker),
        "agency": agency,
        "referral": services.referral_make(client=client_record, agency=agency,
                                           made_on=timezone.localdate(), reason="Flat",
                                           by=keyworker, new_consent=consent_now()),
    }


def url_of(name, world):
    args = {
        "plans:client": [world["client"].pk],
        "plans:create": [world["client"].pk],
        "plans:agreement": [world["client"].pk],
        "plans:referral_create": [world["client"].pk],
        "plans:consents": [world["client"].pk],
        "plans:consent_create": [world["client"].pk],
        "plans:consent_withdraw": [world["referral"].consent_id],
        "plans:sheet_pdf": [world["client"].pk],
        "plans:documents": [world["client"].pk],
        "plans:ending_letter_pdf": [world["client"].pk],
        "plans:detail": [world["plan"].pk],
        "plans:revise": [world["plan"].pk],
        "plans:review": [world["plan"].pk],
        "plans:manager_review": [world["plan"].pk],
        "plans:pdf": [world["plan"].pk],
        "plans:edit": [world["draft"].pk],
        "plans:goal_add": [world["draft"].pk],
        "plans:sign": [world["draft"].pk],
        "plans:paper_sign": [world["draft"].pk],
        "plans:paper_file": [world["paper"].pk],
        "plans:compare": [world["draft"].pk],
        "plans:goal_edit": [world["draft"].pk, world["draft_goal"].pk],
        "plans:goal_delete": [world["draft"].pk, world["draft_goal"].pk],
        "plans:action_progress": [world["action"].pk],
        "plans:milestone_reached": [world["milestone"].pk],
        "plans:agreement_detail": [world["agreement"].pk],
        "plans:agreement_revise": [world["agreement"].pk],
        "plans:agreement_pdf": [world["agreement"].pk],
        "plans:agreement_edit": [world["agreement_draft"].pk],
        "plans:agreement_sign": [world["agreement_draft"].pk],
        "plans:agency_edit": [world["agency"].pk],
        "plans:referral_edit": [world["referral"].pk],
    }.get(name, [])
    return reverse(name, args=args)


def outcome(response, method):
    """What a response amounts to, in the matrix's terms."""
    body_of(response)
    login = reverse("login")
    if response.status_code == 302:
        return LOGIN if response.url.startswith(login + "?next=") else MOVED
    if response.status_code == 200:
        return OK
    return response.status_code


def expected_outcome(name, role, method):
    expected = MATRIX[name][ROLES.index(role)]
    if method == "get" and name in POST_ONLY and role != "anonymous":
        return 405
    if method == "post" and name in GET_ONLY and role != "anonymous":
        return 405
    if expected == OK and method == "post":
        return {OK, MOVED}
    return {expected}


@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize("role", ROLES)
def test_each_role_gets_only_what_the_access_rules_allow(client, request, world, role, method):
    """Every URL for one role and one method, in one test: building Dee's world once per
    role rather than once per URL keeps the suite within its time. A bare POST carries no
    valid form, so it changes nothing that a later URL of the loop depends on."""
    sign_in(client, request, role)
    wrong = []
    for name in MATRIX:
        got = outcome(getattr(client, method)(url_of(name, world)), method)
        expected = expected_outcome(name, role, method)
        if got not in (expected if isinstance(expected, set) else {expected}):
            wrong.append(f"{method.upper()} {name}: {got}, expected {expected}")
    assert not wrong, "\n".join(wrong)


def test_every_plans_url_is_in_the_matrix():
    from plans.urls import urlpatterns

    assert {f"plans:{p.name}" for p in urlpatterns} == set(MATRIX)


# Refused POSTs: the data would be accepted from someone allowed (see the test after), so a
# refusal leaves the database exactly as it was for a reason of rights, not of bad data.


def valid_post(name, world):
    today = timezone.localdate()
    plan, draft = world["plan"], world["draft"]
    review = {"held_on": today.isoformat(), "client_view": "Getting there",
              "decision": "continue", "next_review_on": (today + 28 * DAY).isoformat()}
    for action in Action.objects.filter(goal__plan=plan):
        review[f"action-{action.pk}-outcome"] = "done"
    digest = services.plan_with_content(draft).digest()
    goal = world["draft_goal"]
    return {
        "plans:edit": {"lock_version": draft.lock_version, "starts_on": today.isoformat(),
                       "review_on": (today + 28 * DAY).isoformat(), "vision": "New picture",
                       "strengths": "", "constraints": ""},
        "plans:goal_add": {
            "lock_version": draft.lock_version, "text": "Back to college",
            "actions-TOTAL_FORMS": "1", "actions-INITIAL_FORMS": "0",
            "actions-0-what": "Visit the open day", "actions-0-who": "client",
            "actions-0-due_on": (today + 5 * DAY).isoformat(),
            "milestones-TOTAL_FORMS": "0", "milestones-INITIAL_FORMS": "0"},
        "plans:goal_delete": {"lock_version": draft.lock_version},
        "plans:goal_edit": {
            "lock_version": draft.lock_version, "text": "Reworded goal",
            "actions-TOTAL_FORMS": "1", "actions-INITIAL_FORMS": "1",
            "actions-0-id": goal.actions.first().pk, "actions-0-what": "Reworded action",
            "actions-0-who": "keyworker", "actions-0-due_on": (today + 3 * DAY).isoformat(),
            "milestones-TOTAL_FORMS": "0", "milestones-INITIAL_FORMS": "0"},
        "plans:sign": {"signing": "client", "client-content_digest": digest,
                       "client-role": "client", "client-method": "typed",
                       "client-name": "Dee Harper", "client-agreed_in_person": "on"},
        "plans:review": review,
        "plans:paper_sign": {"scan": pdf_upload("signed.pdf"),
                             "signed_on": draft.starts_on.isoformat(),
                             "client_name": "Dee Harper", "worker_name": "Kim Lowe"},
        "plans:manager_review": {"comments": "A realistic plan in Dee's words."},
        "plans:action_progress": {"outcome": "done", "learnt": "Went with a friend"},
        "plans:milestone_reached": {"reached_on": today.isoformat()},
        "plans:agreement_edit": {"lock_version": world["agreement_draft"].lock_version,
                                 "sessions": "Twice a week", "can_expect": "Support",
                                 "expected_of_client": "Come along",
                                 "confidentiality": "Private unless someone is at risk"},
        "plans:agreement_sign": {"signing": "worker",
                                 "worker-content_digest": world["agreement_draft"].digest(),
                                 "worker-role": "worker", "worker-method": "typed",
                                 "worker-name": "Kim"},
        "plans:agreement_template": {"sessions": "Every Monday", "can_expect": "Support",
                                     "expected_of_client": "Come along",
                                     "confidentiality": "Private", "review_interval_weeks": 6},
        "plans:agency_create": {"name": "Food bank", "service": "Food parcels",
                                "is_active": "on"},
        "plans:agency_edit": {"name": "Housing Options (council)", "is_active": "on"},
        "plans:referral_create": {"agency": world["agency"].pk, "made_on": today.isoformat(),
                                  "reason": "Benefits check", "basis": "held"},
        "plans:consents": {},
        "plans:consent_create": {"agency_kind": "money", "purpose": "Benefits check",
                                 "how": "in_writing", "given_on": today.isoformat(),
                                 "expires_on": (today + 90 * DAY).isoformat()},
        "plans:consent_withdraw": {"on": today.isoformat(), "note": "Changed their mind"},
        "plans:referral_edit": {"outcome": "accepted", "outcome_note": "Seen Monday"},
    }[name]


def snapshot():
    """Every row a plans POST could write, as plain values."""
    models = (Plan, PaperOriginal, Goal, Action, Milestone, Signature, Review, ReviewItem,
              ManagerReview, Agreement, AgreementTemplate, Agency, Referral, DocumentAccess,
              Consent)
    return {
        model._meta.label: list(model.objects.order_by("pk").values())
        for model in models + tuple(m.history.model for m in models
                                    if hasattr(m, "history"))
    }


REFUSED = [
    ("anonymous", "plans:goal_add"),
    ("anonymous", "plans:sign"),
    ("colleague", "plans:goal_add"),
    ("colleague", "plans:goal_edit"),
    ("colleague", "plans:goal_delete"),
    ("colleague", "plans:sign"),
    ("colleague", "plans:paper_sign"),
    ("administrator", "plans:paper_sign"),
    ("colleague", "plans:review"),
    ("colleague", "plans:action_progress"),
    ("colleague", "plans:agreement_sign"),
    ("colleague", "plans:referral_create"),
    ("colleague", "plans:consent_create"),
    ("colleague", "plans:consent_withdraw"),
    ("other_site_manager", "plans:consent_create"),
    ("other_site_keyworker", "plans:consent_withdraw"),
    ("keyworker", "plans:manager_review"),
    ("keyworker", "plans:agreement_template"),
    ("keyworker", "plans:agency_create"),
    ("keyworker", "plans:agency_edit"),
    ("other_site_keyworker", "plans:edit"),
    ("other_site_keyworker", "plans:milestone_reached"),
    ("other_site_manager", "plans:goal_add"),
    ("other_site_manager", "plans:manager_review"),
    ("other_site_manager", "plans:agency_edit"),
    ("other_site_manager", "plans:referral_edit"),
    ("administrator", "plans:sign"),
    ("administrator", "plans:agreement_edit"),
    ("administrator", "plans:agency_create"),
]

ALLOWED = [
    ("keyworker", "plans:edit"),
    ("keyworker", "plans:goal_add"),
    ("keyworker", "plans:goal_edit"),
    ("keyworker", "plans:goal_delete"),
    ("keyworker", "plans:sign"),
    ("keyworker", "plans:review"),
    ("manager", "plans:manager_review"),
    ("manager", "plans:paper_sign"),
    ("keyworker", "plans:action_progress"),
    ("keyworker", "plans:milestone_reached"),
    ("keyworker", "plans:agreement_edit"),
    ("keyworker", "plans:agreement_sign"),
    ("manager", "plans:agreement_template"),
    ("manager", "plans:agency_create"),
    ("manager", "plans:agency_edit"),
    ("keyworker", "plans:referral_create"),
    ("keyworker", "plans:referral_edit"),
    ("keyworker", "plans:consent_create"),
    ("keyworker", "plans:consent_withdraw"),
    ("manager", "plans:consent_withdraw"),
]


@pytest.mark.parametrize(("role", "name"), REFUSED)
def test_a_refused_post_changes_nothing(client, request, world, role, name):
    sign_in(client, request, role)
    data = valid_post(name, world)
    before = snapshot()
    response = client.post(url_of(name, world), data)
    assert response.status_code in (302, 403, 404)
    if response.status_code == 302:
        assert response.url.startswith(reverse("login"))
    assert snapshot() == before


@pytest.mark.parametrize(("role", "name"), ALLOWED)
def test_the_same_post_from_someone_allowed_is_saved(client, request, world, role, name):
    sign_in(client, request, role)
    data = valid_post(name, world)
    before = snapshot()
    response = client.post(url_of(name, world), data)
    assert response.status_code == 302, response.content.decode()[-3000:]
    assert snapshot() != before
