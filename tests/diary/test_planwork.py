"""Sessions that work the plan (issue 17, item 6): the log form lists the open actions of
the plan in force; progress recorded there moves the plan's actions on, the plan lists
the sessions that worked on each, and a corrected or struck-through log takes it back."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from diary import services
from diary.models import ActionProgress, KeyworkSession
from keywork.lib import dates
from plans import selectors as plan_selectors
from plans import services as plan_services
from plans.models import Action
from tests.diary.conftest import ago
from tests.factories import KeyworkSessionFactory, sign, signed_plan

DONE, PARTLY, NOT_YET = (ActionProgress.Progress.DONE, ActionProgress.Progress.PARTLY,
                         ActionProgress.Progress.NOT_YET)


@pytest.fixture
def plan(client_record, keyworker):
    """Dee's signed plan: two goals of two actions each (1.1, 1.2, 2.1, 2.2)."""
    return signed_plan(client=client_record, by=keyworker, goals=2, actions=2)


def actions_of(plan):
    return {a.what: a for a in Action.objects.filter(goal__plan=plan)}


def log(session, by, progress, **fields):
    fields.setdefault("status", KeyworkSession.Status.ATTENDED)
    fields.setdefault("actual_start", session.starts_at)
    fields.setdefault("actual_minutes", 45)
    fields.setdefault("discussed", "The plan, action by action.")
    return services.session_log(session=session, version=session.version, by=by,
                                action_progress=progress, **fields)


def correct(session, by, progress, **fields):
    session.refresh_from_db()
    fields.setdefault("status", KeyworkSession.Status.ATTENDED)
    fields.setdefault("actual_start", session.actual_start)
    fields.setdefault("actual_minutes", session.actual_minutes)
    fields.setdefault("discussed", session.discussed)
    return services.session_correct(session=session, version=session.version, by=by,
                                    action_progress=progress, **fields)


def test_open_actions_are_those_of_the_plan_in_force_numbered_as_the_plan(
        client_record, keyworker, plan):
    first = actions_of(plan)["Action 1.1"]
    plan_services.action_progress(action=first, outcome=Action.Outcome.DONE, by=keyworker)
    found = plan_selectors.open_actions(client_record)
    assert [(a.number, a.what) for a in found] == [
        (2, "Action 1.2"), (3, "Action 2.1"), (4, "Action 2.2")]
    assert found[0].goal.text == "Goal 1 in my words"


def test_no_plan_in_force_no_actions(client_record, keyworker):
    from tests.factories import draft_plan

    draft_plan(client=client_record, by=keyworker)
    assert plan_selectors.open_actions(client_record) == []


def test_done_and_partly_move_the_plans_actions_on_and_the_signed_plan_stays_signed(
        client_record, keyworker, booked, plan):
    actions = actions_of(plan)
    digest, snapshot = plan.signed_digest, plan.signed_content
    log(booked, keyworker, {actions["Action 1.1"].pk: (DONE, "Booked in at the GP."),
                            actions["Action 2.1"].pk: (PARTLY, "Form half filled in.")})

    done, partly, untouched = (Action.objects.get(pk=actions[name].pk)
                               for name in ("Action 1.1", "Action 2.1", "Action 1.2"))
    assert (done.outcome, done.learnt, done.outcome_by) == (
        Action.Outcome.DONE, "Booked in at the GP.", keyworker)
    assert done.outcome_on == dates.local_day(booked.starts_at)
    assert (partly.outcome, partly.learnt, partly.outcome_on) == (
        Action.Outcome.OPEN, "Form half filled in.", None)
    assert (untouched.outcome, untouched.learnt) == (Action.Outcome.OPEN, "")
    # Only the actions touched are stored, each once.
    assert sorted(ActionProgress.objects.values_list("action__what", "progress")) == [
        ("Action 1.1", DONE), ("Action 2.1", PARTLY)]
    # Progress is not what was signed: the snapshot, its digest and the signatures stand.
    plan.refresh_from_db()
    assert (plan.signed_digest, plan.signed_content) == (digest, snapshot)
    assert plan.changed_since_signing() == []
    assert len(plan_services.valid_signatures(plan, plan.digest())) == 2


