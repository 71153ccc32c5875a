"""Demo assessments over several months, clients on every rung, evidence and portfolios."""

import datetime

from django.utils import timezone

from activities.models import Activity
from clients.demo import large_site_manager, large_sites
from clients.models import Client
from keywork.lib.bulk import insert_with_history
from staff.models import Site
from stages import selectors, services
from stages.models import (
    Assessment,
    ClientStage,
    Ladder,
    LadderTask,
    Need,
    NeedRating,
    PortfolioItem,
    Rating,
    RegisterTask,
)

LEVELS = [Rating.PRE_CONTEMPLATION, Rating.CONTEMPLATION, Rating.DETERMINED, Rating.ACTION,
          Rating.ACHIEVING]


def _ratings(rng, needs, level, spread=1):
    """A plausible grid around `level` (0..4): some needs not applicable."""
    ratings = {}
    for need in needs:
        if rng.random() < 0.3:
            ratings[need.pk] = (Rating.NOT_APPLICABLE, "")
        else:
            step = max(0, min(4, level + rng.randint(-spread, spread)))
            ratings[need.pk] = (LEVELS[step], "")
    return ratings


def _assess(rng, client, needs, levels, by, today):
    """Assessments a month apart, oldest first, following `levels`."""
    start = max(client.admitted_on, today - datetime.timedelta(days=30 * (len(levels) - 1) + 3))
    for i, level in enumerate(levels):
        day = min(today, start + datetime.timedelta(days=30 * i + 2))
        services.assessment_record(client=client, assessed_on=day, by=by,
                                   ratings=_ratings(rng, needs, level))


def _evidence_all(client, stage, by, on):
    for task in stage.tasks.all():
        if not client.evidence.filter(task=task).exists():
            services.evidence_record(client=client, task=task, by=by, on=on,
                                     what="Seen at the monthly review.",
                                     not_applicable=task.where_appropriate and task.order == 0)


def _ladder_rules(on_ladder, manager, today):
    """One client moved down with a task's evidence lapsed (struck through on the ladder,
    no longer proposed for promotion), one promoted at the manager's discretion."""
    demoted = next((c for c in on_ladder
                    if selectors.ladder_position(c).current.stage.order > 0), None)
    if demoted is not None:
        current = services.current_stage(demoted)
        below = selectors.stage_below(current.stage)
        lapsable = [e for e in selectors.lapsable_evidence(current)
                    if e.task.stage_id == below.pk]
        if lapsable:
            services.stage_demote(client=demoted, by=manager, lapsed=lapsable[:1],
                                  reason="Stopped the weekly fitness class for a month.",
                                  on=max(current.started_on, today - datetime.timedelta(days=3)))
    for client in on_ladder:
        position = selectors.ladder_position(client)
        if client != demoted and position.unmet and position.above is not None:
            services.stage_promote(
                client=client, by=manager, at_discretion=True,
                note="Doing well in every other way; the GP registration waits on a letter.",
                on=max(position.current.started_on, today - datetime.timedelta(days=2)))
            break


def seed(ctx):
    rng, today = ctx["rng"], timezone.localdate()
    manager = ctx["staff"]["manager"]
    clients = [c for c in ctx.get("clients", []) if c.admitted_on and not c.is_archived]
    needs = list(Need.objects.in_use())
    if Assessment.objects.filter(client__in=clients).exists():
        return _large(ctx, needs)
    patterns = [[0, 1, 2, 3], [1, 2, 2], [2, 1, 1], [0, 1], [1, 2, 3, 3], [0, 0, 1]]
    # One client last assessed 26 days ago: their re-assessment (every four weeks at the
    # demo sites, below) is due this week.
    behind = next((c for i, c in enumerate(clients)
                   if i != 2 and c.admitted_on <= today - datetime.timedelta(days=30)), None)
    for i, client in enumerate(clients):
        keyworker = client.allocations.current().primary().first()
        by = keyworker.worker if keyworker else manager
        if i == 2:
            continue  # one client still waits for the initial assessment
        until = today - datetime.timedelta(days=25) if client == behind else today
        months = (until - client.admitted_on).days // 30
        levels = patterns[i % len(patterns)][: max(1, months + 1)]
        _assess(rng, client, needs, levels, by, until)
    on_ladder = [c for c in clients if c.site.uses_ladder]
    for rung, client in enumerate(on_ladder):
        for _step in range(rung):
            current = services.current_stage(client)
            if current is None:
                break
            _evidence_all(client, current.stage, manager,
                          max(current.started_on, today - datetime.timedelta(days=40)))
            if not selectors.ladder_position(client).promotion_due:
                break
            services.stage_promote(client=client, by=manager, note="Confirmed at the review",
                                   on=max(current.started_on, today - datetime.timedelta(days=30)))
    if on_ladder:
        proposed = on_ladder[0]
        current = services.current_stage(proposed)
        _evidence_all(proposed, current.stage, manager, today)
    _ladder_rules(on_ladder[1:], manager, today)
    for site in {c.site for c in clients}:
        # The monthly reviews re-assess.
        services.assessment_settings_update(site=site, by=manager, reassess_every_weeks=4)
    for client in clients[:6]:
        services.portfolio_add(client=client, by=manager, kind=PortfolioItem.Kind.CERTIFICATE,
                               on=today - datetime.timedelta(days=20),
                               title="Food hygiene level 2",
                               text="Passed the course at the community college.")
        services.portfolio_add(client=client, by=manager, kind=PortfolioItem.Kind.THANKS,
                               on=today - datetime.timedelta(days=5),
                               title="Thanks for volunteering at the garden project",
                               text="Helped every Saturday for two months.")
    _register_tasks(ctx)
    _large(ctx, needs)


