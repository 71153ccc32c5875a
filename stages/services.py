"""Assessments, scores, the ladder and the portfolio: every write, and the one scoring rule."""

from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from activities.models import Activity
from activities.selectors import NO_SESSIONS, rates
from clients.models import Client
from clients.selectors import in_current_stay
from keywork.lib import dates
from keywork.lib.dates import format_day
from keywork.lib.stale import version_claim
from stages import hooks, selectors
from stages.models import (
    SCORES,
    Assessment,
    AssessmentSettings,
    ClientStage,
    Evidence,
    Ladder,
    Need,
    NeedRating,
    PortfolioItem,
    Rating,
    RegisterTask,
)

ACHIEVING_AT = 5


def _percent(values):
    if not values:
        return None
    mean = Decimal(sum(values)) / Decimal(len(values))
    return mean.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def assessment_scores(ratings):
    """The overall and per-area percentages from [(area id, rating), ...].

    Each is the mean of the scores of the applicable needs (not applicable ones are left
    out); None where nothing is applicable. Rounded to one decimal place, half up.
    """
    by_area = {}
    for area_id, rating in ratings:
        if rating in SCORES:
            by_area.setdefault(area_id, []).append(SCORES[rating])
        else:
            by_area.setdefault(area_id, [])
    every = [score for scores in by_area.values() for score in scores]
    return _percent(every), {area: _percent(scores) for area, scores in by_area.items()}


def _check_ratings(ratings, needs):
    """`ratings` is {need id: (rating, note)}; every need in use must be rated."""
    known = {need.pk: need for need in needs}
    errors = []
    for need_id, (rating, _note) in ratings.items():
        if need_id not in known:
            errors.append(_("A retired or unknown need cannot be rated."))
        elif rating not in Rating.values:
            errors.append(_("%(need)s: choose a rating on the scale.") % {"need": known[need_id]})
    missing = [str(need) for pk, need in known.items() if pk not in ratings]
    if missing:
        errors.append(_("Rate every need, or mark it not applicable: %(needs)s.")
                      % {"needs": ", ".join(missing)})
    if errors:
        raise ValidationError(errors)


def _check_date(client, assessed_on):
    if assessed_on > timezone.localdate():
        raise ValidationError({"assessed_on": _("The assessment date cannot be in the future.")})
    if client.admitted_on and assessed_on < client.admitted_on:
        raise ValidationError({"assessed_on": _(
            "The assessment date cannot be before the admission (%(date)s).")
            % {"date": format_day(client.admitted_on)}})


def _save_scores(assessment, ratings, needs):
    area_of = {need.pk: need.area_id for need in needs}
    overall, areas = assessment_scores(
        (area_of[need_id], rating) for need_id, (rating, _n) in ratings.items())
    assessment.overall = overall
    assessment.area_scores = {str(k): (float(v) if v is not None else None)
                              for k, v in areas.items()}


@transaction.atomic
def assessment_record(*, client, assessed_on, ratings, by):
    """Record an assessment: the client's first is the initial one, later ones re-assess."""
    if client.status == Client.Status.REFERRED:
        raise ValidationError(_("Assess the client once they are admitted."))
    if client.is_archived:
        raise ValidationError(_("This client has left; their record is archived."))
    _check_date(client, assessed_on)
    needs = list(Need.objects.in_use())
    _check_ratings(ratings, needs)
    Client.objects.select_for_update().get(pk=client.pk)  # one initial per stay
    initial = in_current_stay(client.assessments.filter(kind=Assessment.Kind.INITIAL)).first()
    if initial and assessed_on < initial.assessed_on:
        raise ValidationError({"assessed_on": _(
            "A re-assessment cannot be dated before the initial assessment (%(date)s).")
            % {"date": format_day(initial.assessed_on)}})
    assessment = Assessment(client=client, assessed_on=assessed_on, by=by,
                            kind=Assessment.Kind.REVIEW if initial else Assessment.Kind.INITIAL)
    _save_scores(assessment, ratings, needs)
    assessment.full_clean()
    assessment.save()
    # One INSERT for the 45 ratings and one for their history, not ninety.
    bulk_create_with_history(
        [NeedRating(assessment=assessment, need_id=need_id, rating=rating, note=note)
         for need_id, (rating, note) in ratings.items()],
        NeedRating, default_user=by)
    return assessment


