"""Outcome reports: the figures funders and the organisation ask for, over a period.

`outcome_report` returns sections of (label, value) rows; the page, the CSV and the XLSX
are all drawn from the same rows, so their totals always agree. Each section is a fixed
number of aggregate queries whatever the data size.
"""

import base64
import datetime
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from attendance import selectors as attendance_selectors
from clients import selectors as clients_selectors
from clients.models import Allocation, Client
from diary.models import Contact, KeyworkSession
from keywork.lib import charts, dates
from plans.models import Action, Referral, Review
from safeguarding import selectors as safeguarding_selectors
from stages.models import Assessment, ClientStage, NeedArea

MAX_YEARS = 5
FEEDBACK_SHOWN = 20  # the most recent of the clients' own words shown on the page


@dataclass
class Period:
    start: datetime.date
    end: datetime.date  # inclusive
    label: str

    @property
    def start_at(self):
        return dates.start_of_day(self.start)

    @property
    def end_at(self):
        """The first moment after the period."""
        return dates.start_of_day(self.end + dates.DAY)


def period_for(kind, today=None, start=None, end=None):
    """The period a report covers: the last full month, quarter or year, or given dates."""
    today = today or timezone.localdate()
    if kind == "month":
        end = today.replace(day=1) - datetime.timedelta(days=1)
        start = end.replace(day=1)
    elif kind == "quarter":
        first_month = (today.month - 1) // 3 * 3 + 1
        end = today.replace(month=first_month, day=1) - datetime.timedelta(days=1)
        start = end.replace(month=(end.month - 1) // 3 * 3 + 1, day=1)
    elif kind == "year":
        start, end = today.replace(year=today.year - 1, month=1, day=1), \
            today.replace(year=today.year - 1, month=12, day=31)
    elif kind == "dates":
        if not start or not end:
            raise ValidationError(_("Give both dates."))
    else:
        raise ValidationError(_("Choose a month, a quarter, a year or dates."))
    if end < start:
        raise ValidationError(_("The period cannot end before it starts."))
    if end - start > datetime.timedelta(days=366 * MAX_YEARS):
        raise ValidationError(_("A report covers at most five years."))
    label = f"{dates.format_day(start)} – {dates.format_day(end)}"
    return Period(start, end, label)


@dataclass
class Section:
    key: str
    title: str
    rows: list = field(default_factory=list)  # [(label, value)]
    chart: str = ""  # a data: URL of an SVG chart of the rows
    notes: list = field(default_factory=list)  # free text, e.g. the clients' own words
    empty: str = ""  # said instead of the chart when it would have nothing to draw


def _in_scope(clients, period, worker):
    """Clients at the sites whose file was open during the period (and the worker's)."""
    clients = clients.filter(Q(admitted_on__lte=period.end) | Q(admitted_on__isnull=True,
                                                                 referred_on__lte=period.end))
    clients = clients.filter(Q(ended_on__isnull=True) | Q(ended_on__gte=period.start))
    if worker is not None:
        clients = clients.filter(pk__in=Allocation.objects.primary().filter(
            worker=worker, start__lte=period.end).filter(
            Q(end__isnull=True) | Q(end__gt=period.start)).values("client"))
    return clients


def _bar(title, rows, empty):
    """{"chart": a data: URL for an <img>}, or {"empty": what to say instead} when every
    figure is zero: an empty chart reads as a broken one."""
    svg = charts.bar(title, [label for label, _v in rows], [value for _l, value in rows])
    if svg is None:
        return {"empty": empty}
    return {"chart": "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()}


def _clients_section(scope, period):
    ids = scope.values("pk")
    base = Client.objects.filter(pk__in=ids)
    counts = base.aggregate(
        worked_with=Count("pk", filter=Q(admitted_on__isnull=False)),
        admitted=Count("pk", filter=Q(admitted_on__range=(period.start, period.end))),
        moved_on=Count("pk", filter=Q(status=Client.Status.MOVED_ON,
                                      ended_on__range=(period.start, period.end))),
        discharged=Count("pk", filter=Q(status=Client.Status.DISCHARGED,
                                        ended_on__range=(period.start, period.end))),
    )
    # Where those who left went (a referral closed before admission went nowhere from here).
    destinations = Counter(base.filter(status__in=Client.LEFT,
                                       ended_on__range=(period.start, period.end))
                           .values_list("end_destination", flat=True))
    rows = [(_("Clients worked with"), counts["worked_with"]),
            (_("Admitted"), counts["admitted"]),
            (_("Moved on"), counts["moved_on"]),
            (_("Discharged"), counts["discharged"])]
    rows += [(_("Destination: %(place)s") % {"place": place or _("not recorded")}, n)
             for place, n in sorted(destinations.items())]
    return Section("clients", _("Clients"), rows,
                   **_bar(_("Clients"), rows[:4], _("No clients in this period.")))


def _referrals_section(scope, period):
    """Incoming referrals made in the period, by what became of them (as things stand)."""
    found = clients_selectors.referral_outcomes(scope, period.start, period.end)
    statuses = dict(Client.Status.choices)
    labels = {"admitted": _("Admitted"), Client.Status.REFERRED: _("Still waiting")}
    reasons = dict(Client.ReferralEndReason.choices)
    rows = [(_("Referrals received"), found.total)]
    outcome_rows = [(labels.get(key) or statuses[key], n) for key, n in found.outcomes]
    rows += outcome_rows
    rows += [(_("%(outcome)s: %(reason)s") % {
        "outcome": statuses[status], "reason": reasons.get(reason) or _("no reason given")}, n)
        for status, reason, n in found.reasons]
    return Section("referrals", _("Referrals received and their outcomes"), rows,
                   **_bar(_("Referrals received"), outcome_rows,
                          _("No referrals received in this period.")))


def _sessions_section(scope, period, site_ids=None, moved_away=None):
    """The sessions and contacts held at the report's sites (`site_ids`; each row keeps
    the site it was held at), with the clients of `scope` and those of `moved_away`: the
    clients who were here during the period and have moved to another site since. Their
    sessions here count here, and not in the receiving site's figures."""
    held = Q(client__in=scope.values("pk"))
    if moved_away is not None:
        held |= Q(client__in=moved_away.values("pk"))
    if site_ids is not None:
        held &= Q(site_id__in=site_ids)
    # counted(): keywork recorded late and awaiting a manager's approval is not a figure yet.
    sessions = KeyworkSession.objects.counted().filter(
        held, starts_at__gte=period.start_at, starts_at__lt=period.end_at)
    status = KeyworkSession.Status
    counts = sessions.aggregate(
        booked=Count("pk"),
        attended=Count("pk", filter=Q(status=status.ATTENDED)),
        missed=Count("pk", filter=Q(status=status.DID_NOT_ATTEND)),
        cancelled=Count("pk", filter=Q(status=status.CANCELLED)),
        not_logged=Count("pk", filter=Q(status=status.BOOKED)),
    )
    # with_client(): only a contact with the client is contact with the client; those with
    # a relative, a friend or a professional about them are liaison, counted apart.
    contacts = Contact.objects.counted().filter(held, at__gte=period.start_at,
                                                at__lt=period.end_at)
    split = contacts.aggregate(
        with_client=Count("pk", filter=Q(pk__in=contacts.with_client().values("pk"))),
        liaison=Count("pk", filter=Q(pk__in=contacts.liaison().values("pk"))))
    rows = [(_("Sessions booked"), counts["booked"]),
            (_("Sessions held (attended)"), counts["attended"]),
            (_("Sessions missed (did not attend)"), counts["missed"]),
            (_("Sessions cancelled"), counts["cancelled"]),
            (_("Sessions not yet logged"), counts["not_logged"]),
            (_("Other contacts with the client"), split["with_client"]),
            (_("Liaison with others about the client"), split["liaison"])]
    return Section("sessions", _("Keywork sessions and contacts"), rows,
                   **_bar(_("Sessions"), rows[:4], _("No sessions in this period.")))


def _actions_section(scope, period):
    actions = Action.objects.filter(goal__plan__client__in=scope.values("pk"))
    counts = actions.aggregate(
        set=Count("key", distinct=True,
                  filter=Q(goal__plan__starts_on__range=(period.start, period.end))),
        completed=Count("key", distinct=True,
                        filter=Q(outcome=Action.Outcome.DONE,
                                 outcome_on__range=(period.start, period.end))),
    )
    referrals = Referral.objects.filter(client__in=scope.values("pk"),
                                        made_on__range=(period.start, period.end))
    by_agency = (referrals.values("agency__name", "outcome").annotate(n=Count("pk"))
                 .order_by("agency__name", "outcome"))
    outcome_label = dict(Referral.Outcome.choices)
    rows = [(_("Plan actions set"), counts["set"]),
            (_("Plan actions completed"), counts["completed"]),
            (_("Referrals made"), referrals.count())]
    rows += [(f"{row['agency__name']}: {outcome_label.get(row['outcome'], row['outcome'])}",
              row["n"]) for row in by_agency]
    return Section("actions", _("Actions and referrals"), rows,
                   **_bar(_("Actions"), rows[:3],
                          _("No plan actions or referrals in this period.")))


def _spread(values):
    if not values:
        return "—", "—", "—"
    mean = Decimal(str(round(statistics.fmean(values), 1)))
    spread = Decimal(str(round(statistics.pstdev(values), 1))) if len(values) > 1 else Decimal(0)
    return mean, spread, f"{min(values):.1f} … {max(values):.1f}"


def _distance_section(scope, period):
    """The change from each client's initial assessment to their last one in the period."""
    rows_by_client = defaultdict(list)
    for row in (Assessment.objects.filter(client__in=scope.values("pk"),
                                          assessed_on__lte=period.end)
                .order_by("client_id", "assessed_on", "pk")
                .values("client_id", "assessed_on", "overall", "area_scores")):
        rows_by_client[row["client_id"]].append(row)
    overall, per_area = [], defaultdict(list)
    for assessments in rows_by_client.values():
        first, last = assessments[0], assessments[-1]
        if len(assessments) < 2 or last["assessed_on"] < period.start:
            continue
        if first["overall"] is not None and last["overall"] is not None:
            overall.append(float(last["overall"] - first["overall"]))
        for area, score in last["area_scores"].items():
            before = first["area_scores"].get(area)
            if score is not None and before is not None:
                per_area[area].append(score - before)
    mean, spread, span = _spread(overall)
    rows = [(_("Clients re-assessed"), len(overall)),
            (_("Mean change in overall score (points)"), mean),
            (_("How much the changes differ (standard deviation)"), spread),
            (_("Range"), span)]
    areas = list(NeedArea.objects.all())
    area_rows = []
    for area in areas:
        area_mean, _s, _r = _spread(per_area.get(str(area.pk), []))
        area_rows.append((_("Mean change: %(area)s") % {"area": area.name}, area_mean))
    rows += area_rows
    chart_rows = [(label.split(": ", 1)[-1], float(v)) for label, v in area_rows
                  if isinstance(v, Decimal)]
    return Section("distance", _("Distance travelled"), rows,
                   **_bar(_("Mean change per area (points)"), chart_rows,
                          _("No client re-assessed in this period.")))


def _ladder_section(scope, period):
    stays = list(ClientStage.objects.filter(client__in=scope.values("pk"),
                                            started_on__lte=period.end)
                 .filter(Q(ended_on__isnull=True) | Q(ended_on__gte=period.start))
                 .select_related("stage").order_by("stage__order"))
    at_end = Counter(s.stage.name for s in stays
                     if s.ended_on is None or s.ended_on > period.end)
    durations = defaultdict(list)
    for stay in stays:
        if stay.ended_on and period.start <= stay.ended_on <= period.end:
            durations[stay.stage.name].append((stay.ended_on - stay.started_on).days)
    names = list(dict.fromkeys(s.stage.name for s in stays))
    rows = [(_("On %(stage)s at the end of the period") % {"stage": name}, at_end.get(name, 0))
            for name in names]
    rows += [(_("Median days at %(stage)s (stays ended in the period)") % {"stage": name},
              round(statistics.median(durations[name]))) for name in names
             if durations.get(name)]
    return Section("ladder", _("The stages ladder"), rows,
                   **_bar(_("Clients per stage"), [(n, at_end.get(n, 0)) for n in names],
                          _("No client on the ladder at the end of this period.")))


def _feedback_section(scope, period):
    reviews = list(Review.objects.filter(plan__client__in=scope.values("pk"),
                                         held_on__range=(period.start, period.end))
                   .order_by("held_on").values("held_on", "client_view", "rating"))
    ratings = [r["rating"] for r in reviews if r["rating"]]
    rows = [(_("Reviews held"), len(reviews)),
            (_("Reviews with a rating"), len(ratings)),
            (_("Mean rating of the support (1–5)"),
             Decimal(str(round(statistics.fmean(ratings), 1))) if ratings else "—")]
    rows += [(_("Rated %(n)s") % {"n": n}, ratings.count(n)) for n in range(1, 6)]
    notes = [f"{dates.format_day(r['held_on'])}: {r['client_view']}" for r in reviews
             if r["client_view"]][-FEEDBACK_SHOWN:]
    return Section("feedback", _("The clients' own feedback"), rows,
                   notes=notes, **_bar(_("Ratings"), [(_("Rated %(n)s") % {"n": n},
                                                      ratings.count(n)) for n in range(1, 6)],
                                       _("No ratings in this period.")))


def _attendance_section(scope, period, site_ids, worker):
    """The door register over the period (attendance.selectors.site_figures): the whole
    site's, visitors too; for one keyworker, their clients' only."""
    figures = attendance_selectors.site_figures(site_ids, period.start, period.end,
                                                clients=scope if worker else None)
    rows = [(_("People who came in"), figures.people),
            (_("Visits"), figures.visits),
            (_("Days the door was open"), figures.days_open),
            (_("Average visits per day open"), figures.per_day)]
    return Section("attendance", _("Attendance at the door"), rows,
                   **_bar(_("Attendance at the door"), rows[:2],
                          _("Nobody was checked in at the door in this period.")))


def _safeguarding_section(period, site_ids):
    """Site-wide figures (safeguarding.selectors.counts): records are about several clients
    and restricted, so they are counted by site, never listed."""
    rows = safeguarding_selectors.count_rows(
        safeguarding_selectors.counts(site_ids, period.start, period.end))
    return Section("safeguarding", _("Safeguarding"), rows,
                   **_bar(_("Safeguarding"), rows, _("No safeguarding records or bans.")))


# The report's sections in the order it shows them. Most are made from the clients in scope
# and the period; outcome_report gives the others what more they need.
SECTIONS = [_clients_section, _referrals_section, _sessions_section, _attendance_section,
            _actions_section, _distance_section, _ladder_section, _feedback_section,
            _safeguarding_section]


def outcome_report(user, site_ids, period, worker=None):
    """Every section for the clients the user may see at the sites, over the period."""
    scope = _in_scope(Client.objects.for_user(user).filter(site_id__in=site_ids), period,
                      worker)
    # Counted only, never named: the clients who moved from these sites to another since.
    moved_away = _in_scope(Client.objects.exclude(site_id__in=site_ids).filter(
        site_moves__from_site__in=site_ids), period, worker)
    made_apart = {
        _sessions_section: lambda: _sessions_section(scope, period, site_ids, moved_away),
        _attendance_section: lambda: _attendance_section(scope, period, site_ids, worker),
        # Counted by site, never for one keyworker (safeguarding records are restricted).
        _safeguarding_section: lambda: (None if worker is not None
                                        else _safeguarding_section(period, site_ids)),
    }
    sections = [made_apart[section]() if section in made_apart else section(scope, period)
                for section in SECTIONS]
    return [section for section in sections if section is not None]


def flat_rows(sections):
    """(section title, measure, value) for exports, in the page's order."""
    return [(section.title, label, value) for section in sections
            for label, value in section.rows]
