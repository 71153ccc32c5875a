import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from keywork.lib.stale import StaleEdit
from plans import selectors, services
from plans.models import (
    Action,
    Agreement,
    AgreementTemplate,
    Goal,
    ManagerReview,
    Plan,
    Review,
    Signature,
)
from tests.factories import AgencyFactory, consent_now, draft_plan, sign, signed_plan

TODAY = timezone.localdate
DAY = datetime.timedelta(days=1)


def _goal(plan, by, **changes):
    fields = {
        "plan": plan, "lock_version": plan.lock_version, "by": by, "text": "Get a flat",
        "actions": [{"what": "Ring the council", "who": "client", "due_on": TODAY() + DAY}],
        "milestones": [{"text": "On the housing list", "target_on": TODAY() + 30 * DAY}],
    }
    fields.update(changes)
    return services.goal_save(**fields)


# Writing a draft --------------------------------------------------------------------------


def test_a_first_plan_starts_as_draft_version_one(client_record, keyworker):
    plan = services.plan_start(client=client_record, by=keyworker, starts_on=TODAY(),
                               review_on=TODAY() + 28 * DAY, vision="My own place")
    assert (plan.number, plan.is_draft, plan.created_by) == (1, True, keyworker)
    assert plan.history.count() == 1


def test_a_first_plan_brought_in_from_paper_may_have_passed_its_review_date(client_record,
                                                                           keyworker):
    plan = services.plan_start(client=client_record, by=keyworker,
                               starts_on=TODAY() - 60 * DAY, review_on=TODAY() - DAY)
    assert plan.review_on == TODAY() - DAY
    assert selectors.review_state(selectors.review_date(plan)) == "overdue"


def test_a_review_date_before_the_start_is_refused_even_for_a_paper_plan(client_record,
                                                                         keyworker):
    with pytest.raises(ValidationError) as error:
        services.plan_start(client=client_record, by=keyworker, starts_on=TODAY() - 30 * DAY,
                            review_on=TODAY() - 40 * DAY)
    assert "must come after the plan starts" in error.value.message_dict["review_on"][0]
    assert not Plan.objects.exists()


def test_a_revised_version_cannot_have_a_review_date_in_the_past(client_record, keyworker):
    plan = services.plan_start(client=client_record, by=keyworker,
                               starts_on=TODAY() - 60 * DAY, review_on=TODAY() + 9 * DAY)
    _goal(plan, keyworker)
    sign(plan, by=keyworker, role="client")
    revised = services.plan_revise(plan=sign(plan, by=keyworker, role="worker"), by=keyworker)
    with pytest.raises(ValidationError) as error:
        services.plan_update(plan=revised, lock_version=revised.lock_version, by=keyworker,
                             starts_on=TODAY() - 30 * DAY, review_on=TODAY() - DAY)
    assert "in the past" in error.value.message_dict["review_on"][0]
    assert "first plan, brought in from paper" in error.value.message_dict["review_on"][0]


def test_an_action_with_no_who_is_refused_and_nothing_saved(client_record, keyworker):
    plan = draft_plan(client=client_record, by=keyworker, goals=0)
    with pytest.raises(ValidationError, match="Say who does “Ring the council”"):
        _goal(plan, keyworker, actions=[{"what": "Ring the council", "who": "",
                                         "due_on": TODAY()}])
    assert not Goal.objects.exists()


def test_an_action_due_before_the_plan_starts_is_refused(client_record, keyworker):
    plan = draft_plan(client=client_record, by=keyworker, goals=0)
    with pytest.raises(ValidationError, match="before the plan starts"):
        _goal(plan, keyworker, actions=[{"what": "Ring the council", "who": "client",
                                         "due_on": TODAY() - DAY}])
    assert not Action.objects.exists()


def test_an_agency_action_must_name_the_agency(client_record, keyworker):
    plan = draft_plan(client=client_record, by=keyworker, goals=0)
    with pytest.raises(ValidationError, match="Choose which agency"):
        _goal(plan, keyworker, actions=[{"what": "Assess for detox", "who": "agency",
                                         "agency": None, "due_on": TODAY()}])


