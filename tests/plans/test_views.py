import base64
import datetime
import io

from django.urls import reverse
from django.utils import timezone
from PIL import Image, ImageDraw

from plans import services
from plans.models import Action, Goal, Plan, Signature
from tests.factories import AgencyFactory, draft_plan, sign, signed_plan

TODAY = timezone.localdate
DAY = datetime.timedelta(days=1)


def drawn_signature(size=(600, 200)):
    image = Image.new("RGBA", size, (0, 0, 0, 0))
    ImageDraw.Draw(image).line([(20, 150), (200, 40), (380, 160), (560, 50)], fill="navy",
                               width=6)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def goal_post(plan, **changes):
    data = {
        "lock_version": plan.lock_version, "text": "Move into my own flat",
        "lead_agency": "", "lead_details": "",
        "actions-TOTAL_FORMS": "3", "actions-INITIAL_FORMS": "0",
        "actions-0-what": "Fill in the housing form", "actions-0-who": "client",
        "actions-0-due_on": (TODAY() + 7 * DAY).isoformat(),
        "actions-1-what": "Chase the council", "actions-1-who": "keyworker",
        "actions-1-due_on": (TODAY() + 14 * DAY).isoformat(),
        "actions-2-what": "", "actions-2-who": "", "actions-2-due_on": "",
        "milestones-TOTAL_FORMS": "1", "milestones-INITIAL_FORMS": "0",
        "milestones-0-text": "On the housing register",
        "milestones-0-target_on": (TODAY() + 30 * DAY).isoformat(),
    }
    data.update(changes)
    return data


def test_caseload_shows_the_first_plan_late_then_an_unsigned_draft(client, keyworker,
                                                                   client_record):
    client.force_login(keyworker)
    # The last day of the first week: the seventh, the day of admission being the first.
    due = client_record.admitted_on + datetime.timedelta(days=6)
    assert f"First plan late: due {due.day} {due:%b %Y}" in client.get(
        reverse("home")).content.decode()
    draft_plan(client=client_record, by=keyworker)
    page = client.get(reverse("home")).content.decode()
    assert "Draft v1 unsigned" in page and "First plan late" in page


def test_caseload_shows_an_overdue_review(client, keyworker, client_record, travel):
    travel(days=-40)
    plan = signed_plan(client=client_record, by=keyworker)
    travel.back()
    client.force_login(keyworker)
    page = client.get(reverse("home")).content.decode()
    assert f"Review overdue: {plan.review_on.day} {plan.review_on:%b %Y}" in page


def test_the_client_file_shows_the_plan_section(client, keyworker, client_record):
    signed_plan(client=client_record, by=keyworker)
    client.force_login(keyworker)
    page = client.get(reverse("clients:detail", args=[client_record.pk])).content.decode()
    assert "Support plan" in page
    assert "Version 1, signed" in page
    assert reverse("plans:sheet_pdf", args=[client_record.pk]) in page


def test_a_colleague_with_the_summary_sees_nothing_of_the_plan(client, keyworker, colleague,
                                                               client_record):
    signed_plan(client=client_record, by=keyworker)
    client.force_login(colleague)
    page = client.get(reverse("clients:detail", args=[client_record.pk])).content.decode()
    assert "Support plan" not in page
    assert "Goal 1 in my words" not in page


def test_writing_a_plan_goal_with_actions_and_milestones(client, keyworker, client_record):
    client.force_login(keyworker)
    response = client.post(reverse("plans:create", args=[client_record.pk]), {
        "starts_on": TODAY().isoformat(), "review_on": (TODAY() + 28 * DAY).isoformat(),
        "vision": "Back in touch with my son", "strengths": "", "constraints": ""})
    plan = Plan.objects.get()
    assert response.url == reverse("plans:goal_add", args=[plan.pk])
    response = client.post(response.url, goal_post(plan))
    assert response.status_code == 302
    goal = Goal.objects.get()
    assert [a.what for a in goal.actions.all()] == ["Fill in the housing form",
                                                   "Chase the council"]
    assert goal.milestones.get().text == "On the housing register"
    page = client.get(reverse("plans:detail", args=[plan.pk])).content.decode()
    assert "Move into my own flat" in page
    assert "Chase the council" in page


