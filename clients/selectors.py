"""The clients app's facts that several pages, the dashboard and jobs show.

Each is computed here once, for many workers or sites at a time in a fixed number of
queries; the caseload page, the keyworkers page, the allocation forms, the allocation
services' limit check, the manager dashboard and supervision agendas all read them.
"""

from dataclasses import dataclass

from django.db.models import Count, Exists, Max, OuterRef, Q
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from clients.models import Allocation, Client
from staff.models import Gender, Site, Skill, User, split_languages


@dataclass(frozen=True)
class Caseload:
    """How many open clients a worker is the (primary) keyworker of, against their limit.

    Counted across every site they work at: the limit is the worker's, not a site's.
    """

    size: int
    limit: int

    @property
    def is_over(self):
        return self.size > self.limit

    @property
    def is_full(self):
        return self.size == self.limit


def caseload_sizes(workers, on=None):
    """{worker id: Caseload} for the given workers (objects with `pk` and
    `caseload_limit`), in one query."""
    workers = list(workers)
    rows = (Allocation.objects.current(on).primary()
            .filter(worker__in=[w.pk for w in workers])
            .exclude(client__status__in=Client.ENDED)
            .values("worker").annotate(n=Count("pk")))
    sizes = {row["worker"]: row["n"] for row in rows}
    return {w.pk: Caseload(size=sizes.get(w.pk, 0), limit=w.caseload_limit) for w in workers}


# Words in a client's alerts and cultural needs that ask for a specialism even where
# "specialist support wanted" was not filled in (English: the file is written in English).
SKILL_WORDS = {
    Skill.MENTAL_HEALTH: ("mental health", "self-harm", "self harm", "suicid", "psychosis",
                          "depression", "anxiety"),
    Skill.SUBSTANCE_USE: ("drug", "alcohol", "overdose", "substance", "heroin", "opiate",
                          "methadone"),
    Skill.DOMESTIC_ABUSE: ("domestic abuse", "domestic violence"),
    Skill.WOMEN_ONLY: ("women-only", "women only"),
    Skill.OFFENDING: ("probation", "offending", "prison"),
}


@dataclass(frozen=True)
class KeyworkerMatch:
    """How well one worker fits one client: the languages they share (as the client's file
    writes them), whether the worker is of the gender the client asked for, the
    specialisms the client needs that the worker has, and the worker's caseload."""

    worker: User
    caseload: Caseload
    languages: tuple
    shares_first_language: bool
    gender_met: bool
    skills: tuple

    @property
    def places_left(self):
        return max(self.caseload.limit - self.caseload.size, 0)

    @property
    def has_room(self):
        return self.caseload.size < self.caseload.limit

    @property
    def score(self):
        """The client's preferred (first) language weighs most, then a gender asked for,
        then each other shared language and each specialism."""
        return (3 * self.shares_first_language + len(self.languages)
                - self.shares_first_language + 2 * self.gender_met + len(self.skills))

    @property
    def reasons(self):
        """The matches in words, best first ("Speaks Polish", "Woman, as asked")."""
        found = []
        if self.languages:
            found.append(_("Speaks %(languages)s") % {"languages": ", ".join(self.languages)})
        if self.gender_met:
            found.append(_("%(gender)s, as the client asked")
                         % {"gender": Gender(self.worker.gender).label})
        if self.skills:
            found.append(_("Specialism: %(skills)s") % {"skills": ", ".join(self.skills)})
        return found

    @property
    def room(self):
        if self.caseload.is_over:
            return _("over the limit (%(size)s of %(limit)s)") % {
                "size": self.caseload.size, "limit": self.caseload.limit}
        if not self.has_room:
            return _("full (%(size)s of %(limit)s)") % {
                "size": self.caseload.size, "limit": self.caseload.limit}
        return ngettext("%(count)s place left", "%(count)s places left",
                        self.places_left) % {"count": self.places_left}

    @property
    def summary(self):
        """"Speaks Polish · 3 places left": what the allocation forms show per worker."""
        return " · ".join([*self.reasons, self.room])


def skills_wanted(client):
    """The specialisms a client's file asks for: those ticked, then those its alerts and
    cultural needs name (SKILL_WORDS), each once."""
    wanted = [value for value in client.support_wanted if value in Skill.values]
    text = f"{client.alerts}\n{client.cultural_needs}".casefold()
    wanted += [skill.value for skill, words in SKILL_WORDS.items()
               if skill.value not in wanted and any(word in text for word in words)]
    return wanted