def test_not_yet_without_a_note_changes_nothing_on_the_action(keyworker, booked, plan):
    action = actions_of(plan)["Action 1.2"]
    log(booked, keyworker, {action.pk: (NOT_YET, "")})
    action.refresh_from_db()
    assert (action.outcome, action.learnt) == (Action.Outcome.OPEN, "")
    assert ActionProgress.objects.get().progress == NOT_YET


def test_a_session_not_attended_works_on_nothing(keyworker, booked, plan):
    action = actions_of(plan)["Action 1.1"]
    log(booked, keyworker, {action.pk: (DONE, "")},
        status=KeyworkSession.Status.CANCELLED, cancelled_by="client")
    action.refresh_from_db()
    assert action.outcome == Action.Outcome.OPEN
    assert not ActionProgress.objects.exists()


def test_an_action_not_open_in_the_plan_in_force_is_refused_and_nothing_saved(
        keyworker, booked, plan):
    action = actions_of(plan)["Action 1.1"]
    plan_services.action_progress(action=action, outcome=Action.Outcome.NOT_DONE, by=keyworker)
    with pytest.raises(ValidationError, match="no longer open"):
        log(booked, keyworker, {action.pk: (DONE, "")})
    booked.refresh_from_db()
    assert not booked.is_logged
    assert not ActionProgress.objects.exists()
    with pytest.raises(ValidationError, match="done, partly or not yet"):
        log(booked, keyworker, {actions_of(plan)["Action 1.2"].pk: ("finished", "")})


def test_correcting_the_log_corrects_its_progress(keyworker, booked, plan):
    actions = actions_of(plan)
    one, two = actions["Action 1.1"], actions["Action 2.1"]
    log(booked, keyworker, {one.pk: (DONE, "Done and dusted."), two.pk: (PARTLY, "Half.")})
    # The worker meant "partly" for the first, and did not touch the second after all.
    correct(booked, keyworker, {one.pk: (PARTLY, "Only rang them.")})
    one.refresh_from_db()
    two.refresh_from_db()
    assert (one.outcome, one.learnt, one.outcome_on) == (
        Action.Outcome.OPEN, "Only rang them.", None)
    assert (two.outcome, two.learnt) == (Action.Outcome.OPEN, "")
    assert list(ActionProgress.objects.values_list("action", "progress", "note")) == [
        (one.pk, PARTLY, "Only rang them.")]
    # Corrected to "did not attend": the session worked on nothing.
    correct(booked, keyworker, {one.pk: (PARTLY, "Only rang them.")},
            status=KeyworkSession.Status.DID_NOT_ATTEND)
    one.refresh_from_db()
    assert (one.outcome, one.learnt) == (Action.Outcome.OPEN, "")
    assert not ActionProgress.objects.exists()
    assert ActionProgress.history.filter(history_type="-").count() == 2  # both, kept


def test_a_log_correction_that_leaves_progress_alone_keeps_it(keyworker, booked, plan):
    one = actions_of(plan)["Action 1.1"]
    log(booked, keyworker, {one.pk: (DONE, "")})
    correct(booked, keyworker, None, discussed="Corrected wording.")
    one.refresh_from_db()
    assert one.outcome == Action.Outcome.DONE
    assert ActionProgress.objects.count() == 1


def test_striking_the_session_takes_its_progress_back_from_the_plan(
        client, keyworker, booked, plan):
    actions = actions_of(plan)
    one, two = actions["Action 1.1"], actions["Action 1.2"]
    log(booked, keyworker, {one.pk: (DONE, "Registered."), two.pk: (PARTLY, "Rang.")})
    # Meanwhile the review recorded something else about the second: that stands.
    plan_services.action_progress(action=Action.objects.get(pk=two.pk),
                                  outcome=Action.Outcome.CHANGED, learnt="New GP instead.",
                                  by=keyworker)
    services.session_strike(session=booked, by=keyworker, reason="Wrong client.")
    one.refresh_from_db()
    two.refresh_from_db()
    assert (one.outcome, one.learnt, one.outcome_on) == (Action.Outcome.OPEN, "", None)
    assert (two.outcome, two.learnt) == (Action.Outcome.CHANGED, "New GP instead.")
    assert ActionProgress.objects.count() == 2  # kept, struck with their session
    client.force_login(keyworker)
    page = client.get(reverse("plans:detail", args=[plan.pk])).content.decode()
    assert "Worked on at sessions" not in page


