import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from clients import services as client_services
from keywork.lib.stale import StaleEdit
from stages import hooks, selectors, services
from stages.models import (
    Assessment,
    AssessmentSettings,
    ClientStage,
    Evidence,
    LadderStage,
    Need,
    NeedArea,
    Rating,
)

TODAY = timezone.localdate
DAY = datetime.timedelta(days=1)
R = Rating


# The scoring rule, with worked examples -------------------------------------------------


def test_scores_are_the_mean_of_applicable_needs():
    # Area 1: Achieving (100) and Contemplation (25) -> 62.5; area 2: Determined (50),
    # Not applicable -> 50. Overall: (100 + 25 + 50) / 3 = 58.3.
    overall, areas = services.assessment_scores([
        (1, R.ACHIEVING), (1, R.CONTEMPLATION), (2, R.DETERMINED), (2, R.NOT_APPLICABLE)])
    assert overall == Decimal("58.3")
    assert areas == {1: Decimal("62.5"), 2: Decimal("50.0")}


def test_an_area_with_nothing_applicable_has_no_score():
    overall, areas = services.assessment_scores([(1, R.NOT_APPLICABLE), (2, R.ACTION)])
    assert overall == Decimal("75.0")
    assert areas == {1: None, 2: Decimal("75.0")}


def test_every_stage_of_change_scores_on_the_linear_scale():
    expected = {R.PRE_CONTEMPLATION: "0.0", R.CONTEMPLATION: "25.0", R.DETERMINED: "50.0",
                R.ACTION: "75.0", R.ACHIEVING: "100.0"}
    for rating, score in expected.items():
        assert services.assessment_scores([(1, rating)])[0] == Decimal(score)


def test_nothing_applicable_at_all_gives_no_overall_score():
    assert services.assessment_scores([(1, R.NOT_APPLICABLE)]) == (None, {1: None})


def test_rounding_is_half_up_to_one_decimal():
    # 25 + 0 + 0 + 0 + 0 + 0 = 25 / 6 = 4.1666 -> 4.2; 25 + 25 + 0 over 3 = 16.67 -> 16.7
    assert services.assessment_scores([(1, R.CONTEMPLATION)] + [(1, R.PRE_CONTEMPLATION)] * 5
                                      )[0] == Decimal("4.2")
    assert services.assessment_scores([(1, R.CONTEMPLATION)] * 2 + [(1, R.PRE_CONTEMPLATION)]
                                      )[0] == Decimal("16.7")


# Assessments ---------------------------------------------------------------------------


def grid(rating=R.DETERMINED, **overrides):
    """A rating for every need in use; overrides by need name."""
    return {n.pk: (overrides.get(n.name, rating), "") for n in Need.objects.in_use()}


def test_reference_data_has_five_areas_and_45_needs(db):
    assert list(NeedArea.objects.values_list("name", flat=True)) == [
        "Health", "Life skills", "Relationships", "Resettlement", "Vocational"]
    assert Need.objects.count() == 45


def test_first_assessment_is_the_initial_one_and_stores_its_scores(client_record, keyworker):
    assessment = services.assessment_record(client=client_record, assessed_on=TODAY(),
                                            ratings=grid(), by=keyworker)
    assert assessment.kind == Assessment.Kind.INITIAL
    assert assessment.overall == Decimal("50.0")
    assert len(assessment.area_scores) == 5
    again = services.assessment_record(client=client_record, assessed_on=TODAY(),
                                       ratings=grid(R.ACHIEVING), by=keyworker)
    assert again.kind == Assessment.Kind.REVIEW


def test_every_need_must_be_rated(client_record, keyworker):
    ratings = grid()
    ratings.pop(next(iter(ratings)))
    with pytest.raises(ValidationError, match="Rate every need"):
        services.assessment_record(client=client_record, assessed_on=TODAY(), ratings=ratings,
                                   by=keyworker)
    assert not Assessment.objects.exists()