@transaction.atomic
def assessment_update(*, assessment, version, assessed_on, ratings, by):
    """Correct an assessment; refused if someone saved it since the form was opened."""
    client = assessment.client
    if client.is_archived:
        raise ValidationError(_("This client has left; their record is archived."))
    _check_date(client, assessed_on)
    needs = list(Need.objects.in_use()) + list(
        Need.objects.filter(ratings__assessment=assessment, is_retired=True))
    _check_ratings(ratings, needs)
    assessment.version = version_claim(Assessment.objects, assessment.pk, version).version
    assessment.assessed_on = assessed_on
    _save_scores(assessment, ratings, needs)
    assessment.full_clean()
    assessment.save()
    existing = {r.need_id: r for r in assessment.ratings.all()}
    for need_id, (rating, note) in ratings.items():
        row = existing.get(need_id)
        if row is None:
            NeedRating.objects.create(assessment=assessment, need_id=need_id, rating=rating,
                                      note=note)
        elif (row.rating, row.note) != (rating, note):
            row.rating, row.note = rating, note
            row.save()
    return assessment


def suggestions(client):
    """{need id: True} for needs with five or more completed plan actions tagged with them."""
    return {need_id: True for need_id, count in hooks.done_actions(client).items()
            if count >= ACHIEVING_AT}


def distance_travelled(assessments, areas):
    """Rises in score: latest against the initial and against the previous assessment.

    `assessments` newest first. Returns None with fewer than two assessments.
    """
    if len(assessments) < 2:
        return None
    latest, previous, initial = assessments[0], assessments[1], assessments[-1]

    def diff(new, old):
        if new is None or old is None:
            return None
        return Decimal(str(new)) - Decimal(str(old))

    rows = []
    for area in areas:
        key = str(area.pk)
        rows.append({
            "area": area,
            "now": latest.area_scores.get(key),
            "since_initial": diff(latest.area_scores.get(key), initial.area_scores.get(key)),
            "since_last": diff(latest.area_scores.get(key), previous.area_scores.get(key)),
        })
    return {
        "latest": latest, "previous": previous, "initial": initial,
        "overall_since_initial": diff(latest.overall, initial.overall),
        "overall_since_last": diff(latest.overall, previous.overall),
        "areas": rows,
    }


# The ladder ------------------------------------------------------------------------------


def _require_open(client):
    if client.is_archived:
        raise ValidationError(_("This client has left; their record is archived."))


@transaction.atomic
def ladder_start(*, client, by, on=None):
    """Put a client on the first rung of the current ladder (on admission)."""
    _require_open(client)
    if not client.site.uses_ladder:
        raise ValidationError(_("%(site)s does not use the stages ladder.")
                              % {"site": client.site})
    if client.admitted_on is None:
        raise ValidationError(_("Admit the client before putting them on the ladder."))
    if client.stages.exists():
        raise ValidationError(_("This client is already on the ladder."))
    ladder = Ladder.objects.current()
    if ladder is None:
        raise ValidationError(_("No stages ladder is in use. An administrator sets one up."))
    first = ladder.stages.order_by("order").first()
    _sync_probation(client, first)
    return ClientStage.objects.create(client=client, stage=first, move=ClientStage.Move.START,
                                      started_on=on or timezone.localdate(), by=by)


def current_stage(client):
    return client.stages.current().select_related("stage__ladder").first()


def stage_tasks(stage):
    return list(stage.tasks.order_by("order", "pk"))


@transaction.atomic
def evidence_record(*, client, task, by, on, what="", file=None, not_applicable=False):
    """Record evidence for a task, or set a "where appropriate" task not applicable."""
    _require_open(client)
    if on > timezone.localdate():
        raise ValidationError({"on": _("The date cannot be in the future.")})
    if not_applicable and not task.where_appropriate:
        raise ValidationError(_("Only a task marked “where appropriate” can be set not "
                                "applicable."))
    if not what.strip():
        raise ValidationError({"what": _("Say what shows it (or, if not applicable, why).")})
    current = current_stage(client)
    if current is None:
        raise ValidationError(_("This client is not on the ladder."))
    if task.stage.ladder_id != current.stage.ladder_id or task.stage.order < current.stage.order:
        raise ValidationError(_("That task is not on this client's current or a higher stage."))
    if client.evidence.counting().filter(task=task).exists():
        raise ValidationError(_("This task already has evidence."))
    evidence = Evidence(
        client=client, task=task, task_text=task.text, on=on, what=what, by=by,
        status=Evidence.Status.NOT_APPLICABLE if not_applicable else Evidence.Status.DONE)
    if file:
        evidence.file = file
    evidence.full_clean()
    evidence.save()
    return evidence


def _manager_of(client, user):
    if not user.manages(client.site_id):
        raise PermissionDenied