def test_the_plan_lists_the_sessions_that_worked_on_each_action_across_versions(
        client, client_record, keyworker, plan):
    actions = actions_of(plan)
    # Yesterday morning: a day ago and two hours would be late in the day's first two hours.
    first = KeyworkSessionFactory(client=client_record, worker=keyworker,
                                  starts_at=dates.at(timezone.localdate() - dates.DAY,
                                                     dates.datetime.time(10, 0)),
                                  expected_minutes=50)
    second = KeyworkSessionFactory(client=client_record, worker=keyworker,
                                   starts_at=ago(hours=2), expected_minutes=50)
    log(first, keyworker, {actions["Action 2.2"].pk: (NOT_YET, "Not ready to talk about it.")})
    log(second, keyworker, {actions["Action 2.2"].pk: (PARTLY, "Made a start.")})
    client.force_login(keyworker)
    page = client.get(reverse("plans:detail", args=[plan.pk])).content.decode()
    listed = page[page.index("Worked on at sessions"):]
    assert listed.index("Not ready to talk about it.") < listed.index("Made a start.")
    assert "Learnt: Made a start." in page  # the latest note is what was learnt
    assert reverse("diary:session", args=[second.pk]) in page
    # A revised version copies the action (same key): once signed, its sessions come with it.
    draft = plan_services.plan_revise(plan=plan, by=keyworker)
    sign(draft, by=keyworker, role="client")
    version2 = sign(draft, by=keyworker, role="worker")
    assert version2.is_current
    page = client.get(reverse("plans:detail", args=[version2.pk])).content.decode()
    assert "Made a start." in page


def test_the_log_form_lists_the_open_actions_and_records_progress(
        client, keyworker, booked, plan):
    actions = actions_of(plan)
    one, two = actions["Action 1.1"], actions["Action 2.1"]
    client.force_login(keyworker)
    url = reverse("diary:log", args=[booked.pk])
    page = client.get(url).content.decode()
    assert "The plan&#x27;s actions" in page
    assert f'name="action-{one.pk}-progress"' in page
    day = dates.local_day(booked.starts_at)
    data = {"version": booked.version, "status": "attended", "worker": keyworker.pk,
            "day": day.isoformat(), "start": dates.local_time(booked.starts_at).strftime("%H:%M"),
            "end": dates.local_time(booked.ends_at).strftime("%H:%M"),
            "discussed": "The plan.", f"action-{one.pk}-progress": DONE,
            f"action-{one.pk}-note": "GP booked.", f"action-{two.pk}-progress": PARTLY}
    # A note on an action not worked on, or a made-up choice, is refused: nothing changes.
    refused = client.post(url, data | {f"action-{two.pk}-progress": "",
                                       f"action-{two.pk}-note": "Half."})
    assert "Choose done, partly or not yet for this action" in refused.content.decode()
    refused = client.post(url, data | {f"action-{two.pk}-progress": "<b>nearly</b>"})
    assert refused.status_code == 200
    assert not ActionProgress.objects.exists()
    response = client.post(url, data)
    assert response.status_code == 302
    one.refresh_from_db()
    assert (one.outcome, one.learnt) == (Action.Outcome.DONE, "GP booked.")
    detail = client.get(reverse("diary:session", args=[booked.pk])).content.decode()
    assert "GP booked." in detail and "Partly" in detail
    # The correction form shows what was recorded, the done action too.
    page = client.get(url).content.decode()
    assert f'name="action-{one.pk}-progress" value="done"' in page
    assert timezone.localdate() >= day
