"""Every page, PDF, job and export that shows a fact shows the same value: the one its
selector gives.

One site is built with known data on a fixed clock (Wednesday 2 Dec 2026, 11:00 in
London), then each fact is read from every place that shows it. Each fact is checked
twice: as the data makes it, and with its one rule replaced by a planted answer that the
data does not give. A page that works the fact out its own way (a second copy of the
rule) shows the real answer instead of the planted one, and fails here.

Each fact, its one rule, and where it is read here:
- next booked session: diary.selectors.next_booked; caseload, client file, the "My
  keywork" sheet (PDF), reminders, the client's own page (/me/).
- short of sessions this week: diary.selectors.Week.is_short; caseload, Today, dashboard
  and its list, supervision agenda, reminders.
- review date, due and overdue: plans.selectors.review_date; caseload, client file, plan
  page, plan PDF, sheet, dashboard and its list, Today, reminders.
- promotion due: stages.selectors.LadderPosition.promotion_due; caseload, ladder,
  dashboard and its list, the manager's Today.
- caseload against limit: clients.selectors.caseload_sizes; caseload, keyworkers page,
  dashboard, supervision agenda.
- unallocated clients: clients.selectors.unallocated; dashboard, its list, reminders.
- first plan due and late: plans.selectors.first_plan_state; caseload, dashboard and its
  list, Today, reminders.
- what is due for a person: diary.selectors.due_for (built on the rules above); Today and
  the bell in the menu, the same number.
"""

import datetime
import html
import re
import subprocess
import zoneinfo

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from clients import selectors as client_selectors
from clients.models import Allocation, Client
from diary import selectors as diary_selectors
from diary.models import KeyworkSession
from plans import selectors as plan_selectors
from stages import selectors as stage_selectors
from stages import services as stage_services
from supervision import reminders
from supervision import selectors as supervision_selectors
from tests.factories import (
    AllocationFactory,
    ClientFactory,
    KeyworkSessionFactory,
    client_with_keyworker,
    signed_plan,
)

LONDON = zoneinfo.ZoneInfo("Europe/London")
NOW = datetime.datetime(2026, 12, 2, 11, 0, tzinfo=LONDON)
TODAY = NOW.date()
DAY = datetime.timedelta(days=1)


def at(day, hour, minute=0):
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=LONDON)


class Clock:
    """timezone.now() fixed at `NOW`, or moved to build what happened before it."""

    def __init__(self, monkeypatch):
        self.monkeypatch = monkeypatch
        self.set(NOW)

    def set(self, moment):
        self.monkeypatch.setattr(timezone, "now", lambda: moment.astimezone(datetime.UTC))


@pytest.fixture
def clock(monkeypatch):
    return Clock(monkeypatch)


def _ladder_ready(client, by):
    """`client` on the ladder's first rung with every task evidenced: a promotion is due."""
    stage_services.ladder_start(client=client, by=by, on=client.admitted_on)
    for task in stage_services.current_stage(client).stage.tasks.all():
        stage_services.evidence_record(client=client, task=task, by=by, on=TODAY, what="Seen")