@transaction.atomic
def stage_promote(*, client, by, note, on=None, at_discretion=False):
    """A manager confirms, at the monthly review, a client's move up one rung.

    The stages are "a firm guide", not "set in stone": with `at_discretion` a manager of the
    site may promote a client whose current stage still has tasks unmet, giving the reason
    in `note`. The move records that it was at their discretion and which tasks were unmet.
    """
    _manager_of(client, by)
    _require_open(client)
    position = selectors.ladder_position(client)
    if position is None:
        raise ValidationError(_("This client is not on the ladder."))
    if position.above is None:
        raise ValidationError(_("%(stage)s is the top of the ladder in use: there is no stage "
                                "to move up to.") % {"stage": position.current.stage})
    discretion = not position.tasks_done
    if discretion and not at_discretion:
        raise ValidationError(_("Every task of the current stage must be evidenced or not "
                                "applicable before a promotion, unless you promote at your "
                                "discretion with a reason."))
    if discretion and not note.strip():
        raise ValidationError({"note": _("Say why you promote the client with tasks unmet.")})
    on = on or timezone.localdate()
    return _move(client=client, current=position.current, to=position.above, on=on, by=by,
                 note=note, move=ClientStage.Move.UP, at_discretion=discretion,
                 unmet_tasks=list(position.unmet) if discretion else [])


@transaction.atomic
def stage_demote(*, client, by, reason, lapsed, on=None):
    """Move a client down a rung when tasks have lapsed; the reason is required.

    `lapsed`: the evidence (rows or ids, from `selectors.lapsable_evidence`) of the tasks
    that lapsed. It is marked lapsed with who, when and the reason, kept on the record, and
    no longer counts, so the client is not proposed for promotion again until those tasks
    are evidenced anew. A move down that would leave them proposed at once is refused.
    """
    _manager_of(client, by)
    _require_open(client)
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the client is moving down.")})
    current = current_stage(client)
    if current is None:
        raise ValidationError(_("This client is not on the ladder."))
    below = selectors.stage_below(current.stage)
    if below is None:
        raise ValidationError(_("The client is on the first stage already."))
    choices = {e.pk: e for e in selectors.lapsable_evidence(current)}
    chosen = {getattr(item, "pk", item) for item in lapsed}
    if not chosen <= set(choices):
        raise ValidationError({"lapsed": _(
            "Only evidence of this stage's or the stage below's tasks can lapse.")})
    now = timezone.now()
    for pk in sorted(chosen):
        evidence = choices[pk]
        evidence.lapsed_at, evidence.lapsed_by, evidence.lapsed_reason = now, by, reason
        evidence._history_user = by  # recorded as theirs when no request is around (demo)
        evidence.full_clean()
        evidence.save()
    moved = _move(client=client, current=current, to=below, on=on or timezone.localdate(),
                  by=by, note=reason, move=ClientStage.Move.DOWN)
    if selectors.ladder_position(client).promotion_due:
        raise ValidationError({"lapsed": _(
            "Every task of %(stage)s would still be evidenced, so the client would be "
            "proposed for promotion again at once: name a task of %(stage)s that has "
            "lapsed.") % {"stage": below}})
    return moved


def _move(*, client, current, to, on, by, note, move, at_discretion=False, unmet_tasks=()):
    if on < current.started_on:
        raise ValidationError(_("The date cannot be before the current stage began."))
    current.ended_on = on
    current.save()
    _sync_probation(client, to)
    moved = ClientStage(client=client, stage=to, started_on=on, move=move, note=note, by=by,
                        at_discretion=at_discretion, unmet_tasks=list(unmet_tasks))
    moved.full_clean()
    moved.save()
    return moved


def _sync_probation(client, stage):
    """The client record's probation flag follows the first rung of the ladder."""
    on_probation = stage.order == stage.ladder.stages.order_by("order").first().order
    if client.on_probation != on_probation:
        client.on_probation = on_probation
        client.save()


@transaction.atomic
def assessment_settings_update(*, site, by, reassess_every_weeks):
    """A manager sets how often their site's clients are re-assessed."""
    if not by.manages(site):
        raise PermissionDenied
    row = AssessmentSettings.objects.select_for_update().filter(site=site).first()
    row = row or AssessmentSettings(site=site)
    row._history_user = by
    row.reassess_every_weeks = reassess_every_weeks
    row.full_clean()
    row.save()
    return row


@transaction.atomic
def portfolio_add(*, client, by, kind, on, title, text="", file=None, in_pdf=True):
    """Add an achievement to the client's portfolio."""
    _require_open(client)
    if on > timezone.localdate():
        raise ValidationError({"on": _("The date cannot be in the future.")})
    item = PortfolioItem(client=client, by=by, kind=kind, on=on, title=title, text=text,
                         in_pdf=in_pdf)
    if file:
        item.file = file
    item.full_clean()
    item.save()
    return item


# Ladder tasks evidenced from a group's register ----------------------------------------------