# The ladder's workshop tasks, by the text the reference ladder gives them, and the rate.
WORKSHOP_TASKS = [("At least 50 %", 50), ("100 %", 100)]


def _register_tasks(ctx):
    """At the ladder sites, the workshop tasks count the Action Training Workshop's
    register (activities' demo made it): members already meeting the rate are evidenced."""
    # Read afresh: the large site was added to the manager's sites after this object
    # cached them.
    manager = type(ctx["staff"]["manager"]).objects.get(pk=ctx["staff"]["manager"].pk)
    _register_site_tasks(Site.objects.filter(code="HH1").first(), manager)


def _register_site_tasks(site, manager):
    """The workshop tasks of one ladder site, by `manager` (one who manages it)."""
    tasks = Ladder.objects.current().stages.values_list("tasks", flat=True)
    workshop = Activity.objects.filter(site=site, name="Action Training Workshop").first()
    if workshop is None or RegisterTask.objects.filter(site=site).exists():
        return
    for start, rate in WORKSHOP_TASKS:
        task = LadderTask.objects.filter(pk__in=tasks, text__startswith=start).first()
        if task is not None:
            services.register_task_save(site=site, task=task, activity=workshop, rate=rate,
                                        by=manager)


def _large(ctx, needs):
    """Two assessments per admitted client on each large demo site, in bulk."""
    for site in large_sites(ctx):
        _large_site(ctx, needs, site)


def _large_site(ctx, needs, site):
    rng, today = ctx["rng"], timezone.localdate()
    manager = large_site_manager(ctx, site)
    clients = list(Client.objects.filter(site=site, admitted_on__isnull=False)
                   .exclude(assessments__isnull=False))
    area_of = {need.pk: need.area_id for need in needs}
    assessments, grids = [], []
    for client in clients:
        for kind, offset, level in (("initial", 3, rng.randint(0, 2)),
                                    ("review", 33, rng.randint(1, 4))):
            day = min(today, client.admitted_on + datetime.timedelta(days=offset))
            grid = _ratings(rng, needs, level)
            overall, areas = services.assessment_scores(
                (area_of[n], r) for n, (r, _note) in grid.items())
            assessments.append(Assessment(
                client=client, kind=kind, assessed_on=day, by=manager, overall=overall,
                area_scores={str(k): float(v) if v is not None else None
                             for k, v in areas.items()}))
            grids.append(grid)
    created = insert_with_history(assessments, Assessment, user=manager)
    ratings = [NeedRating(assessment=a, need_id=n, rating=r)
               for a, grid in zip(created, grids, strict=True) for n, (r, _note) in grid.items()]
    insert_with_history(ratings, NeedRating, user=manager)
    on_ladder = set(ClientStage.objects.filter(client__in=clients).values_list("client_id",
                                                                              flat=True))
    first_rung = Ladder.objects.current().stages.order_by("order").first()
    stages = [ClientStage(client=client, stage=first_rung, started_on=client.admitted_on,
                          ended_on=client.ended_on, move=ClientStage.Move.START, by=manager)
              for client in clients if client.pk not in on_ladder and client.site.uses_ladder]
    insert_with_history(stages, ClientStage, user=manager)
    # Read afresh: the site was added to the demo manager's sites after the object cached
    # them.
    _register_site_tasks(site, type(manager).objects.get(pk=manager.pk))