@pytest.fixture
def world(clock, site, keyworker, manager):
    """Kim's caseload at Riverside, and one admitted client with no keyworker.

    - Ann: signed plan (review 30 Dec), a session held on Tuesday, sessions booked on
      Monday 7 Dec 10:00 and Thursday 10 Dec 14:00.
    - Ben: signed plan whose review date (23 Nov) has passed; only a missed session this
      week (a copy that counts missed sessions would call his week fine).
    - Cat: admitted and allocated to Kim two hours ago: no session yet, but not late.
    - Dan: on the ladder with every task of his rung evidenced (promotion due), a session
      held this week, no plan yet (his first plan is late).
    - Eve: admitted, with no keyworker.
    """
    site.uses_ladder = True
    site.save()
    long_ago = {"referred_on": TODAY - 70 * DAY, "admitted_on": TODAY - 60 * DAY}
    ann = client_with_keyworker(site=site, keyworker=keyworker, first_name="Ann",
                                last_name="Archer", **long_ago)
    ben = client_with_keyworker(site=site, keyworker=keyworker, first_name="Ben",
                                last_name="Brook", **long_ago)
    dan = client_with_keyworker(site=site, keyworker=keyworker, first_name="Dan",
                                last_name="Dale", **long_ago)
    Allocation.objects.filter(client__in=[ann, ben, dan]).update(start=TODAY - 60 * DAY)
    eve = ClientFactory(site=site, first_name="Eve", last_name="Evans", **long_ago)

    clock.set(NOW - 37 * DAY)  # Ben's plan: signed on 26 Oct, review agreed for 23 Nov
    signed_plan(client=ben, by=keyworker)
    clock.set(NOW - 2 * DAY)  # Ann's plan: signed on 30 Nov, review agreed for 28 Dec
    ann_plan = signed_plan(client=ann, by=keyworker)
    clock.set(NOW - 2 * datetime.timedelta(hours=1))
    cat = ClientFactory(site=site, first_name="Cat", last_name="Cole",
                        referred_on=TODAY - 3 * DAY, admitted_on=TODAY)
    AllocationFactory(client=cat, worker=keyworker, start=TODAY)
    clock.set(NOW)
    _ladder_ready(dan, keyworker)

    monday = TODAY - TODAY.weekday() * DAY
    KeyworkSessionFactory(client=ann, worker=keyworker, held=True, starts_at=at(monday + DAY, 10))
    KeyworkSessionFactory(client=dan, worker=keyworker, held=True, starts_at=at(monday, 14))
    KeyworkSessionFactory(client=ben, worker=keyworker, status=KeyworkSession.Status.DID_NOT_ATTEND,
                          logged_by=keyworker, logged_at=NOW, starts_at=at(monday, 11))
    next_one = KeyworkSessionFactory(client=ann, worker=keyworker,
                                     starts_at=at(datetime.date(2026, 12, 7), 10))
    later = KeyworkSessionFactory(client=ann, worker=keyworker,
                                  starts_at=at(datetime.date(2026, 12, 10), 14))
    return {"ann": ann, "ben": ben, "cat": cat, "dan": dan, "eve": eve, "plan": ann_plan,
            "next": next_one, "later": later}


# Reading pages ----------------------------------------------------------------------------