def test_a_milestone_without_a_target_is_refused(client_record, keyworker):
    plan = draft_plan(client=client_record, by=keyworker, goals=0)
    with pytest.raises(ValidationError, match="target date"):
        _goal(plan, keyworker, milestones=[{"text": "Sober a month", "target_on": None}])


def test_an_agency_leading_a_goal_is_named_with_its_contact_details(client_record, keyworker,
                                                                    site):
    agency = AgencyFactory(site=site, name="Riverside Drug Service", phone="01632 960 777",
                           contact_name="Dr Shah")
    plan = draft_plan(client=client_record, by=keyworker, goals=0)
    goal = _goal(plan, keyworker, lead_agency=agency)
    assert goal.lead_details == "Riverside Drug Service · Dr Shah · 01632 960 777 · " + (
        agency.email)


def test_the_second_of_two_people_editing_a_draft_is_refused(client_record, keyworker,
                                                             colleague):
    plan = draft_plan(client=client_record, by=keyworker, goals=0)
    opened_at = plan.lock_version
    _goal(plan, keyworker, lock_version=opened_at, text="First person's goal")
    stale = Plan.objects.get(pk=plan.pk)
    with pytest.raises(StaleEdit, match="Someone else saved this"):
        _goal(stale, colleague, lock_version=opened_at, text="Second person's goal")
    assert list(Goal.objects.values_list("text", flat=True)) == ["First person's goal"]


# Signing ----------------------------------------------------------------------------------


def test_both_signatures_lock_the_plan_and_start_the_review_clock(client_record, keyworker):
    plan = draft_plan(client=client_record, by=keyworker)
    sign(plan, by=keyworker, role="client")
    assert Plan.objects.get(pk=plan.pk).is_draft
    plan = sign(plan, by=keyworker, role="worker")
    assert plan.is_current
    assert plan.next_review_on == plan.review_on
    assert plan.signed_digest == services.plan_with_content(plan).digest()
    assert {s.content_digest for s in plan.signatures.all()} == {plan.signed_digest}


def test_each_signature_records_who_when_and_the_digest_of_what_was_signed(client_record,
                                                                           keyworker):
    plan = draft_plan(client=client_record, by=keyworker)
    digest = services.plan_with_content(plan).digest()
    sign(plan, by=keyworker, role="client", name="Dee Harper")
    signature = Signature.objects.get()
    assert (signature.name, signature.recorded_by, signature.content_digest) == (
        "Dee Harper", keyworker, digest)
    assert signature.agreed_in_person
    assert timezone.now() - signature.signed_at < datetime.timedelta(minutes=1)
    assert len(digest) == 64


def test_a_change_after_one_signature_means_that_signature_no_longer_counts(client_record,
                                                                           keyworker):
    plan = draft_plan(client=client_record, by=keyworker)
    sign(plan, by=keyworker, role="client")
    plan.refresh_from_db()
    _goal(plan, keyworker, text="A goal added after the client signed")
    plan = sign(plan, by=keyworker, role="worker")
    assert plan.is_draft, "the client's signature was for other words"
    plan = sign(plan, by=keyworker, role="client")
    assert plan.is_current


def test_signing_text_that_changed_since_the_page_opened_is_refused(client_record, keyworker):
    plan = draft_plan(client=client_record, by=keyworker)
    shown = services.plan_with_content(plan).digest()
    _goal(plan, keyworker, text="Added meanwhile")
    with pytest.raises(ValidationError, match="text changed after you opened"):
        services.plan_sign(plan=plan, signer=keyworker, role="client", method="typed",
                           name="Dee", agreed_in_person=True, content_digest=shown)
    assert not Signature.objects.exists()


def test_signing_a_plan_already_signed_is_refused(client_record, keyworker):
    plan = signed_plan(client=client_record, by=keyworker)
    with pytest.raises(ValidationError, match="already signed by both"):
        sign(plan, by=keyworker, role="client")
    assert Signature.objects.count() == 2


def test_the_same_person_cannot_sign_twice(client_record, keyworker):
    plan = draft_plan(client=client_record, by=keyworker)
    sign(plan, by=keyworker, role="client")
    with pytest.raises(ValidationError, match="client has already signed"):
        sign(plan, by=keyworker, role="client")