def test_a_retired_need_cannot_be_rated(client_record, keyworker):
    need = Need.objects.get(name="Armed forces")
    need.is_retired = True
    need.save()
    ratings = grid()
    ratings[need.pk] = (R.ACTION, "")
    with pytest.raises(ValidationError, match="retired"):
        services.assessment_record(client=client_record, assessed_on=TODAY(), ratings=ratings,
                                   by=keyworker)


def test_a_rating_off_the_scale_is_refused(client_record, keyworker):
    ratings = grid()
    ratings[next(iter(ratings))] = ("brilliant", "")
    with pytest.raises(ValidationError, match="choose a rating on the scale"):
        services.assessment_record(client=client_record, assessed_on=TODAY(), ratings=ratings,
                                   by=keyworker)


@pytest.mark.parametrize("days", [1, -60])
def test_an_assessment_in_the_future_or_before_admission_is_refused(client_record, keyworker,
                                                                    days):
    with pytest.raises(ValidationError) as error:
        services.assessment_record(client=client_record, assessed_on=TODAY() + days * DAY,
                                   ratings=grid(), by=keyworker)
    assert "assessed_on" in error.value.error_dict


def test_a_stale_correction_is_refused(client_record, keyworker, colleague):
    assessment = services.assessment_record(client=client_record, assessed_on=TODAY(),
                                            ratings=grid(), by=keyworker)
    version = assessment.version
    services.assessment_update(assessment=assessment, version=version, assessed_on=TODAY(),
                               ratings=grid(R.ACTION), by=keyworker)
    with pytest.raises(StaleEdit):
        services.assessment_update(assessment=Assessment.objects.get(pk=assessment.pk),
                                   version=version, assessed_on=TODAY(),
                                   ratings=grid(R.PRE_CONTEMPLATION), by=colleague)
    assert Assessment.objects.get(pk=assessment.pk).overall == Decimal("75.0")


def test_distance_travelled_against_initial_and_last(client_record, keyworker):
    for rating in (R.CONTEMPLATION, R.DETERMINED, R.ACTION):
        services.assessment_record(client=client_record, assessed_on=TODAY(),
                                   ratings=grid(rating), by=keyworker)
    assessments = list(client_record.assessments.all())
    distance = services.distance_travelled(assessments, list(NeedArea.objects.all()))
    assert distance["overall_since_initial"] == Decimal("50.0")
    assert distance["overall_since_last"] == Decimal("25.0")


def test_achieving_is_suggested_at_five_completed_tagged_actions(client_record, monkeypatch):
    need = Need.objects.first()
    monkeypatch.setattr(hooks, "actions_done_by_need", [lambda client: {need.pk: 5}])
    assert services.suggestions(client_record) == {need.pk: True}
    monkeypatch.setattr(hooks, "actions_done_by_need", [lambda client: {need.pk: 4}])
    assert services.suggestions(client_record) == {}


# The ladder ----------------------------------------------------------------------------


@pytest.fixture
def resident(client_record, site):
    site.uses_ladder = True
    site.save()
    services.ladder_start(client=client_record, by=client_record.allocations.get().worker,
                          on=client_record.admitted_on)
    return client_record


def _complete(client, by):
    stage = services.current_stage(client).stage
    for task in stage.tasks.all():
        services.evidence_record(client=client, task=task, by=by, on=TODAY(), what="Seen")


def test_admission_at_a_ladder_site_starts_on_probation(site, manager):
    site.uses_ladder = True
    site.save()
    client = client_services.client_refer(site=site, by=manager, first_name="A", last_name="B",
                                          referred_on=TODAY())
    client_services.client_admit(client=client, admitted_on=TODAY(), by=manager)
    assert services.current_stage(client).stage.name == "Probation"


def test_promotion_needs_every_task_done(resident, manager, keyworker):
    with pytest.raises(ValidationError, match="Every task"):
        services.stage_promote(client=resident, by=manager, note="Review")
    _complete(resident, keyworker)
    assert selectors.ladder_position(resident).promotion_due
    services.stage_promote(client=resident, by=manager, note="Monthly review")
    current = services.current_stage(resident)
    assert (current.stage.name, current.stage.benefit) == ("Stage 1", "Full resident status")
    resident.refresh_from_db()
    assert resident.on_probation is False
    assert ClientStage.objects.filter(client=resident).count() == 2