def text_of(markup):
    """What a person reads: tags dropped, entities decoded, white space folded."""
    markup = re.sub(r"<(script|style)\b.*?</\1>", " ", markup, flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", markup)).split())


def rows_of(markup):
    """{the first client name found in a table row: that row's text}."""
    rows = {}
    for row in re.findall(r"<tr[\s>].*?</tr>", markup, flags=re.S):
        words = text_of(row)
        for name in ("Ann Archer", "Ben Brook", "Cat Cole", "Dan Dale", "Eve Evans"):
            if name in words:
                rows.setdefault(name, words)
    return rows


def pdf_text(content, tmp_path, name):
    path = tmp_path / f"{name}.pdf"
    path.write_bytes(content)
    out = subprocess.run(["pdftotext", str(path), "-"], capture_output=True,
                         check=True, text=True).stdout
    return " ".join(out.split())


class Reader:
    """Fetches each page afresh (no cached page from before a rule was planted)."""

    def __init__(self, client, world, keyworker, manager, site, tmp_path):
        self.client, self.world = client, world
        self.keyworker, self.manager, self.site = keyworker, manager, site
        self.tmp_path = tmp_path

    def page(self, user, url, **params):
        cache.clear()
        self.client.force_login(user)
        response = self.client.get(url, params)
        assert response.status_code == 200, url
        return b"".join(response.streaming_content).decode() if response.streaming \
            else response.content.decode()

    def pdf(self, user, url, name):
        cache.clear()
        self.client.force_login(user)
        response = self.client.get(url)
        assert response.status_code == 200, url
        content = b"".join(response.streaming_content) if response.streaming \
            else response.content
        return pdf_text(content, self.tmp_path, name)

    def caseload(self):
        return rows_of(self.page(self.keyworker, reverse("home")))

    def caseload_text(self):
        return text_of(self.page(self.keyworker, reverse("home")))

    def file(self, name):
        return text_of(self.page(self.keyworker, self.world[name].get_absolute_url()))

    def own_page(self, name):
        """The client's own page (portal), signed in by a one-time link as the client is."""
        from django.test import Client as WebClient

        from portal import services as portal_services

        cache.clear()
        access = portal_services.access_set(client=self.world[name], by=self.keyworker,
                                            is_on=True, phone="07700 900123")
        _row, token = portal_services.link_make(access=access, by=self.keyworker,
                                                now=timezone.now())
        web = WebClient()
        assert web.post(reverse("portal:link", args=[token])).status_code == 302
        response = web.get(reverse("portal:home"))
        assert response.status_code == 200
        return text_of(response.content.decode())

    def sheet(self, name):
        return self.pdf(self.keyworker, reverse("plans:sheet_pdf", args=[self.world[name].pk]),
                        f"sheet-{name}")

    def dashboard(self):
        return self.page(self.manager, reverse("supervision:dashboard"), site=self.site.pk)

    def dashboard_cell(self, key):
        """The number in Kim's row under the figure `key`."""
        markup = self.dashboard()
        row = next(r for r in re.findall(r"<tr[\s>].*?</tr>", markup, flags=re.S)
                   if "Kim Lowe" in text_of(r))
        labels = [f.label for f in supervision_selectors.FIGURES]
        cells = re.findall(r"<td(?:\s[^>]*)?>(.*?)</td>", row, flags=re.S)[-len(labels):]
        index = [f.key for f in supervision_selectors.FIGURES].index(key)
        return int(text_of(cells[index]).split()[0])

    def dashboard_list(self, key):
        return text_of(self.page(self.manager, reverse("supervision:dashboard_list", args=[key]),
                                 site=self.site.pk))

    def today(self, user):
        return text_of(self.page(user, reverse("diary:today")))

    def bell(self, user):
        """The number on the menu's bell (0 when it shows none)."""
        found = re.search(r">(\d+)<", self.page(user, reverse("diary:due_count")))
        return int(found[1]) if found else 0

    def agenda(self):
        return supervision_selectors.agenda_for(self.keyworker)

    def keyworker_reminders(self):
        return [item.text for item in reminders.reminders_for(self.keyworker, TODAY)]

    def manager_reminders(self):
        return [item.text for item in reminders.manager_items(self.manager, TODAY)]


@pytest.fixture
def read(client, world, keyworker, manager, site, tmp_path):
    return Reader(client, world, keyworker, manager, site, tmp_path)


NAMES = {"ann": "Ann Archer", "ben": "Ben Brook", "cat": "Cat Cole", "dan": "Dan Dale"}


# Each fact: what every place shows, given what the rule says --------------------------------


def check_next_session(read, when):
    """`when`: Ann's next booked session as the rule gives it."""
    assert f"{when:%a} {when.day} {when:%b} {when:%H:%M}" in read.caseload()["Ann Archer"]
    assert f"{when:%a} {when.day} {when:%b}" in read.file("ann")
    assert f"{when:%A} {when.day} {when:%b %Y}, {when:%H:%M}" in read.sheet("ann")
    assert f"on {when:%a} {when.day} {when:%b} at {when:%H:%M}." in read.own_page("ann")


def check_short_this_week(read, short):
    """`short`: the names whose week is short of sessions, as the rule gives it."""
    rows = read.caseload()
    for key, name in NAMES.items():
        shows = "No session this week" in rows[name] or "this week" in rows[name] and \
            re.search(r"\d+ of \d+ this week", rows[name]) is not None
        assert shows == (key in short), (name, rows[name])
    today = text_of(read.page(read.keyworker, reverse("diary:today")))
    listed = today.split("Short of sessions this week")[1] if short else ""
    for key, name in NAMES.items():
        assert (read.world[key].called in listed) == (key in short), (name, listed[:300])
    assert read.dashboard_cell("no_session") == len(short)
    listing = read.dashboard_list("no_session")
    for key, name in NAMES.items():
        assert (name in listing) == (key in short), name
    assert read.agenda()["figures"]["no_session"] == len(short)
    texts = read.keyworker_reminders()
    for key in NAMES:
        said = f"Book a session with {read.world[key].called}: short of sessions this week"
        assert (said in texts) == (key in short), (said, texts)
    label = "Short of sessions this week"
    expected = f"Riverside Day Centre: {label}: {len(short)}"
    assert (expected in read.manager_reminders()) == bool(short)


def check_review(read, ann_on, ben_on):
    """`ann_on`, `ben_on`: each plan's review date as the rule gives it."""
    def day(d):
        return f"{d.day} {d:%b %Y}"

    states = {"ann": plan_selectors.review_state(ann_on, TODAY),
              "ben": plan_selectors.review_state(ben_on, TODAY)}
    rows = read.caseload()
    for key, on in (("ann", ann_on), ("ben", ben_on)):
        row = rows[NAMES[key]]
        if states[key] == "overdue":
            assert f"Review overdue: {day(on)}" in row
        elif states[key] == "due":
            assert f"Review due {day(on)}" in row
        else:
            assert f"Review {day(on)}" in row and "Review overdue" not in row
        assert day(on) in read.file(key)
    plan_page = text_of(read.page(read.keyworker, read.world["plan"].get_absolute_url()))
    assert f"Review date {day(ann_on)}" in plan_page
    assert f"Review date {day(ann_on)}" in read.pdf(
        read.keyworker, reverse("plans:pdf", args=[read.world["plan"].pk]), "plan")
    assert f"Review date of your plan: {ann_on:%A} {day(ann_on)}" in read.sheet("ann")
    overdue = [key for key, state in states.items() if state == "overdue"]
    assert read.dashboard_cell("reviews_overdue") == len(overdue)
    listing = read.dashboard_list("reviews_overdue")
    for key in ("ann", "ben"):
        assert (NAMES[key] in listing) == (key in overdue)
    texts = read.keyworker_reminders()
    for key, on in (("ann", ann_on), ("ben", ben_on)):
        said = (f"Review {read.world[key].called}'s plan "
                f"({'overdue: ' if states[key] == 'overdue' else 'due '}{day(on)})")
        assert (said in texts) == bool(states[key]), (said, texts)
    today = read.today(read.keyworker)
    for key, on in (("ann", ann_on), ("ben", ben_on)):
        item = f"Review {read.world[key].called}'s plan {NAMES[key]}"
        assert (f"{item} Overdue: {day(on)}" in today) == (states[key] == "overdue"), today
        assert (f"{item} Due {day(on)}" in today) == (states[key] == "due"), today
    assert len(re.findall(r"Review \w+'s plan [\w ]+ Overdue:", today)) == len(overdue)


def check_promotion(read, due):
    """`due`: whether Dan's promotion is due, as the rule gives it."""
    rows = read.caseload()
    assert ("promotion due" in rows["Dan Dale"]) == due
    assert all("promotion due" not in rows[name] for name in ("Ann Archer", "Ben Brook"))
    assert read.dashboard_cell("promotions") == int(due)
    assert ("Dan Dale" in read.dashboard_list("promotions")) == due
    ladder = text_of(read.page(read.manager, reverse("stages:ladder", args=[read.world["dan"].pk])))
    assert ("Confirm promotion" in ladder) == due, ladder[:2000]
    assert ("Confirm Dan's promotion to" in read.today(read.manager)) == due


def check_caseload(read, size, limit=12):
    assert f"{size} clients as keyworker · limit {limit}" in read.caseload_text()
    keyworkers = rows_of(read.page(read.manager, reverse("clients:keyworkers"),
                                   site=read.site.pk))
    page = text_of(read.page(read.manager, reverse("clients:keyworkers"), site=read.site.pk))
    assert f"Kim Lowe {size} of {limit}" in page, keyworkers
    assert f"Kim Lowe {size} of {limit}" in text_of(read.dashboard())
    agenda = read.agenda()
    assert (agenda["caseload"], agenda["limit"]) == (size, limit)


def check_unallocated(read, names):
    board = text_of(read.dashboard())
    if names:
        many = "client has" if len(names) == 1 else "clients have"
        assert f"{len(names)} admitted {many} no keyworker" in board
    else:
        assert "Every admitted client has a keyworker." in board
    listing = text_of(read.page(read.manager, reverse("supervision:unallocated"),
                                site=read.site.pk))
    for name in ("Eve Evans", "Ben Brook"):
        assert (name in listing) == (name in names), name
    assert any("no keyworker" in text for text in read.manager_reminders()) == bool(names)


def check_first_plan_late(read, late, listed):
    """`late`: the names whose first plan is late, `listed` those with a first plan due or
    late, as the rule gives it."""
    rows = read.caseload()
    for key in ("cat", "dan"):
        assert ("First plan late" in rows[NAMES[key]]) == (key in late), rows[NAMES[key]]
    assert read.dashboard_cell("first_plans_late") == len(late)
    listing = read.dashboard_list("first_plans_late")
    for key in ("cat", "dan"):
        assert (NAMES[key] in listing) == (key in late)
    texts = read.keyworker_reminders()
    for key in ("cat", "dan"):
        said = f"Write and sign {read.world[key].called}'s first plan ("
        assert any(said in text for text in texts) == (key in listed), (said, texts)
    today = read.today(read.keyworker)
    for key in ("cat", "dan"):
        item = f"Write and sign {read.world[key].called}'s first plan {NAMES[key]}"
        assert (f"{item} Overdue:" in today) == (key in late), today
        assert (f"{item} Due" in today) == (key in listed - late), today


# The tests -----------------------------------------------------------------------------------


def test_every_place_shows_the_next_booked_session(read, world):
    check_next_session(read, timezone.localtime(world["next"].starts_at))


def test_every_place_follows_the_one_next_session_rule(read, world, monkeypatch):
    later = world["later"]
    monkeypatch.setattr(diary_selectors, "next_booked",
                        lambda ids: {pk: later.starts_at for pk in ids if pk == later.client_id})
    check_next_session(read, timezone.localtime(later.starts_at))


def test_every_place_shows_the_same_short_weeks(read, world):
    check_short_this_week(read, {"ben"})


def test_every_place_follows_the_one_short_week_rule(read, world, monkeypatch):
    real = diary_selectors.Week.is_short
    monkeypatch.setattr(diary_selectors.Week, "is_short",
                        property(lambda week: not real.fget(week)))
    check_short_this_week(read, {"ann", "cat", "dan"})


def test_every_place_shows_the_same_review_date(read, world):
    ben_plan = world["ben"].plans.get()
    check_review(read, world["plan"].review_on, ben_plan.review_on)


def test_every_place_follows_the_one_review_date_rule(read, world, monkeypatch):
    planted = {world["ann"].pk: TODAY + 3 * DAY, world["ben"].pk: TODAY + 20 * DAY}
    monkeypatch.setattr(plan_selectors, "review_date", lambda plan: planted[plan.client_id])
    check_review(read, TODAY + 3 * DAY, TODAY + 20 * DAY)


def test_every_place_shows_the_same_promotion_due(read, world):
    check_promotion(read, True)


def test_every_place_follows_the_one_promotion_rule(read, world, monkeypatch):
    monkeypatch.setattr(stage_selectors.LadderPosition, "promotion_due", property(lambda p: False))
    check_promotion(read, False)


def test_every_place_shows_the_same_caseload_size(read, world):
    check_caseload(read, 4)


def test_every_place_follows_the_one_caseload_count(read, world, monkeypatch):
    real = client_selectors.caseload_sizes
    monkeypatch.setattr(client_selectors, "caseload_sizes", lambda workers, on=None: {
        pk: client_selectors.Caseload(size=c.size + 5, limit=c.limit)
        for pk, c in real(workers, on).items()})
    check_caseload(read, 9)


def test_every_place_shows_the_same_unallocated_clients(read, world):
    check_unallocated(read, {"Eve Evans"})


def test_every_place_follows_the_one_unallocated_rule(read, world, monkeypatch):
    ben = world["ben"]
    monkeypatch.setattr(client_selectors, "unallocated", lambda site_ids, on=None: (
        Client.objects.filter(pk=ben.pk).select_related("site")))
    check_unallocated(read, {"Ben Brook"})


def test_every_place_shows_the_same_late_first_plans(read, world):
    check_first_plan_late(read, {"dan"}, {"cat", "dan"})


def test_every_place_follows_the_one_first_plan_rule(read, world, monkeypatch):
    monkeypatch.setattr(plan_selectors, "first_plan_state",
                        lambda admitted_on, has_signed_plan, today=None: "")
    check_first_plan_late(read, set(), set())


def check_due(read, keyworker_kinds, manager_kinds):
    """The bell and Today show the one list due_for gives, each person's."""
    for user, kinds in ((read.keyworker, keyworker_kinds), (read.manager, manager_kinds)):
        assert sorted(item.kind for item in diary_selectors.due_for(user, TODAY)) == kinds
        n = len(kinds)
        assert read.bell(user) == n
        assert f"{n} {'thing' if n == 1 else 'things'} due today or overdue." in read.today(user)


KIM_DUE = sorted(["review",  # Ben's, overdue
                  "first_plan", "first_plan",  # Cat's due, Dan's late
                  "initial", "initial", "initial", "initial",  # all four: none recorded
                  "short"])  # Ben's week
MAYA_DUE = ["manager_review", "promotion"]  # Ben's plan is five weeks old; Dan's rung is done


def test_the_bell_and_today_show_the_same_list(read, world):
    check_due(read, KIM_DUE, MAYA_DUE)


def test_the_bell_and_today_follow_the_one_list(read, world, monkeypatch):
    planted = {world["ann"].pk: TODAY + 3 * DAY, world["ben"].pk: TODAY + 20 * DAY}
    monkeypatch.setattr(plan_selectors, "review_date", lambda plan: planted[plan.client_id])
    monkeypatch.setattr(stage_selectors.LadderPosition, "promotion_due", property(lambda p: False))
    # Ann's review is now the one due (in three days), Ben's is not; no promotion is due.
    check_due(read, KIM_DUE, ["manager_review"])