def test_a_typed_client_signature_needs_the_tick_that_they_agreed_in_person(client_record,
                                                                           keyworker):
    plan = draft_plan(client=client_record, by=keyworker)
    with pytest.raises(ValidationError) as error:
        sign(plan, by=keyworker, role="client", agreed_in_person=False)
    assert "agreed_in_person" in error.value.message_dict


def test_a_client_may_decline_to_sign_with_a_reason(client_record, keyworker):
    plan = draft_plan(client=client_record, by=keyworker)
    with pytest.raises(ValidationError, match="why the client declined"):
        sign(plan, by=keyworker, role="client", method="declined", declined_reason=" ")
    sign(plan, by=keyworker, role="client", method="declined",
         declined_reason="Does not want to sign anything today")
    plan = sign(plan, by=keyworker, role="worker")
    declined = plan.signatures.get(role="client")
    assert declined.method == "declined"
    assert declined.declined_reason == "Does not want to sign anything today"
    assert plan.is_current


def test_a_worker_cannot_decline(client_record, keyworker):
    plan = draft_plan(client=client_record, by=keyworker)
    with pytest.raises(ValidationError, match="Only the client"):
        sign(plan, by=keyworker, role="worker", method="declined", declined_reason="No")


def test_a_plan_without_actions_or_with_a_passed_review_date_cannot_be_signed(
        client_record, keyworker, travel):
    empty = draft_plan(client=client_record, by=keyworker, goals=0)
    with pytest.raises(ValidationError, match="Add at least one goal"):
        sign(empty, by=keyworker, role="client")
    _goal(empty, keyworker)
    travel(days=40)
    with pytest.raises(ValidationError, match="review date .* has passed"):
        sign(empty, by=keyworker, role="client")


def test_editing_a_signed_version_is_refused(client_record, keyworker):
    plan = signed_plan(client=client_record, by=keyworker)
    with pytest.raises(ValidationError, match="is signed, so it can no longer change"):
        services.plan_update(plan=plan, lock_version=plan.lock_version, by=keyworker,
                             vision="Changed after signing")
    with pytest.raises(ValidationError, match="is signed"):
        _goal(plan, keyworker)
    assert Plan.objects.get(pk=plan.pk).vision == "A flat of my own and my daughter visiting."


# Versions ---------------------------------------------------------------------------------


def test_changing_a_signed_plan_starts_a_new_draft_copying_everything(client_record,
                                                                      keyworker, site):
    agency = AgencyFactory(site=site)
    plan = signed_plan(client=client_record, by=keyworker, goals=2, lead_agency=agency)
    draft = services.plan_revise(plan=plan, by=keyworker)
    draft = services.plan_with_content(draft)
    assert (draft.number, draft.based_on, draft.is_draft) == (2, plan, True)
    old, new = services.plan_with_content(plan).content(), draft.content()
    assert old["goals"] == new["goals"]
    assert Plan.objects.get(pk=plan.pk).is_current, "in force until the new one is signed"


def test_signing_the_new_version_replaces_the_old_one_which_stays_readable(client_record,
                                                                          keyworker):
    plan = signed_plan(client=client_record, by=keyworker)
    draft = services.plan_revise(plan=plan, by=keyworker)
    sign(draft, by=keyworker, role="client")
    draft = sign(draft, by=keyworker, role="worker")
    plan.refresh_from_db()
    assert draft.is_current
    assert plan.superseded_at is not None
    assert plan.signed_digest == services.plan_with_content(plan).digest()
    assert list(Plan.objects.current()) == [draft]


def test_only_one_draft_at_a_time(client_record, keyworker):
    plan = signed_plan(client=client_record, by=keyworker)
    services.plan_revise(plan=plan, by=keyworker)
    with pytest.raises(ValidationError, match="Version 2 is already open as a draft"):
        services.plan_revise(plan=plan, by=keyworker)


def test_a_finished_action_carried_into_a_later_version_keeps_its_old_date(
        client_record, keyworker, travel):
    travel(days=-20)
    plan = signed_plan(client=client_record, by=keyworker, actions=1)
    action = Action.objects.get()
    services.action_progress(action=action, outcome="done", learnt="Easier than I thought",
                             by=keyworker)
    travel.back()
    draft = services.plan_with_content(services.plan_revise(plan=plan, by=keyworker))
    assert draft.starts_on == TODAY()
    copied = draft.goals.all()[0].actions.all()[0]
    assert (copied.outcome, copied.learnt) == ("done", "Easier than I thought")
    assert services.signing_problems(draft) == []