def test_a_keyworker_cannot_confirm_a_promotion(resident, keyworker):
    _complete(resident, keyworker)
    with pytest.raises(PermissionDenied):
        services.stage_promote(client=resident, by=keyworker, note="Review")


def test_moving_down_needs_a_reason(resident, manager, keyworker):
    _complete(resident, keyworker)
    services.stage_promote(client=resident, by=manager, note="Review")
    lapsed = Evidence.objects.filter(client=resident).first()
    with pytest.raises(ValidationError):
        services.stage_demote(client=resident, by=manager, reason=" ", lapsed=[lapsed])
    services.stage_demote(client=resident, by=manager, reason="Tasks lapsed", lapsed=[lapsed])
    assert services.current_stage(resident).stage.name == "Probation"


def test_only_where_appropriate_tasks_can_be_not_applicable(resident, keyworker):
    tasks = list(services.current_stage(resident).stage.tasks.all())
    strict = next(t for t in tasks if not t.where_appropriate)
    optional = next(t for t in tasks if t.where_appropriate)
    with pytest.raises(ValidationError):
        services.evidence_record(client=resident, task=strict, by=keyworker, on=TODAY(),
                                 what="No", not_applicable=True)
    evidence = services.evidence_record(client=resident, task=optional, by=keyworker,
                                        on=TODAY(), what="Not medically fit",
                                        not_applicable=True)
    assert evidence.status == Evidence.Status.NOT_APPLICABLE
    assert evidence.task_text == optional.text


def test_evidence_for_a_discharged_client_is_refused(resident, keyworker):
    task = services.current_stage(resident).stage.tasks.first()
    resident.status = "discharged"
    resident.ended_on = TODAY()
    resident.save()
    with pytest.raises(ValidationError, match="archived"):
        services.evidence_record(client=resident, task=task, by=keyworker, on=TODAY(),
                                 what="x")


def test_tasks_of_a_higher_stage_can_be_evidenced_early(resident, keyworker):
    ladder = services.current_stage(resident).stage.ladder
    higher = ladder.stages.get(name="Stage 2").tasks.first()
    assert services.evidence_record(client=resident, task=higher, by=keyworker, on=TODAY(),
                                    what="Done already").pk


def test_known_answers_come_from_the_hooks(resident, monkeypatch):
    task = services.current_stage(resident).stage.tasks.get(known_from="signed_plan")
    monkeypatch.setattr(hooks, "task_answers",
                        {"signed_plan": lambda client: hooks.Answer("Plan signed", "/p/1/")})
    assert hooks.known_answer(task, resident) == hooks.Answer("Plan signed", "/p/1/")


# Demotion lapses evidence; promotion at the manager's discretion (issue 16) -----------------


def _on_stage_1(resident, manager, keyworker):
    _complete(resident, keyworker)
    services.stage_promote(client=resident, by=manager, note="Review")


def test_a_demotion_lapses_the_evidence_named_and_keeps_it(resident, manager, keyworker):
    """The issue: evidence could not be withdrawn, so the demoted client was at once
    proposed for promotion again."""
    _on_stage_1(resident, manager, keyworker)
    lapsed = Evidence.objects.filter(client=resident).order_by("task__order").first()
    services.stage_demote(client=resident, by=manager, reason="Stopped paying the charge",
                          lapsed=[lapsed])
    lapsed.refresh_from_db()
    assert lapsed.is_lapsed and lapsed.lapsed_by == manager
    assert lapsed.lapsed_reason == "Stopped paying the charge"
    assert lapsed not in Evidence.objects.counting()
    position = selectors.ladder_position(resident)
    assert position.current.stage.name == "Probation"
    assert not position.promotion_due
    assert position.unmet == (lapsed.task.text,)
    assert selectors.promotions_due([resident]) == set()