def _evidence_from_rates(links, client_ids, by, on, *, corrected=None):
    """The one home of "a register task is met" (`RegisterTask.met_by`), for each of `links`
    (RegisterTask, with task__stage and activity) and each of `client_ids` whose record is
    open, who are on the ladder at the link's site, on a task of their current or a higher
    stage:

    - when their rate now meets the task and nothing counts for it yet, its evidence is
      made (what = the register's figures, on = `on`, from_activity = the activity);
    - with `corrected` (the session whose register was changed), the evidence made from
      that activity's register that no longer meets the task lapses (who, when, why: the
      register was corrected), as a move down lapses evidence: kept, never deleted, and it
      can be made again when the rate meets the task again. Typed evidence is never
      touched.

    Returns (made, lapsed). A fixed number of queries whatever the number of clients."""
    if not links or not client_ids:
        return [], []
    sites = dict(Client.objects.filter(pk__in=list(client_ids)).open()
                 .values_list("pk", "site_id"))
    stages = {row.client_id: row.stage for row in ClientStage.objects.current()
              .filter(client_id__in=list(sites)).select_related("stage")}
    if not stages:
        return [], []
    found = rates(list(stages), {link.activity_id for link in links})
    counting = {(e.client_id, e.task_id): e for e in Evidence.objects.counting().filter(
        client_id__in=list(stages), task_id__in={link.task_id for link in links})}
    made, lapsed, now = [], [], timezone.now()
    for client_id, stage in stages.items():
        for link in links:
            task = link.task
            if (link.site_id != sites[client_id] or task.stage.ladder_id != stage.ladder_id
                    or task.stage.order < stage.order):
                continue
            rate = found.get((client_id, link.activity_id), NO_SESSIONS)
            evidence = counting.get((client_id, task.pk))
            if evidence is None and link.met_by(rate):
                evidence = Evidence(client_id=client_id, task=task, task_text=task.text, on=on,
                                    what=selectors.register_figures(link, rate), by=by,
                                    status=Evidence.Status.DONE,
                                    from_activity_id=link.activity_id)
                # The foreign keys and "one counting row per task" hold by construction (and
                # the database enforces the latter): checked here, they would cost queries.
                evidence.full_clean(exclude={"client", "task", "by", "from_activity"},
                                    validate_unique=False, validate_constraints=False)
                made.append(evidence)
            elif (corrected is not None and evidence is not None
                  and evidence.from_activity_id == link.activity_id
                  and not link.met_by(rate)):
                evidence.lapsed_at, evidence.lapsed_by = now, by
                evidence.lapsed_reason = _(
                    "The register of %(activity)s on %(day)s was corrected: %(figures)s.") % {
                    "activity": link.activity.name,
                    "day": format_day(dates.local_day(corrected.starts_at)),
                    "figures": selectors.register_figures(link, rate)}
                lapsed.append(evidence)
    if made:
        made = bulk_create_with_history(made, Evidence, default_user=by)
    if lapsed:
        bulk_update_with_history(lapsed, Evidence, ["lapsed_at", "lapsed_by", "lapsed_reason"],
                                 default_user=by,
                                 default_change_reason="register corrected")
    return made, lapsed


def evidence_from_register(session, client_ids, by):
    """activities.hooks.register_marked: after a session's register is saved, the ladder
    evidence of the clients whose rate at that activity now meets a task, dated the day of
    the session; and, the register having been corrected, the lapse of evidence made from
    it that no longer does. Returns (made, lapsed)."""
    links = list(RegisterTask.objects.filter(activity_id=session.activity_id)
                 .select_related("task__stage", "activity"))
    return _evidence_from_rates(links, client_ids, by, dates.local_day(session.starts_at),
                                corrected=session)


@transaction.atomic
def register_task_save(*, site, task, activity, rate, by, sessions_needed=None):
    """A manager of the site names the activity whose register evidences a ladder task, the
    rate needed and the least number of sessions held before it counts (`sessions_needed`:
    when None, as before, or the default); members who already meet it get their evidence
    at once. Evidence already made stays."""
    if not by.manages(site.pk):
        raise PermissionDenied
    if not isinstance(activity, Activity) or activity.site_id != site.pk:
        raise ValidationError({"activity": _("Choose an activity of this site.")})
    link = RegisterTask.objects.filter(site=site, task=task).first() or RegisterTask(
        site=site, task=task)
    link.activity, link.rate = activity, rate
    if sessions_needed is not None:
        link.sessions_needed = sessions_needed
    link.full_clean()
    link.save()
    members = list(activity.memberships.current().values_list("client_id", flat=True))
    _evidence_from_rates([link], members, by, timezone.localdate())
    return link


@transaction.atomic
def register_task_remove(*, link, by):
    """A manager stops evidencing a task from a register; evidence already made stays."""
    if not by.manages(link.site_id):
        raise PermissionDenied
    link.delete()
