"""The clients app's facts that several pages, the dashboard and jobs show.

Each is computed here once, for many workers or sites at a time in a fixed number of
queries; the caseload page, the keyworkers page, the allocation forms, the allocation
services' limit check, the manager dashboard and supervision agendas all read them.
"""

import datetime
import difflib
import functools
import unicodedata
from dataclasses import dataclass

from django.db.models import (
    BooleanField,
    Count,
    DateTimeField,
    Exists,
    ExpressionWrapper,
    F,
    Max,
    OuterRef,
    Q,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from clients import extensions
from clients.models import Allocation, Client, Episode, SiteMove
from keywork.lib.cache import cached
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

    @functools.cached_property
    def room(self):
        """"3 places left", "full (12 of 12)": the caseload in words. Worked out once per
        worker, however many clients the worker is matched against (the cover page: each
        of an absent worker's clients against every worker of the site)."""
        if self.is_over:
            return _("over the limit (%(size)s of %(limit)s)") % {
                "size": self.size, "limit": self.limit}
        if self.size == self.limit:
            return _("full (%(size)s of %(limit)s)") % {"size": self.size, "limit": self.limit}
        left = self.limit - self.size
        return ngettext("%(count)s place left", "%(count)s places left", left) % {"count": left}


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
        return self.caseload.room

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


@functools.lru_cache(maxsize=1024)
def _spoken(languages):
    """The languages a worker's free text names, casefolded: split once per text, not
    once per client matched."""
    return frozenset(name.casefold() for name in split_languages(languages))


def keyworker_matches(client, workers, on=None, *, with_gender=True, caseloads=None):
    """[KeyworkerMatch] for each of `workers` against `client`, best first: those with
    room before those who are full, then by score (KeyworkerMatch.score), then by places
    left, then in the order given. The allocation, co-keyworker and cover pages show it.
    Staff's gender is shown to managers only (`with_gender`; a keyworker arranging cover
    sees the rest), and then it neither shows nor orders. Two queries: the workers and
    their caseloads (or none, given `caseloads` from caseload_sizes for many clients at
    once: the cover page for an absent worker's clients)."""
    workers = list(workers)
    if caseloads is None:
        caseloads = caseload_sizes(workers, on)
    client_languages = [(name, name.casefold()) for name in split_languages(client.languages)]
    first = client_languages[0][1] if client_languages else None
    labels = {value: str(Skill(value).label) for value in skills_wanted(client)}
    gender = with_gender and client.preferred_keyworker_gender
    ranked = []
    for n, worker in enumerate(workers):
        spoken = _spoken(worker.languages)
        match = KeyworkerMatch(
            worker=worker,
            caseload=caseloads[worker.pk],
            languages=tuple(name for name, folded in client_languages if folded in spoken),
            shares_first_language=first in spoken,
            gender_met=bool(gender) and worker.gender == gender,
            skills=tuple(label for value, label in labels.items() if value in worker.skills),
        )
        ranked.append(((not match.has_room, -match.score, -match.places_left, n), match))
    ranked.sort(key=lambda pair: pair[0])
    return [match for _key, match in ranked]


# What the allocation pages need of a worker: kept in the cache, so no password hash.
MATCHED_FIELDS = ("username", "first_name", "last_name", "languages", "gender", "skills",
                  "caseload_limit")


def matches_for(client, workers, *, with_gender=True):
    """keyworker_matches for one client against `workers` (a queryset: the site's
    candidates), kept while the data stays the same (`keywork.lib.cache.cached`, under the
    data generation every write moves on): the allocation, co-keyworker and cover pages
    opened again ask no query of it. Working out a large site's 58 workers and their
    caseloads was a third of the cover page's time. Only what the pages show of a worker
    is loaded. Access to the client is checked before, by the page."""
    return cached(("keyworker-matches", client.pk, with_gender),
                  lambda: keyworker_matches(client, workers.only(*MATCHED_FIELDS),
                                            with_gender=with_gender))


def keyworker_matches_each(clients, workers, on=None, *, with_gender=True):
    """{client id: [KeyworkerMatch]}: keyworker_matches for many clients at once, each
    against those of `workers` who work at the client's site (a client's cover or keyworker
    must work there): the cover page, for every client of an absent worker. One query (the
    caseloads; the workers' sites prefetched). Clients asking the same (site, languages,
    gender, specialisms) share one list, worked out once: do not change it."""
    workers = list(workers)
    caseloads = caseload_sizes(workers, on)
    shared, found = {}, {}
    for client in clients:
        asks = (client.site_id, client.languages,
                with_gender and client.preferred_keyworker_gender, tuple(skills_wanted(client)))
        if asks not in shared:
            shared[asks] = keyworker_matches(
                client, [w for w in workers if w.works_at(client.site_id)], on,
                with_gender=with_gender, caseloads=caseloads)
        found[client.pk] = shared[asks]
    return found


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


def keyworker_caseloads(site_ids, on=None):
    """The keyworkers page's rows: (worker, Caseload) for each worker `keyworkers_shown`
    gives, their caseload from `caseload_sizes`, kept while the data stays the same
    (`keywork.lib.cache.cached`): finding and counting a large site's 58 keyworkers and
    1,800 allocations took 6 ms of the page's 15. The rows are the site's, the same for
    each of its managers; only what the page shows of a worker is loaded (a password hash
    has no business in the cache)."""
    site_ids = sorted(site_ids)

    def find():
        workers = list(keyworkers_shown(site_ids, on).only(
            "username", "first_name", "last_name", "is_active", "phone", "caseload_limit"))
        caseloads = caseload_sizes(workers, on)
        return [(worker, caseloads[worker.pk]) for worker in workers]

    return cached(("keyworker-caseloads", site_ids, on), find)


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


def last_keyworker(client):
    """The worker who was the client's (primary) keyworker last, or is now: who the
    client's ending letter names."""
    allocation = (client.allocations.primary().select_related("worker")
                  .order_by("-start", "-pk").first())
    return allocation.worker if allocation else None


def arrivals(clients):
    """{client id: SiteMove} for the clients who moved to the site they are at now: the
    latest move, with its handover note, for the receiving site's unallocated list and
    the client file. One query."""
    found = {}
    for move in (SiteMove.objects.filter(client__in=[c.pk for c in clients])
                 .select_related("from_site", "by").order_by("client", "-on", "-pk")):
        found.setdefault(move.client_id, move)
    sites = {c.pk: c.site_id for c in clients}
    return {pk: move for pk, move in found.items() if move.to_site_id == sites[pk]}


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


# Stays (episodes) -------------------------------------------------------------------------


def stay_start(client):
    """The instant the client's current stay began: when the record was last re-opened,
    or None for a first stay (everything recorded belongs to it). Plans, assessments and
    the due flags built on them count from here, so that a returning client is judged by
    the new stay, not by the old one. One query."""
    return (Episode.objects.filter(client=client).order_by("-number")
            .values_list("reopened_at", flat=True).first())


def stay_start_of(client_field="client"):
    """stay_start() as an expression, for a queryset of rows that name a client by
    `client_field` (a path to the client's id)."""
    return Subquery(Episode.objects.filter(client=OuterRef(client_field)).order_by("-number")
                    .values("reopened_at")[:1])


# Before any stay: what a client with no reopened stay counts from.
_BEFORE_ANY_STAY = Value(datetime.datetime(1, 1, 1, tzinfo=datetime.UTC),
                         output_field=DateTimeField())


def in_current_stay(queryset, *, client_field="client", at="created_at"):
    """The rows of `queryset` recorded (`at`, an instant) in their client's current stay.

    The stay's start appears once in the SQL (COALESCE, not "is null or after"): a list
    that asks this in several subqueries per client (the plans needing attention) asks the
    database for the stay half as often."""
    return (queryset.annotate(_stay_start=Coalesce(stay_start_of(client_field),
                                                   _BEFORE_ANY_STAY))
            .filter(**{f"{at}__gte": F("_stay_start")}))


@dataclass(frozen=True)
class Stay:
    """One earlier stay as the client file lists it: the Episode, the instants between
    which its records were made (`since` is None for the first stay), and the links to
    them that later apps give (extensions.stay_documents)."""

    episode: Episode
    since: datetime.datetime | None
    until: datetime.datetime
    documents: tuple = ()


def earlier_stays(client):
    """The client's earlier stays, newest first, each with its plans and assessments (as
    links, from the apps that own them). A fixed number of queries."""
    episodes = list(Episode.objects.filter(client=client).select_related("reopened_by")
                    .order_by("number"))
    if not episodes:
        return []
    spans = [(episode, episodes[i - 1].reopened_at if i else None, episode.reopened_at)
             for i, episode in enumerate(episodes)]
    found = {}
    for loader in extensions.stay_documents:
        for number, links in loader(client, spans).items():
            found.setdefault(number, []).extend(links)
    return [Stay(episode, since, until, tuple(found.get(episode.number, [])))
            for episode, since, until in reversed(spans)]


# Likely duplicates at referral ------------------------------------------------------------

NAME_SIMILAR = 0.8  # difflib ratio of two normalised names that we call "similar"


def normalise_name(text):
    """A name compared without case, accents, spaces, hyphens or apostrophes."""
    text = unicodedata.normalize("NFKD", text or "")
    text = "".join(c for c in text if not unicodedata.combining(c))
    return "".join(c for c in text.casefold() if c.isalnum())


def _similar(a, b):
    return bool(a and b) and (a == b or difflib.SequenceMatcher(None, a, b).ratio()
                              >= NAME_SIMILAR)


def names_match(first, last, client):
    """Whether a referral's first and last name look like the same person as `client`:
    each part similar (difflib), also with first and last swapped, and the first name
    may be the client's preferred name (or the other way)."""
    first, last = normalise_name(first), normalise_name(last)
    their_last = normalise_name(client.last_name)
    their_firsts = {normalise_name(client.first_name), normalise_name(client.preferred_name)}
    their_firsts.discard("")
    if _similar(last, their_last) and any(_similar(first, f) for f in their_firsts):
        return True
    swapped = any(_similar(last, f) for f in their_firsts) and _similar(first, their_last)
    return swapped


@dataclass(frozen=True)
class LikelySame:
    """What a referral's check for an existing record found: the records the user may see
    (`clients`, each with `why`), and whether a record at a site they may not see matches
    too (named to nobody: they ask its manager)."""

    clients: list
    elsewhere: bool

    def __bool__(self):
        return bool(self.clients) or self.elsewhere


def likely_same(user, *, first_name, last_name, date_of_birth=None, referral_reference="",
                exclude=None):
    """Existing records that a new referral may be the same person as: the same date of
    birth and a similar name, or the same reference from the referring agency (on this
    stay or an earlier one). Only clients `user` may see are named. Two queries."""
    reference = referral_reference.strip()
    same_reference = Q(pk__in=[])
    if reference:
        same_reference = Q(referral_reference__iexact=reference) | Exists(
            Episode.objects.filter(client=OuterRef("pk"), referral_reference__iexact=reference))
    same_birthday = Q(date_of_birth=date_of_birth) if date_of_birth else Q(pk__in=[])
    candidates = (Client.objects.filter(same_birthday | same_reference)
                  .annotate(by_reference=ExpressionWrapper(same_reference,
                                                           output_field=BooleanField()))
                  .select_related("site").order_by("last_name", "first_name", "pk"))
    if exclude is not None:
        candidates = candidates.exclude(pk=exclude.pk)
    matches = []
    for candidate in candidates[:50]:
        if candidate.by_reference:
            matches.append((candidate, "reference"))
        elif names_match(first_name, last_name, candidate):
            matches.append((candidate, "name"))
    if not matches:
        return LikelySame([], False)
    visible = set(Client.objects.for_user(user).filter(pk__in=[c.pk for c, _w in matches])
                  .values_list("pk", flat=True))
    shown = []
    for candidate, why in matches:
        if candidate.pk in visible:
            candidate.why = why
            shown.append(candidate)
    return LikelySame(shown, len(shown) < len(matches))


@dataclass(frozen=True)
class ReferralOutcomes:
    """What became of the referrals made in a period, as things stand now.

    `outcomes`: [(outcome key, count)] in the order admitted, declined, withdrawn, did not
    arrive, still waiting. `reasons`: [(outcome key, reason key, count)] of the closed ones.
    """

    outcomes: list
    reasons: list

    @property
    def total(self):
        return sum(n for _key, n in self.outcomes)


REFERRAL_OUTCOMES = ("admitted", *Client.REFERRAL_CLOSED, Client.Status.REFERRED)


def referral_outcomes(clients, start, end):
    """The incoming referrals among `clients` referred from `start` to `end` (inclusive),
    by outcome: admitted (whatever happened after), closed without an admission (with the
    reasons counted), or still waiting. Two queries."""
    referred = clients.filter(referred_on__range=(start, end))
    counts = referred.aggregate(
        admitted=Count("pk", filter=Q(admitted_on__isnull=False)),
        **{status: Count("pk", filter=Q(status=status, admitted_on__isnull=True))
           for status in (*Client.REFERRAL_CLOSED, Client.Status.REFERRED)},
    )
    reasons = (referred.filter(status__in=Client.REFERRAL_CLOSED)
               .values_list("status", "referral_end_reason").annotate(n=Count("pk"))
               .order_by("status", "referral_end_reason"))
    order = {key: i for i, key in enumerate(REFERRAL_OUTCOMES)}
    return ReferralOutcomes(
        outcomes=[(key, counts[key]) for key in REFERRAL_OUTCOMES],
        reasons=sorted(reasons, key=lambda row: (order[row[0]], row[1])),
    )


# Finding a client as a person types (the client picker on forms, the door's search) ------

PICK_LIMIT = 20


def tidy_query(text):
    """What a person typed, as searched for: spaces folded, a NUL byte dropped (PostgreSQL
    refuses one in text)."""
    return " ".join((text or "").replace("\x00", "").split())


def typed_name(query):
    """The one rule for "this client is who they typed": their reference, or every word
    the start of their first, last or preferred name. None when nothing was typed."""
    query = tidy_query(query)
    if not query:
        return None
    by_name = Q()
    for word in query.split(" "):
        by_name &= (Q(first_name__istartswith=word) | Q(last_name__istartswith=word)
                    | Q(preferred_name__istartswith=word))
    return Q(reference__iexact=query) | Q(reference__istartswith=query) | by_name


def pickable(user, query, *, site_id=None, admitted_only=False):
    """The client picker's matches (clients:pick): open clients `user` may see, of one site
    when given, only admitted or active ones when asked, matching what was typed."""
    clients = Client.objects.for_user(user).open()
    if site_id is not None:
        clients = clients.filter(site_id=site_id)
    if admitted_only:
        clients = clients.filter(status__in=[Client.Status.ADMITTED, Client.Status.ACTIVE])
    return typed_matches(clients.only("pk", "first_name", "last_name", "preferred_name",
                                      "reference"), query)


def typed_matches(queryset, query, *, limit=PICK_LIMIT):
    """Up to `limit` clients of `queryset` matching what was typed (`typed_name`), by name:
    one query. Nothing when nothing was typed."""
    condition = typed_name(query)
    if condition is None:
        return []
    return list(queryset.filter(condition).order_by("last_name", "first_name", "pk")[:limit])