def test_a_bad_action_row_is_shown_next_to_the_field_and_nothing_is_lost(client, keyworker,
                                                                         client_record):
    plan = draft_plan(client=client_record, by=keyworker, goals=0)
    client.force_login(keyworker)
    response = client.post(reverse("plans:goal_add", args=[plan.pk]), goal_post(
        plan, **{"actions-1-due_on": (TODAY() - DAY).isoformat(), "actions-0-who": ""}))
    page = response.content.decode()
    assert response.status_code == 200
    assert "This is before the plan starts" in page
    assert "Fill in the housing form" in page
    assert not Goal.objects.exists()


def test_a_second_save_of_a_draft_is_refused_with_the_text_kept(client, keyworker, colleague,
                                                                client_record, manager):
    plan = draft_plan(client=client_record, by=keyworker, goals=0)
    opened = goal_post(plan, text="Kim's version of the goal")
    client.force_login(manager)
    assert client.post(reverse("plans:goal_add", args=[plan.pk]),
                       goal_post(plan, text="Maya's goal")).status_code == 302
    client.force_login(keyworker)
    response = client.post(reverse("plans:goal_add", args=[plan.pk]), opened)
    page = response.content.decode()
    assert "Someone else saved this while you were editing it" in page
    assert "Kim&#x27;s version of the goal" in page
    assert list(Goal.objects.values_list("text", flat=True)) == ["Maya's goal"]


def test_signing_on_screen_by_both_locks_the_plan(client, keyworker, client_record):
    plan = draft_plan(client=client_record, by=keyworker)
    client.force_login(keyworker)
    url = reverse("plans:sign", args=[plan.pk])
    page = client.get(url).content.decode()
    digest = services.plan_with_content(plan).digest()
    assert digest in page
    for role in ("client", "worker"):
        response = client.post(url, {"signing": role, f"{role}-content_digest": digest,
                                     f"{role}-role": role, f"{role}-method": "drawn",
                                     f"{role}-name": "Someone", f"{role}-image":
                                     drawn_signature()})
        assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.is_current
    signature = Signature.objects.get(role="client")
    stored = Image.open(io.BytesIO(bytes(signature.image)))
    assert (stored.format, stored.width) == ("PNG", 600)


def test_an_empty_drawn_signature_is_refused(client, keyworker, client_record):
    plan = draft_plan(client=client_record, by=keyworker)
    client.force_login(keyworker)
    blank = "data:image/png;base64," + base64.b64encode(_png(Image.new("RGBA", (300, 100)))
                                                         ).decode()
    response = client.post(reverse("plans:sign", args=[plan.pk]), {
        "signing": "client", "client-content_digest": services.plan_with_content(plan).digest(),
        "client-role": "client", "client-method": "drawn", "client-name": "Dee",
        "client-image": blank})
    assert "The signature box is empty" in response.content.decode()
    assert not Signature.objects.exists()


def _png(image):
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def test_a_change_shows_what_changed_between_versions(client, keyworker, client_record):
    plan = signed_plan(client=client_record, by=keyworker)
    client.force_login(keyworker)
    response = client.post(reverse("plans:revise", args=[plan.pk]))
    draft = Plan.objects.get(number=2)
    assert response.url == draft.get_absolute_url()
    goal = draft.goals.get()
    services.goal_save(plan=draft, goal=goal, lock_version=draft.lock_version, by=keyworker,
                       text="Goal 1 in my own words, changed",
                       actions=[{"id": a.pk, "what": a.what, "who": a.who, "agency": None,
                                 "due_on": a.due_on} for a in goal.actions.all()]
                       + [{"what": "Visit the college", "who": "client",
                           "due_on": TODAY() + 3 * DAY}],
                       milestones=[{"id": m.pk, "delete": True} for m in goal.milestones.all()])
    page = client.get(reverse("plans:compare", args=[draft.pk])).content.decode()
    assert "What changed from version 1 to version 2" in page
    assert "changed</ins>" in page
    assert "Visit the college" in page
    assert page.count(">removed</span>") == 1, "the milestone was taken out"


def test_editing_a_signed_version_redirects_with_a_message(client, keyworker, client_record):
    plan = signed_plan(client=client_record, by=keyworker)
    client.force_login(keyworker)
    response = client.get(reverse("plans:edit", args=[plan.pk]), follow=True)
    assert "can no longer change" in response.content.decode()