def keyworker_matches(client, workers, on=None):
    """[KeyworkerMatch] for each of `workers` against `client`, best first: those with
    room before those who are full, then by score (KeyworkerMatch.score), then by places
    left, then in the order given. The allocation, co-keyworker and cover pages show it.
    Two queries: the workers and their caseloads."""
    workers = list(workers)
    caseloads = caseload_sizes(workers, on)
    client_languages = split_languages(client.languages)
    first = client_languages[0].casefold() if client_languages else None
    wanted = skills_wanted(client)
    matches = []
    for worker in workers:
        spoken = {name.casefold() for name in split_languages(worker.languages)}
        matches.append(KeyworkerMatch(
            worker=worker,
            caseload=caseloads[worker.pk],
            languages=tuple(name for name in client_languages if name.casefold() in spoken),
            shares_first_language=first in spoken,
            gender_met=bool(client.preferred_keyworker_gender)
            and worker.gender == client.preferred_keyworker_gender,
            skills=tuple(str(Skill(value).label) for value in wanted if value in worker.skills),
        ))
    order = {match.worker.pk: n for n, match in enumerate(matches)}
    return sorted(matches, key=lambda m: (not m.has_room, -m.score, -m.places_left,
                                          order[m.worker.pk]))


def holders_at(site_ids, on=None):
    """The ids (a subquery) of the workers who are keyworker of an open client at these
    sites, active or not: a caseload that was never transferred must still show, with its
    transfer link."""
    return (Allocation.objects.current(on).primary()
            .filter(client__in=Client.objects.open().filter(site_id__in=site_ids))
            .values("worker_id"))


def keyworkers_shown(site_ids, on=None):
    """The workers a manager sees a caseload row for at these sites: the active
    keyworkers there, and anyone still the keyworker of an open client there (deactivated
    before the caseload was transferred), so that no client drops out of sight."""
    return (User.objects.filter(
        Q(sites__in=site_ids, role=User.Role.KEYWORKER, is_active=True)
        | Q(pk__in=holders_at(site_ids, on))).distinct().order_by("first_name", "last_name"))


def keyworkers_at(sites):
    """Everyone who is or was a keyworker at these sites, for the filters that pick one
    (the client list, the outcome report): a report may be about someone who has left."""
    return (User.objects.filter(sites__in=sites, role=User.Role.KEYWORKER).distinct()
            .order_by("first_name", "last_name"))


def unallocated(site_ids, on=None):
    """The admitted or active clients at these sites with no current (primary) keyworker,
    oldest admission first. One query when evaluated."""
    has_keyworker = Allocation.objects.current(on).primary().filter(client=OuterRef("pk"))
    return (Client.objects.open().filter(site_id__in=site_ids)
            .exclude(status=Client.Status.REFERRED).exclude(Exists(has_keyworker))
            .select_related("site").order_by("admitted_on", "last_name", "first_name", "pk"))


def deactivation_blockers(user):
    """What stops `user` being deactivated: [(text, url)], one per site where they are
    still the keyworker of open clients; each links to that site's transfer page.

    Registered in staff.hooks from ClientsConfig.ready(): staff cannot import clients.
    """
    rows = (Allocation.objects.current().primary().filter(worker=user)
            .exclude(client__status__in=Client.ENDED)
            .values("client__site").annotate(n=Count("pk")).order_by("client__site__name"))
    counts = {row["client__site"]: row["n"] for row in rows}
    sites = Site.objects.filter(pk__in=counts).order_by("name")
    return [(ngettext("%(name)s is still the keyworker of %(count)s client at %(site)s.",
                      "%(name)s is still the keyworker of %(count)s clients at %(site)s.",
                      counts[site.pk]) % {"name": user, "count": counts[site.pk],
                                          "site": site.name},
             reverse("clients:transfer", args=[user.pk]) + f"?site={site.pk}")
            for site in sites]


@dataclass(frozen=True)
class AlertNews:
    """The alert lines a client's record gained and lost over a span."""

    raised: list
    removed: list


def alerts_between(client_ids, start, end):
    """{client id: AlertNews} for the clients whose alerts (one a line) changed from
    `start` to `end`, read from the record's history: the last version before each
    instant. A client recorded during the span had no alerts at its start. One query."""
    history = Client.history.model

    def last_before(moment):
        return (history.objects.filter(id__in=client_ids, history_date__lt=moment)
                .values("id").annotate(last=Max("history_id")).values("last"))

    rows = (history.objects.filter(Q(history_id__in=last_before(start))
                                   | Q(history_id__in=last_before(end)))
            .order_by("history_date", "history_id").values_list("id", "history_date", "alerts"))
    before, after = {}, {}
    for pk, when, alerts in rows:
        lines = Client(alerts=alerts or "").alert_list
        if when < start:
            before[pk] = lines
        after[pk] = lines
    found = {}
    for pk, lines in after.items():
        old = before.get(pk, [])
        raised = [line for line in lines if line not in old]
        removed = [line for line in old if line not in lines]
        if raised or removed:
            found[pk] = AlertNews(raised, removed)
    return found