def test_a_lapsed_task_evidenced_anew_makes_the_promotion_due_again(resident, manager,
                                                                   keyworker):
    _on_stage_1(resident, manager, keyworker)
    lapsed = Evidence.objects.filter(client=resident).first()
    services.stage_demote(client=resident, by=manager, reason="Lapsed", lapsed=[lapsed.pk])
    services.evidence_record(client=resident, task=lapsed.task, by=keyworker, on=TODAY(),
                             what="Back at the fitness class")
    assert selectors.ladder_position(resident).promotion_due
    assert Evidence.objects.filter(client=resident, task=lapsed.task).count() == 2


def test_a_demotion_that_would_undo_itself_is_refused_and_changes_nothing(resident, manager,
                                                                         keyworker):
    _on_stage_1(resident, manager, keyworker)
    with pytest.raises(ValidationError, match="proposed for promotion again"):
        services.stage_demote(client=resident, by=manager, reason="Lapsed", lapsed=[])
    assert services.current_stage(resident).stage.name == "Stage 1"
    assert not Evidence.objects.lapsed().exists()


def test_only_evidence_of_this_stage_or_the_one_below_can_lapse(resident, manager, keyworker):
    _on_stage_1(resident, manager, keyworker)
    early = services.evidence_record(
        client=resident, task=list(LadderStage.objects.get(name="Stage 2").tasks.all())[0],
        by=keyworker, on=TODAY(), what="Early")
    with pytest.raises(ValidationError, match="Only evidence"):
        services.stage_demote(client=resident, by=manager, reason="Lapsed", lapsed=[early])
    choices = selectors.lapsable_evidence(services.current_stage(resident))
    assert early not in choices and len(choices) == resident.evidence.count() - 1


def test_a_manager_promotes_with_tasks_unmet_at_their_discretion(resident, manager, keyworker):
    tasks = list(services.current_stage(resident).stage.tasks.all())
    services.evidence_record(client=resident, task=tasks[0], by=keyworker, on=TODAY(),
                             what="Seen")
    with pytest.raises(ValidationError, match="unless you promote at your discretion"):
        services.stage_promote(client=resident, by=manager, note="Review")
    with pytest.raises(ValidationError, match="Say why"):
        services.stage_promote(client=resident, by=manager, note=" ", at_discretion=True)
    moved = services.stage_promote(client=resident, by=manager, at_discretion=True,
                                   note="Settled well; GP registration is waiting on a letter")
    assert moved.stage.name == "Stage 1" and moved.at_discretion
    assert moved.unmet_tasks == [task.text for task in tasks[1:]]
    assert moved.note == "Settled well; GP registration is waiting on a letter"


def test_a_keyworker_cannot_promote_at_discretion(resident, keyworker):
    with pytest.raises(PermissionDenied):
        services.stage_promote(client=resident, by=keyworker, note="Why not",
                               at_discretion=True)


def test_a_promotion_with_every_task_done_is_not_at_discretion(resident, manager, keyworker):
    _complete(resident, keyworker)
    moved = services.stage_promote(client=resident, by=manager, note="Review",
                                   at_discretion=True)
    assert not moved.at_discretion and moved.unmet_tasks == []


# The re-assessment interval ----------------------------------------------------------------


def test_a_manager_sets_their_sites_reassessment_interval(site, manager, keyworker,
                                                         other_site_manager):
    row = services.assessment_settings_update(site=site, by=manager, reassess_every_weeks=8)
    assert AssessmentSettings.for_site(site.pk).reassess_every_weeks == 8
    assert row.history.first().history_user == manager
    with pytest.raises(PermissionDenied):
        services.assessment_settings_update(site=site, by=keyworker, reassess_every_weeks=4)
    with pytest.raises(PermissionDenied):
        services.assessment_settings_update(site=site, by=other_site_manager,
                                            reassess_every_weeks=4)
    with pytest.raises(ValidationError):
        services.assessment_settings_update(site=site, by=manager, reassess_every_weeks=0)
    assert AssessmentSettings.for_site(site.pk).reassess_every_weeks == 8
