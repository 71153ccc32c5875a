"""Supervision at a glance (issue 15 item 5): what matters about each client since the last
supervision, from supervision.selectors.caseload_glance, and the page that shows it."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from clients import services as client_services
from diary import services as diary_services
from plans import services as plan_services
from plans.models import Action
from stages import services as stage_services
from stages.models import Need
from supervision import selectors, services
from tests.factories import (
    AgencyFactory,
    KeyworkSessionFactory,
    client_with_keyworker,
    consent_now,
    local_moment,
    sign,
    signed_plan,
)

DAY = datetime.timedelta(days=1)


def today():
    return timezone.localdate()


def glance_of(client, since, until=None):
    return selectors.caseload_glance([client], since, until or timezone.now())[client.pk]


@pytest.fixture
def since():
    """The last supervision, a fortnight ago."""
    return timezone.now() - 14 * DAY


def _session(client, worker, days_ago, status, **fields):
    session = KeyworkSessionFactory(client=client, worker=worker,
                                    starts_at=local_moment(today() - days_ago * DAY, 10))
    if status != "booked":
        diary_services.session_log(
            session=session, version=session.version, by=worker, status=status,
            actual_start=session.starts_at if status == "attended" else None,
            actual_minutes=50 if status == "attended" else None,
            discussed="Budget" if status == "attended" else "",
            late_reason="Typed up from the paper notes", **fields)
    return session


def test_sessions_held_and_missed_are_counted_against_the_sites_cadence(
        client_record, keyworker, since):
    _session(client_record, keyworker, 40, "attended")  # before the last supervision
    _session(client_record, keyworker, 10, "attended")
    _session(client_record, keyworker, 3, "attended")
    _session(client_record, keyworker, 5, "dna")
    _session(client_record, keyworker, 1, "booked")
    sessions = glance_of(client_record, since).sessions
    assert (sessions.held, sessions.missed, sessions.not_logged) == (2, 1, 1)
    # One a week (the default cadence) over the fifteen days from the last supervision's.
    assert sessions.expected == 2
    assert not sessions.is_short


def test_a_client_in_their_first_week_of_keywork_is_not_yet_expected_a_session(
        site, keyworker, since):
    new = client_with_keyworker(site=site, keyworker=keyworker, admitted_on=today() - 3 * DAY)
    sessions = glance_of(new, since).sessions
    assert (sessions.held, sessions.expected) == (0, 0)


def test_a_goal_achieved_one_dropped_and_one_added_in_a_new_version(
        client_record, keyworker, manager, since, travel):
    travel(days=-20)
    plan = signed_plan(client=client_record, by=keyworker, goals=2)  # before `since`
    travel.back()
    first, second = plan.goals.all()
    for action in first.actions.all():
        plan_services.action_progress(action=action, outcome=Action.Outcome.DONE, by=keyworker)
    draft = plan_services.plan_revise(plan=plan, by=keyworker)
    for goal in draft.goals.all():
        draft.refresh_from_db()
        plan_services.goal_remove(goal=goal, lock_version=draft.lock_version, by=keyworker)
    draft.refresh_from_db()
    plan_services.goal_save(plan=draft, lock_version=draft.lock_version, by=keyworker,
                            text="Open a bank account",
                            actions=[{"what": "Ask at the bank", "who": "client",
                                      "due_on": today() + 7 * DAY}])
    sign(draft, by=keyworker, role="client")
    sign(draft, by=keyworker, role="worker")

    news = glance_of(client_record, since).plan
    assert [v.number for v in news.signed] == [2]
    assert news.goals_achieved == [first.text]
    assert news.goals_dropped == [second.text]
    assert news.goals_added == ["Open a bank account"]
    assert news.actions_done == 2


def test_a_plan_reviewed_and_a_referral_answered(client_record, keyworker, site, since,
                                                 travel):
    travel(days=-20)
    plan = signed_plan(client=client_record, by=keyworker)
    referral = plan_services.referral_make(client=client_record, agency=AgencyFactory(site=site),
                                           made_on=today(), reason="Debt advice", by=keyworker,
                                           new_consent=consent_now())
    travel.back()
    plan_services.review_record(plan=plan, by=keyworker, held_on=today(),
                                client_view="Going well", decision="continue",
                                next_review_on=today() + 28 * DAY)
    plan_services.referral_update(referral=referral, by=keyworker, outcome="accepted")
    found = glance_of(client_record, since)
    assert [r.held_on for r in found.plan.reviews] == [today()]
    assert not found.plan.signed
    [news] = found.referrals
    assert (news.is_new, news.outcome_before, news.outcome) == (
        False, "Waiting for an answer", "Accepted")


def test_a_stage_move_and_the_assessment_score_change(client_record, keyworker, manager, site,
                                                      since):
    site.uses_ladder = True
    site.save()
    stage_services.ladder_start(client=client_record, by=manager, on=today() - 30 * DAY)
    needs = list(Need.objects.in_use())
    stage_services.assessment_record(client=client_record, assessed_on=today() - 30 * DAY,
                                     by=keyworker, ratings={n.pk: ("determined", "")
                                                            for n in needs})
    stage_services.assessment_record(client=client_record, assessed_on=today(), by=keyworker,
                                     ratings={n.pk: ("action", "") for n in needs})
    stage = stage_services.current_stage(client_record).stage
    for task in stage.tasks.all():
        stage_services.evidence_record(client=client_record, task=task, by=keyworker,
                                       on=today(), what="Seen")
    stage_services.stage_promote(client=client_record, by=manager, note="Monthly review")

    found = glance_of(client_record, since)
    assert (found.score.before, found.score.after, found.score.change) == (50, 75, 25)
    [move] = found.stage_moves  # the start on the ladder was before the last supervision
    assert move.move == "up" and move.stage.order > stage.order


def test_a_risk_raised_and_dealt_with_and_an_alert_changed(client_record, keyworker, manager,
                                                           since):
    session = _session(client_record, keyworker, 2, "attended",
                       risks="Owes money to a neighbour")
    diary_services.risk_resolve(session=session, by=manager, note="Talked to the neighbour")
    # Dee's record, with its alert, was made before the last supervision.
    client_record.history.update(history_date=since - 30 * DAY)
    client_record.refresh_from_db()
    client_services.client_update(client=client_record, version=client_record.version,
                                  by=manager, alerts="Carries a knife")
    found = glance_of(client_record, since)
    assert [s.pk for s in found.risks.raised] == [session.pk]
    assert [s.pk for s in found.risks.dealt_with] == [session.pk]
    assert (found.alerts.raised, found.alerts.removed) == (["Carries a knife"],
                                                           ["Do not visit alone"])


def test_nothing_from_before_the_last_supervision(client_record, keyworker, manager, site,
                                                  travel):
    travel(days=-20)
    session = _session(client_record, keyworker, 1, "attended", risks="Lost his keys")
    diary_services.risk_resolve(session=session, by=manager)
    plan = signed_plan(client=client_record, by=keyworker)
    for action in plan.goals.get().actions.all():
        plan_services.action_progress(action=action, outcome=Action.Outcome.DONE, by=keyworker)
    referral = plan_services.referral_make(client=client_record, agency=AgencyFactory(site=site),
                                           made_on=today(), reason="Debt advice", by=keyworker,
                                           new_consent=consent_now())
    plan_services.referral_update(referral=referral, by=keyworker, outcome="declined")
    client_record.refresh_from_db()
    client_services.client_update(client=client_record, version=client_record.version,
                                  by=manager, alerts="Carries a knife")
    stage_services.assessment_record(client=client_record, assessed_on=today(), by=keyworker,
                                     ratings={n.pk: ("action", "")
                                              for n in Need.objects.in_use()})
    travel.back()
    found = glance_of(client_record, timezone.now() - 14 * DAY)
    assert (found.sessions.held, found.sessions.missed) == (0, 0)
    assert found.plan is None
    assert found.risks is None and found.alerts is None
    assert found.referrals == [] and found.score is None and found.stage_moves == []


def test_what_is_overdue_today_comes_from_each_apps_selector(client_record, since):
    # Admitted fifty days ago with no initial assessment, no plan and no session this week.
    assert glance_of(client_record, since).overdue == [
        "Short of sessions this week", "First plan late", "Initial assessment late"]


def test_the_page_names_clients_by_name_and_reference_never_date_of_birth(
        client, client_record, keyworker, manager):
    _session(client_record, keyworker, 2, "dna")
    client_record.refresh_from_db()
    client_services.client_update(client=client_record, version=client_record.version,
                                  by=manager, phone="07700 900111",
                                  date_of_birth=datetime.date(1979, 3, 2))
    supervision = services.supervision_start(manager=manager, keyworker=keyworker,
                                             held_on=today())
    client.force_login(manager)
    page = client.get(reverse("supervision:detail", args=[supervision.pk])).content.decode()
    assert client_record.reference in page and "Dee Harper" in page
    assert "1 did not attend" in page
    for shown in ("17 May 1980", "2 Mar 1979", "1980", "1979"):
        assert shown not in page, shown
    # The full change trail is still there, one click away.
    assert "<details" in page and "07700 900111" in page and "Date of birth" in page


def test_a_goal_finished_before_the_last_supervision_and_left_out_is_not_dropped(
        client_record, keyworker, since, travel):
    travel(days=-20)
    plan = signed_plan(client=client_record, by=keyworker)
    finished = plan.goals.get()
    for action in finished.actions.all():
        plan_services.action_progress(action=action, outcome=Action.Outcome.DONE, by=keyworker)
    travel.back()
    draft = plan_services.plan_revise(plan=plan, by=keyworker)
    plan_services.goal_remove(goal=draft.goals.get(key=finished.key),
                              lock_version=draft.lock_version, by=keyworker)
    draft.refresh_from_db()
    plan_services.goal_save(plan=draft, lock_version=draft.lock_version, by=keyworker,
                            text="Cook a meal for the house",
                            actions=[{"what": "Plan the menu", "who": "client",
                                      "due_on": today() + 7 * DAY}])
    sign(draft, by=keyworker, role="client")
    sign(draft, by=keyworker, role="worker")
    news = glance_of(client_record, since).plan
    assert [v.number for v in news.signed] == [2]
    assert news.goals_added == ["Cook a meal for the house"]
    assert (news.goals_dropped, news.goals_achieved, news.actions_done) == ([], [], 0)


def test_a_promotion_at_the_managers_discretion_shows_with_its_reason_and_unmet_tasks(
        client, client_record, keyworker, manager, site):
    """Issue 16: supervision shows why a client was promoted with tasks unmet."""
    site.uses_ladder = True
    site.save()
    stage_services.ladder_start(client=client_record, by=manager, on=today() - 30 * DAY)
    unmet = [t.text for t in stage_services.current_stage(client_record).stage.tasks.all()]
    stage_services.stage_promote(client=client_record, by=manager, at_discretion=True,
                                 note="Settled well; benefits are only delayed")
    [move] = glance_of(client_record, timezone.now() - 14 * DAY).stage_moves
    assert move.at_discretion and move.unmet_tasks == unmet
    supervision = services.supervision_start(manager=manager, keyworker=keyworker,
                                             held_on=today())
    client.force_login(manager)
    page = client.get(reverse("supervision:detail", args=[supervision.pk])).content.decode()
    assert "at the manager's discretion" in page
    assert "Settled well; benefits are only delayed" in page
    assert unmet[0] in page


def test_an_overdue_reassessment_is_named_among_what_is_overdue(client_record, keyworker,
                                                                 manager, site, since):
    stage_services.assessment_settings_update(site=site, by=manager, reassess_every_weeks=4)
    stage_services.assessment_record(
        client=client_record, assessed_on=client_record.admitted_on, by=keyworker,
        ratings={n.pk: ("determined", "") for n in Need.objects.in_use()})
    assert "Re-assessment overdue" in glance_of(client_record, since).overdue