def test_recording_progress_on_an_action(client, keyworker, client_record):
    plan = signed_plan(client=client_record, by=keyworker)
    action = Action.objects.filter(goal__plan=plan).first()
    client.force_login(keyworker)
    client.post(reverse("plans:action_progress", args=[action.pk]),
                {"outcome": "changed", "learnt": "Needed a different form"})
    action.refresh_from_db()
    assert (action.outcome, action.learnt, action.outcome_by) == (
        "changed", "Needed a different form", keyworker)


def test_the_managers_list_shows_plans_needing_attention(client, manager, keyworker,
                                                         client_record, colleagues_client,
                                                         travel):
    travel(days=-40)
    signed_plan(client=client_record, by=keyworker)
    travel.back()
    client.force_login(manager)
    page = client.get(reverse("plans:reviews")).content.decode()
    assert "Dee Harper" in page and "Review overdue: " in page
    assert ">Due</span>" in page
    assert "Rob Quinn" in page and "No plan yet" in page
    page = client.get(reverse("plans:reviews") + "?show=overdue").content.decode()
    assert "Rob Quinn" not in page


def test_referral_shown_on_the_file_and_its_agency_usable_as_an_actions_who(
        client, keyworker, client_record, site):
    agency = AgencyFactory(site=site, name="Northfield Housing Options")
    client.force_login(keyworker)
    client.post(reverse("plans:referral_create", args=[client_record.pk]), {
        "agency": agency.pk, "made_on": TODAY().isoformat(), "reason": "Needs a flat",
        "follow_up_on": (TODAY() + 7 * DAY).isoformat(), "basis": "now",
        "consent_how": "verbally", "consent_expires_on": (TODAY() + 90 * DAY).isoformat()})
    page = client.get(reverse("clients:detail", args=[client_record.pk])).content.decode()
    assert "Northfield Housing Options" in page
    plan = draft_plan(client=client_record, by=keyworker, goals=0)
    client.post(reverse("plans:goal_add", args=[plan.pk]), goal_post(
        plan, **{"actions-1-who": "agency", "actions-1-agency": agency.pk}))
    assert Action.objects.get(who="agency").who_label == "Northfield Housing Options"


def test_the_agreement_is_prepared_from_the_sites_text_and_signed(client, keyworker,
                                                                  client_record):
    client.force_login(keyworker)
    response = client.post(reverse("plans:agreement", args=[client_record.pk]))
    agreement = client_record.agreements.get()
    assert response.url == agreement.get_absolute_url()
    page = client.get(response.url).content.decode()
    assert "at least one booked keywork session a week" in page
    sign(agreement, by=keyworker, role="client")
    sign(agreement, by=keyworker, role="worker")
    response = client.get(reverse("plans:agreement", args=[client_record.pk]))
    assert response.url == agreement.get_absolute_url()


def test_a_manager_edits_the_sites_agreement_text(client, manager, site):
    client.force_login(manager)
    url = reverse("plans:agreement_template") + f"?site={site.pk}"
    assert "Keywork agreement text" in client.get(url).content.decode()
    response = client.post(url, {"sessions": "Every Monday", "can_expect": "Support",
                                 "expected_of_client": "Come along",
                                 "confidentiality": "Private unless someone is at risk",
                                 "review_interval_weeks": "6"})
    assert response.status_code == 302
    site.agreement_template.refresh_from_db()
    assert site.agreement_template.review_interval_weeks == 6


def test_the_plan_page_shows_a_print_at_once_though_it_is_kept_in_the_cache(
        client, keyworker, client_record):
    """The page is kept until the data changes; a print (a table the cache does not
    watch) keys it, so the print is listed on the next opening."""
    plan = signed_plan(client=client_record, by=keyworker)
    client.force_login(keyworker)
    url = reverse("plans:detail", args=[plan.pk])
    assert "PDF opened" not in client.get(url).content.decode()
    assert client.get(reverse("plans:pdf", args=[plan.pk])).status_code == 200
    assert "PDF opened" in client.get(url).content.decode()
    # A change to the plan shows at once too.
    Goal.objects.filter(plan=plan).update(text="Find a flat near my sister")
    assert "Find a flat near my sister" in client.get(url).content.decode()