# Progress and reviews ---------------------------------------------------------------------


def test_progress_is_recorded_on_a_signed_plan_without_touching_what_was_signed(
        client_record, keyworker):
    plan = signed_plan(client=client_record, by=keyworker)
    action = Action.objects.filter(goal__plan=plan).first()
    services.action_progress(action=action, outcome="not_done", learnt="Bus was cancelled",
                             by=keyworker)
    plan = services.plan_with_content(plan)
    assert plan.digest() == plan.signed_digest


def test_progress_on_a_draft_is_refused(client_record, keyworker):
    plan = draft_plan(client=client_record, by=keyworker)
    with pytest.raises(ValidationError, match="once the plan is signed"):
        services.action_progress(action=Action.objects.filter(goal__plan=plan).first(),
                                 outcome="done", by=keyworker)


def test_a_review_records_progress_the_clients_view_and_moves_the_next_date(client_record,
                                                                           keyworker):
    plan = services.plan_with_content(signed_plan(client=client_record, by=keyworker))
    action = plan.goals.all()[0].actions.all()[0]
    milestone = plan.goals.all()[0].milestones.all()[0]
    review, draft = services.review_record(
        plan=plan, by=keyworker, held_on=TODAY(), client_view="Going well, flat soon",
        decision="continue", next_review_on=TODAY() + 28 * DAY,
        progress={action.pk: ("done", "Phoned twice")}, reached={milestone.pk: TODAY()})
    assert draft is None
    assert review.items.count() == 3
    action.refresh_from_db()
    milestone.refresh_from_db()
    assert (action.outcome, action.learnt, milestone.reached_on) == ("done", "Phoned twice",
                                                                     TODAY())
    assert Plan.objects.get(pk=plan.pk).next_review_on == TODAY() + 28 * DAY


def test_a_review_that_revises_the_plan_opens_a_new_version(client_record, keyworker):
    plan = signed_plan(client=client_record, by=keyworker)
    _review, draft = services.review_record(
        plan=plan, by=keyworker, held_on=TODAY(), client_view="I want to add college",
        decision=Review.Decision.REVISE, next_review_on=TODAY() + 28 * DAY)
    assert (draft.number, draft.based_on_id) == (2, plan.pk)


@pytest.mark.parametrize(("field", "changes", "message"), [
    ("next_review_on", {"next_review_on": TODAY() - DAY}, "must be in the future"),
    ("held_on", {"held_on": TODAY() + DAY}, "before it happens"),
    ("client_view", {"client_view": "  "}, "what the client thinks"),
])
def test_a_bad_review_is_refused_and_nothing_saved(client_record, keyworker, field, changes,
                                                   message):
    plan = signed_plan(client=client_record, by=keyworker)
    fields = {"held_on": TODAY(), "client_view": "Fine", "decision": "continue",
              "next_review_on": TODAY() + 7 * DAY}
    with pytest.raises(ValidationError) as error:
        services.review_record(plan=plan, by=keyworker, **(fields | changes))
    assert message in error.value.message_dict[field][0]
    assert not Review.objects.exists()


# The manager's 4-13 week review ------------------------------------------------------------


def test_a_manager_signs_off_the_review_within_4_to_13_weeks(client_record, keyworker,
                                                             manager, travel):
    travel(days=-35)
    plan = signed_plan(client=client_record, by=keyworker)
    travel.back()
    review = services.manager_review_sign(plan=plan, by=manager, comments="Good plan")
    assert (review.by, review.late, review.client) == (manager, False, client_record)
    with pytest.raises(ValidationError, match="already signed off"):
        services.manager_review_sign(plan=plan, by=manager, comments="Again")


def test_the_manager_review_is_refused_before_week_4(client_record, keyworker, manager):
    plan = signed_plan(client=client_record, by=keyworker)
    with pytest.raises(ValidationError, match="Too early"):
        services.manager_review_sign(plan=plan, by=manager, comments="Early")
    assert not ManagerReview.objects.exists()


