"""The one computation of each assessment and ladder fact (stages/selectors.py), and the
pages and actions that must agree with it."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from clients.models import Client
from stages import selectors, services
from stages.models import Ladder, LadderStage, LadderTask
from tests.factories import client_with_keyworker

TODAY = timezone.localdate
DAY = datetime.timedelta(days=1)


def _admitted(site, keyworker, days_ago, name):
    return client_with_keyworker(site=site, keyworker=keyworker, first_name=name,
                                 last_name="Test", admitted_on=TODAY() - days_ago * DAY,
                                 referred_on=TODAY() - (days_ago + 1) * DAY)


def _grid():
    from stages.models import Need

    return {need.pk: ("determined", "") for need in Need.objects.in_use()}


def test_the_initial_assessment_is_due_in_the_first_week_then_late(site, keyworker):
    """The day of admission is the first day of the first week, so the seventh (six days
    after it) is its last: a client admitted seven days ago is late (the issue: due on
    the eighth day was a day too late)."""
    new = _admitted(site, keyworker, 3, "New")
    week = _admitted(site, keyworker, 6, "Week")
    late = _admitted(site, keyworker, 7, "Late")
    done = _admitted(site, keyworker, 20, "Done")
    services.assessment_record(client=done, assessed_on=TODAY(), ratings=_grid(), by=keyworker)
    states = selectors.initial_assessments(Client.objects.all())
    assert states == {new.pk: "due", week.pk: "due", late.pk: "late", done.pk: "done"}
    assert selectors.initial_assessments_late([new, week, late, done]) == {late.pk}


def test_referred_and_archived_clients_have_no_assessment_due(site, keyworker):
    referred = client_with_keyworker(site=site, keyworker=keyworker, status="referred",
                                     admitted_on=None)
    gone = _admitted(site, keyworker, 30, "Gone")
    Client.objects.filter(pk=gone.pk).update(status=Client.Status.MOVED_ON, ended_on=TODAY())
    assert selectors.initial_assessments([referred, gone]) == {}


def test_initial_assessments_take_one_query_for_any_number(site, keyworker,
                                                           django_assert_num_queries):
    clients = [_admitted(site, keyworker, n, f"C{n}") for n in range(1, 12)]
    with django_assert_num_queries(1):
        selectors.initial_assessments(clients)
    with django_assert_num_queries(1):
        selectors.initial_assessments(Client.objects.all())


# The ladder --------------------------------------------------------------------------


@pytest.fixture
def ladder_site(site):
    site.uses_ladder = True
    site.save()
    return site


def _on_ladder(site, keyworker, name):
    client = _admitted(site, keyworker, 60, name)
    services.ladder_start(client=client, by=keyworker, on=client.admitted_on)
    return client


def _evidence_all(client, by):
    stage = services.current_stage(client).stage
    for task in stage.tasks.all():
        services.evidence_record(client=client, task=task, by=by, on=TODAY(), what="Seen")


def _climb_to(client, rung, manager, keyworker):
    while services.current_stage(client).stage.order < rung:
        _evidence_all(client, keyworker)
        services.stage_promote(client=client, by=manager, note="Monthly review",
                               on=client.admitted_on + DAY)


def _shorter_ladder_in_use(rungs):
    """A new ladder version with only the first `rungs` stages of the one in use, put in use."""
    old = Ladder.objects.current()
    Ladder.objects.filter(pk=old.pk).update(is_current=False)
    new = Ladder.objects.create(version=old.version + 1, is_current=True, note="Shorter")
    for stage in old.stages.order_by("order")[:rungs]:
        copy = LadderStage.objects.create(ladder=new, order=stage.order, name=stage.name,
                                          benefit=stage.benefit)
        for task in stage.tasks.all():
            LadderTask.objects.create(stage=copy, order=task.order, text=task.text)
    return new


def test_a_promotion_is_due_when_every_task_is_evidenced_and_a_rung_is_above(
        ladder_site, keyworker):
    waiting = _on_ladder(ladder_site, keyworker, "Waiting")
    ready = _on_ladder(ladder_site, keyworker, "Ready")
    _evidence_all(ready, keyworker)
    positions = selectors.ladder_positions([waiting, ready])
    assert not positions[waiting.pk].promotion_due
    assert positions[ready.pk].promotion_due
    assert positions[ready.pk].above.name == "Stage 1"
    assert selectors.promotions_due(Client.objects.all()) == {ready.pk}


def test_nothing_is_due_at_the_top_of_the_ladder(ladder_site, keyworker, manager):
    client = _on_ladder(ladder_site, keyworker, "Top")
    top = Ladder.objects.current().stages.order_by("-order").first().order
    _climb_to(client, top, manager, keyworker)
    position = selectors.ladder_position(client)
    assert position.current.stage.name == "Legend" and position.above is None
    assert not position.promotion_due


def test_with_a_shorter_ladder_in_use_stage_5_is_not_flagged_nor_promotable(
        ladder_site, keyworker, manager, client):
    """The issue: the caseload said "promotion due" and the promotion was then refused."""
    client_record = _on_ladder(ladder_site, keyworker, "Stella")
    stage_5 = Ladder.objects.current().stages.get(name="Stage 5").order
    _climb_to(client_record, stage_5, manager, keyworker)
    _evidence_all(client_record, keyworker)
    assert selectors.ladder_position(client_record).promotion_due
    _shorter_ladder_in_use(rungs=stage_5)  # Stage 5 is now the top rung in use

    assert selectors.promotions_due([client_record]) == set()
    client.force_login(keyworker)
    caseload = client.get(reverse("clients:caseload")).content.decode()
    assert "Stella" in caseload and "promotion due" not in caseload
    client.force_login(manager)
    file_page = client.get(client_record.get_absolute_url()).content.decode()
    assert "promotion due" not in file_page
    ladder_page = client.get(reverse("stages:ladder", args=[client_record.pk])).content.decode()
    assert "Proposed for promotion" not in ladder_page
    assert "there is no stage to move up to" in ladder_page
    with pytest.raises(ValidationError, match="top of the ladder"):
        services.stage_promote(client=client_record, by=manager, note="Review")


def test_what_is_flagged_can_be_done(ladder_site, keyworker, manager, client):
    client_record = _on_ladder(ladder_site, keyworker, "Flagged")
    _evidence_all(client_record, keyworker)
    client.force_login(keyworker)
    assert "promotion due" in client.get(reverse("clients:caseload")).content.decode()
    services.stage_promote(client=client_record, by=manager, note="Review")
    assert services.current_stage(client_record).stage.name == "Stage 1"


def test_promotions_are_those_whose_ladder_position_says_promotion_due(ladder_site, keyworker,
                                                                      manager):
    """promotions() asks the database first which clients have every task met: it must
    find what LadderPosition.promotion_due says of each, no more and no fewer."""
    _on_ladder(ladder_site, keyworker, "Waiting")
    ready = _on_ladder(ladder_site, keyworker, "Ready")
    _evidence_all(ready, keyworker)
    partly = _on_ladder(ladder_site, keyworker, "Partly")
    _evidence_all(partly, keyworker)
    partly.evidence.order_by("pk").first().delete()
    lapsed = _on_ladder(ladder_site, keyworker, "Lapsed")
    _evidence_all(lapsed, keyworker)
    one = lapsed.evidence.order_by("pk").first()
    one.lapsed_at, one.lapsed_by, one.lapsed_reason = timezone.now(), manager, "Relapse"
    one.save()
    top = _on_ladder(ladder_site, keyworker, "Top")
    _climb_to(top, Ladder.objects.current().stages.order_by("-order").first().order,
              manager, keyworker)
    _evidence_all(top, keyworker)
    positions = selectors.ladder_positions(Client.objects.all())
    expected = {pk for pk, position in positions.items() if position.promotion_due}
    assert expected == {ready.pk}
    assert set(selectors.promotions(Client.objects.all())) == expected
    assert selectors.promotions(Client.objects.all())[ready.pk] == positions[ready.pk]


def test_promotions_load_no_ladder_when_none_is_due(ladder_site, keyworker,
                                                    django_assert_num_queries):
    """A site of thousands on the ladder with no promotion due: one query, not the ladder of
    each (a manager's Today asks this after every change)."""
    clients = [_on_ladder(ladder_site, keyworker, f"C{n}") for n in range(6)]
    with django_assert_num_queries(1):
        assert selectors.promotions(Client.objects.all()) == {}
    _evidence_all(clients[0], keyworker)
    with django_assert_num_queries(5):
        assert set(selectors.promotions(Client.objects.all())) == {clients[0].pk}


def test_ladder_positions_take_five_queries_for_any_number(ladder_site, keyworker,
                                                           django_assert_num_queries):
    clients = [_on_ladder(ladder_site, keyworker, f"C{n}") for n in range(2)]
    with django_assert_num_queries(5):
        selectors.ladder_positions(clients)
    clients += [_on_ladder(ladder_site, keyworker, f"D{n}") for n in range(8)]
    _evidence_all(clients[-1], keyworker)
    with django_assert_num_queries(5):
        selectors.ladder_positions(Client.objects.all())


# Re-assessment due (issue 16) ------------------------------------------------------------------


def test_a_reassessment_is_due_the_sites_interval_after_the_last_assessment(
        site, keyworker, manager, django_assert_num_queries):
    """Due in the week before, overdue after; the default interval is 13 weeks (about three
    months) until a manager sets the site's own."""
    def assessed(name, days_ago):
        client = _admitted(site, keyworker, 200, name)
        services.assessment_record(client=client, assessed_on=TODAY() - days_ago * DAY,
                                   ratings=_grid(), by=keyworker)
        return client

    fresh, soon, overdue = assessed("Fresh", 20), assessed("Soon", 13 * 7 - 3), assessed(
        "Overdue", 13 * 7 + 1)
    never = _admitted(site, keyworker, 3, "Never")
    with django_assert_num_queries(1):
        found = selectors.reassessments(Client.objects.all())
    assert {pk: r.state for pk, r in found.items()} == {
        fresh.pk: "", soon.pk: "due", overdue.pk: "overdue"}
    assert never.pk not in found
    assert found[soon.pk].on == TODAY() + 3 * DAY and found[soon.pk].every_weeks == 13
    assert selectors.reassessments_overdue(Client.objects.all()) == {overdue.pk}
    services.assessment_settings_update(site=site, by=manager, reassess_every_weeks=2)
    found = selectors.reassessments(Client.objects.all())
    assert found[fresh.pk].state == "overdue" and found[fresh.pk].every_weeks == 2


def test_a_reassessment_recorded_moves_the_next_one_on(site, keyworker):
    client = _admitted(site, keyworker, 200, "Dee")
    services.assessment_record(client=client, assessed_on=TODAY() - 100 * DAY,
                               ratings=_grid(), by=keyworker)
    assert selectors.reassessments([client])[client.pk].overdue
    services.assessment_record(client=client, assessed_on=TODAY(), ratings=_grid(),
                               by=keyworker)
    assert selectors.reassessments([client])[client.pk].state == ""
    Client.objects.filter(pk=client.pk).update(status=Client.Status.MOVED_ON, ended_on=TODAY())
    assert selectors.reassessments([client]) == {}


def test_a_returning_clients_reassessment_waits_for_the_new_stays_initial(site, keyworker,
                                                                          manager):
    """An assessment of an earlier stay does not make a re-assessment due: the new stay's
    initial assessment is what is due (its stays split as the initial's do)."""
    from clients import services as client_services

    client = _admitted(site, keyworker, 200, "Ria")
    services.assessment_record(client=client, assessed_on=TODAY() - 150 * DAY,
                               ratings=_grid(), by=keyworker)
    assert selectors.reassessments([client])[client.pk].overdue
    client_services.client_end(client=client, status=Client.Status.MOVED_ON,
                               ended_on=TODAY() - 10 * DAY, destination="Own tenancy",
                               reason="Ready", by=manager, end_kind=Client.EndKind.PLANNED,
                               closing_summary="Ready for a flat.")
    client.refresh_from_db()
    client_services.client_reopen(client=client, by=manager, referred_on=TODAY() - 2 * DAY,
                                  reason="Tenancy broke down")
    client_services.client_admit(client=client, admitted_on=TODAY(), by=manager)
    assert selectors.reassessments([client]) == {}
    assert selectors.initial_assessments([client]) == {client.pk: "due"}