def test_after_week_13_the_review_is_overdue_and_signed_off_as_late(client_record, keyworker,
                                                                    manager, travel):
    travel(days=-100)
    plan = signed_plan(client=client_record, by=keyworker)
    travel.back()
    status = selectors.plan_statuses([client_record])[client_record.pk]
    assert status.manager_review == "overdue"
    assert services.manager_review_sign(plan=plan, by=manager, comments="Late").late


def test_only_a_manager_of_the_site_signs_off(client_record, keyworker, other_site_manager,
                                              travel):
    travel(days=-35)
    plan = signed_plan(client=client_record, by=keyworker)
    travel.back()
    for user in (keyworker, other_site_manager):
        with pytest.raises(PermissionDenied):
            services.manager_review_sign(plan=plan, by=user, comments="Mine")


# Status for lists -------------------------------------------------------------------------


def test_overdue_reviews_and_unsigned_drafts_need_attention(site, keyworker, client_record,
                                                            colleagues_client, travel):
    travel(days=-40)
    signed_plan(client=client_record, by=keyworker)
    travel.back()
    draft_plan(client=colleagues_client, by=keyworker)
    statuses = selectors.plan_statuses([client_record, colleagues_client])
    assert statuses[client_record.pk].review_overdue
    assert statuses[colleagues_client.pk].draft_number == 1
    from clients.models import Client
    overdue = selectors.needing_attention(Client.objects.filter(site=site), show="overdue")
    unsigned = selectors.needing_attention(Client.objects.filter(site=site), show="unsigned")
    assert list(overdue) == [client_record]
    assert list(unsigned) == [colleagues_client]


# Agreements -------------------------------------------------------------------------------


def test_an_agreement_is_filled_from_the_sites_text(client_record, keyworker, site):
    keyworker.phone = "07700 900555"
    keyworker.save()
    template = AgreementTemplate.for_site(site)
    template.can_expect = "Call {keyworker} on {keyworker_phone} or {site} on {site_phone}. {x}"
    template.save()
    agreement = services.agreement_prepare(client=client_record, by=keyworker)
    assert agreement.can_expect == (f"Call {keyworker} on 07700 900555 or Riverside Day Centre "
                                    f"on {site.phone}. {{x}}")
    assert agreement.sessions == AgreementTemplate.default_text()["sessions"]


def test_the_agreement_is_adapted_signed_locked_and_revised(client_record, keyworker):
    agreement = services.agreement_prepare(client=client_record, by=keyworker)
    services.agreement_update(agreement=agreement, lock_version=agreement.lock_version,
                              by=keyworker, sessions="Twice a week, Tuesdays and Fridays")
    sign(agreement, by=keyworker, role="client")
    agreement = sign(agreement, by=keyworker, role="worker")
    assert agreement.is_current
    with pytest.raises(ValidationError, match="can no longer change"):
        services.agreement_update(agreement=agreement, lock_version=agreement.lock_version,
                                  by=keyworker, sessions="Changed")
    draft = services.agreement_revise(agreement=agreement, by=keyworker)
    assert (draft.number, draft.sessions) == (2, "Twice a week, Tuesdays and Fridays")
    assert Agreement.objects.count() == 2


# Referrals --------------------------------------------------------------------------------


def test_a_referral_to_another_sites_agency_is_refused(client_record, keyworker, other_site):
    agency = AgencyFactory(site=other_site)
    with pytest.raises(ValidationError, match="agency in use at this client's site"):
        services.referral_make(client=client_record, agency=agency, made_on=TODAY(),
                               reason="Housing", by=keyworker)


def test_a_referral_records_its_outcome(client_record, keyworker, site):
    referral = services.referral_make(client=client_record, agency=AgencyFactory(site=site),
                                      made_on=TODAY(), reason="Benefits check", by=keyworker,
                                      follow_up_on=TODAY() + 7 * DAY, new_consent=consent_now())
    services.referral_update(referral=referral, by=keyworker, outcome="accepted",
                             outcome_note="Appointment on Monday")
    referral.refresh_from_db()
    assert (referral.outcome, referral.outcome_note) == ("accepted", "Appointment on Monday")
