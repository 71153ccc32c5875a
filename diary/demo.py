"""Demo keywork sessions and contacts for `manage.py seed_demo`.

Every admitted demo client gets about six weeks of weekly sessions (some missed or
cancelled), a few informal contacts (and, for some, contacts with a relative, a friend or
a professional from the site's agencies), and this week's session held or booked, except two
clients whom the caseload flags. `keyworker` has a session booked earlier today to log;
`keyworker2` is out at an external appointment and overdue to check in; one session on
each small site carries a risk the team must know. Three clients have a weekly series
booked ahead after next week, and one of them is expected twice a week (with a second
series). `--clients N` adds about 50 weekly sessions and a few contacts per client on
the large site, with a series booked ahead for one client in ten. Rows are written in
bulk with their history.
"""

import datetime
import random

from django.db.models import Max
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from clients import services as client_services
from clients.demo import large_site_manager, large_sites
from clients.models import Allocation, Client
from diary import services as diary_services
from diary.models import Contact, KeyworkSession, SessionSeries, StaffAbsence
from keywork.lib import dates
from keywork.lib.bulk import insert_with_history
from plans.models import Agency
from staff.models import Site, User

Session = KeyworkSession
HOUR = datetime.timedelta(hours=1)
WEEK = datetime.timedelta(days=7)

DISCUSSED = [
    "Went through the housing application form together; two sections still to fill.",
    "Talked about how the week went; sleeping better since the new routine.",
    "Benefits letter: read it together and rang the helpline about the missing payment.",
    "Reviewed the budget sheet. Spent more than planned on the weekend.",
    "Discussed the GP appointment and what to ask about the medication.",
    "Talked about getting back in touch with his sister; not ready to ring yet.",
    "Looked at the volunteering flyer from the food bank; interested in Tuesdays.",
    "Checked progress on the action plan; cooking duty done every day this week.",
]
NEXT_STEPS = [
    "Client to bring payslips and ID to the next session.",
    "Keyworker to ring the housing officer before Friday.",
    "Client to fill in the rest of the form; we check it together next week.",
    "Book the dentist (client), remind at the next session (keyworker).",
    "Client to visit the food bank on Tuesday and say how it went.",
    "Keyworker to chase the benefits payment; client to keep the letter safe.",
]
PROGRESS = [
    "Action 2 (register with a dentist) done.",
    "Budget kept for the second week running.",
    "Attended the action-training workshop.",
    "",
    "",
]
CONTACT_NOTES = [
    "Popped in to ask whether the post had come. Nothing yet.",
    "Rang to say he would be late for Thursday's session.",
    "Seemed low at lunch; chatted for ten minutes, said he is fine.",
    "Asked for help printing a bus timetable.",
    "Dropped off the signed consent form.",
    "Phoned from the hospital: discharged, back tomorrow.",
]
# Contacts with the client keep to these kinds (the e-mail and meeting kinds came later).
CLIENT_KINDS = [Contact.Kind.PHONE, Contact.Kind.DROP_IN, Contact.Kind.IN_PASSING]
# Contacts with others about the client: (with whom, name, relationship, kind, note).
LIAISON = [
    (Contact.With.RELATIVE, "Sarah", "sister", Contact.Kind.PHONE,
     "Sister rang, worried she had not heard from him; said he is well and will call her."),
    (Contact.With.RELATIVE, "Maureen", "mother", Contact.Kind.DROP_IN,
     "Mother came in with a bag of clothes for him; with his consent, told her he is settled."),
    (Contact.With.FRIEND, "Gary", "", Contact.Kind.PHONE,
     "Friend asked whether he could visit at the weekend; passed the message on."),
    (Contact.With.OTHER, "Mr Okafor", "landlord", Contact.Kind.PHONE,
     "Landlord of the flat he is bidding for: viewing booked for next Tuesday."),
]
# With a professional of one of the site's agencies: (their name, kind, note).
PROFESSIONALS = [
    ("J. Patel", Contact.Kind.EMAIL, "Sent the housing application; they will confirm the "
     "band within two weeks."),
    ("A. Nowak", Contact.Kind.PHONE, "Rang about the missed appointment; rebooked for "
     "Thursday at 10:00."),
    ("", Contact.Kind.MEETING, "Three-way meeting with the client about the move-on plan."),
]
OLD_RISK = "Mentioned feeling unsafe at the hostel on Elm Street; team to check in on him daily."
OPEN_RISKS = {
    "DC1": "Said a man who comes to the centre has threatened him over a debt. Do not tell "
           "anyone he is here; tell the manager if the man asks for him.",
    "HH1": "Has missed medication three days running and is not eating. GP review requested; "
           "please check on her at breakfast and tea.",
}
# Each worker's sessions start at their own hour, so that nobody is double-booked.
BASE_HOUR = {"keyworker": 10, "keyworker2": 14, "keyworker3": 11}


def seed(ctx):
    small = [c for c in ctx["clients"] if c.admitted_on]
    if small and not Session.objects.filter(client__in=small).exists():
        _small_sites(ctx, small)
    for site in large_sites(ctx):
        _large_site(ctx, site)
    _absences(ctx)
    _plan_work(ctx)


def _aware(day, hour, minute=0):
    return dates.at(day, datetime.time(hour, minute), dates.FIRST)


def _primary_worker(client, on):
    """The client's keyworker on a day (their last one, for a client who has left)."""
    allocations = [a for a in client.demo_allocations if a.kind == Allocation.Kind.PRIMARY]
    for allocation in allocations:
        if allocation.is_current(on):
            return allocation.worker
    return allocations[0].worker if allocations else None


def _cover_worker(client, on):
    for allocation in client.demo_allocations:
        if allocation.kind == Allocation.Kind.COVER and allocation.is_current(on):
            return allocation.worker
    return None


def _log(session, rng, now, *, status=None):
    """Fill in what happened at a past session, logged a couple of hours later."""
    roll = rng.random()
    session.status = status or (Session.Status.ATTENDED if roll < 0.8 else
                                Session.Status.DID_NOT_ATTEND if roll < 0.92 else
                                Session.Status.CANCELLED)
    session.logged_by = session.worker
    session.logged_at = min(now, session.starts_at + 2 * HOUR)
    if session.status == Session.Status.ATTENDED:
        session.actual_start = dates.add_minutes(session.starts_at, rng.choice([0, 5]))
        session.actual_minutes = session.expected_minutes - rng.choice([0, 5, 10])
        session.discussed = rng.choice(DISCUSSED)
        session.next_steps = rng.choice(NEXT_STEPS)
        session.progress = rng.choice(PROGRESS)
    elif session.status == Session.Status.CANCELLED:
        session.cancelled_by = rng.choice(Session.CancelledBy.values)
        session.discussed = "Rearranged for later in the week."
    else:
        session.discussed = "Waited 20 minutes; not in the building. Left a note."
    if session.needs_check_in:
        session.checked_in_at = min(now, session.expected_back_at)
        session.checked_in_by = session.worker
    session._history_user = session.logged_by
    session._history_date = session.logged_at


def _new(client, worker, starts_at, minutes, booked_by, **fields):
    session = Session(client=client, site_id=client.site_id, worker=worker, starts_at=starts_at,
                      expected_minutes=minutes, booked_by=booked_by,
                      booked_at=starts_at - 6 * 24 * HOUR, **fields)
    session.ends_at = dates.add_minutes(starts_at, minutes)
    session._history_user = booked_by
    session._history_date = min(timezone.now(), session.booked_at)
    return session


def _overlaps(session, others):
    return any((o.worker_id == session.worker_id or o.client_id == session.client_id)
               and o.starts_at < session.ends_at and session.starts_at < o.ends_at
               for o in others)


def _small_sites(ctx, clients):
    rng, staff = ctx["rng"], ctx["staff"]
    kim, sam = staff["keyworker"], staff["keyworker2"]
    now = timezone.now()
    today = timezone.localdate()
    this_monday = dates.week_start(today)
    for client in clients:
        client.demo_allocations = list(client.allocations.select_related("worker")
                                       .order_by("-start"))
    open_clients = [c for c in clients if not c.is_archived]
    kims = [c for c in open_clients if _primary_worker(c, today) == kim]
    sams = [c for c in open_clients if _primary_worker(c, today) == sam]

    # Fixed points first; the weekly pattern then skips anything that would overlap them.
    start_today = max(dates.start_of_day(today), now - HOUR).replace(second=0, microsecond=0)
    start_today -= datetime.timedelta(minutes=start_today.minute % 5)
    special = [
        _new(kims[0], kim, start_today, 50, kim),
        _new(sams[0], sam, (now - 3 * HOUR).replace(second=0, microsecond=0), 60, sam,
             place=Session.Place.EXTERNAL, where="Housing Options, Civic Centre, Level 2",
             expected_back_at=(now - 30 * datetime.timedelta(minutes=1)).replace(
                 second=0, microsecond=0)),
    ]
    flagged = {kims[4].pk, sams[-1].pk, kims[0].pk}
    sessions = list(special)
    taken = {}
    for client in sorted(clients, key=lambda c: c.pk):
        worker = _primary_worker(client, client.ended_on or today)
        index = taken[worker.pk] = taken.get(worker.pk, -1) + 1
        weekday = index % 5
        hour = BASE_HOUR.get(worker.username, 9) + 2 * (index // 5)
        residential = client.site.uses_ladder
        # Six weeks up to now (and next week booked), or up to the week they left.
        anchor = dates.week_start(client.ended_on) if client.ended_on else this_monday
        for week in range(-6, 1 if client.ended_on else 2):
            day = anchor + week * WEEK + datetime.timedelta(days=weekday)
            if day < client.admitted_on or (client.ended_on and day > client.ended_on):
                continue
            if anchor + week * WEEK == this_monday and client.pk in flagged:
                continue
            starts_at = _aware(day, hour)
            holder = _cover_worker(client, day) or _primary_worker(client, day)
            fields = {}
            if rng.random() < 0.12:
                fields = {"place": Session.Place.EXTERNAL, "where": "GP surgery, Elm Road",
                          "expected_back_at": starts_at + 2 * HOUR}
            elif residential:
                fields = {"place": Session.Place.CLIENT_ROOM, "lone_working": True,
                          "expected_back_at": starts_at + HOUR}
            session = _new(client, holder, starts_at, 45, _primary_worker(client, day),
                           **fields)
            if _overlaps(session, sessions):
                continue
            if starts_at < now:
                _log(session, rng, now)
            sessions.append(session)

    # A risk the team dealt with, and one per small site still open.
    for session in sessions:
        if session.status == Session.Status.ATTENDED and session.client_id == kims[1].pk:
            session.risks = OLD_RISK
            session.risk_dealt_with_at = session.logged_at + 24 * HOUR
            session.risk_dealt_with_by = staff["manager"]
            session.risk_dealt_with_note = "Spoke to the hostel manager; moved rooms."
            break
    risky = {"DC1": sams[2].pk,
             "HH1": next(c.pk for c in open_clients if c.site.code == "HH1")}
    for code, client_pk in risky.items():
        held = [s for s in sessions if s.client_id == client_pk
                and s.status == Session.Status.ATTENDED]
        if held:
            held[-1].risks = OPEN_RISKS[code]
    _catching_up(sessions, kims, today, now)
    bulk_create_with_history(sessions, Session, default_user=staff["manager"])

    contacts = []
    team = {w: set(w.sites.values_list("pk", flat=True))
            for w in (kim, sam, staff["keyworker3"], staff["manager"])}
    for client in open_clients:
        colleagues = [w for w, sites in team.items() if client.site_id in sites]
        for _n in range(rng.randint(2, 4)):
            at = now - datetime.timedelta(days=rng.randint(0, 27), hours=rng.randint(1, 8))
            if dates.local_day(at) < client.admitted_on:
                continue
            by = rng.choice(colleagues)
            contact = Contact(client=client, site_id=client.site_id, by=by, at=at,
                              kind=rng.choice(CLIENT_KINDS),
                              note=rng.choice(CONTACT_NOTES), created_at=at)
            contact._history_user, contact._history_date = by, at
            contacts.append(contact)
    contacts += _liaison(open_clients, team, now)
    bulk_create_with_history(contacts, Contact, default_user=staff["manager"])
    _series(sessions, [kims[1], kims[2], sams[1]], sams[1], now)

    # One of Kim's day-centre clients moves into the hostel today (issue 16): the file and
    # its six weeks of sessions go with them, they wait on Hope House's unallocated list
    # with the handover note, and next week's booked session is cancelled, on Kim's Today.
    # (Sam's caseload stays full, 4 of 4, for the allocation over the limit.)
    # Done here, once the sessions exist: the clients demo runs before the diary's.
    client_services.client_move_site(
        client=kims[3], to_site=Site.objects.get(code="HH1"), on=today, by=staff["manager"],
        handover_note="Came to the day centre for six weeks; now has a room at Hope House. "
                      "Wants help with a benefits claim first. Anxious in groups: meet one to "
                      "one.")


def _series(sessions, clients, twice_a_week, now):
    """A weekly series of eight, from the week after next, at each client's usual time with
    their keyworker (booked through the service, as the booking page does); the client
    `twice_a_week` is expected two sessions a week and has a second series two days later."""
    for client in clients:
        last = max((s for s in sessions if s.client_id == client.pk and s.starts_at > now
                    and s.status == Session.Status.BOOKED), key=lambda s: s.starts_at,
                   default=None)
        if last is None:
            continue
        keyworker = _primary_worker(client, timezone.localdate())
        days = [7, 9] if client == twice_a_week else [7]
        for days_on in days:
            start = dates.same_time_on(last.starts_at,
                                       dates.local_day(last.starts_at) + dates.DAY * days_on)
            diary_services.series_book(
                client=client, worker=keyworker, starts_at=start, expected_minutes=45,
                by=keyworker, interval_weeks=SessionSeries.Interval.WEEKLY, count=8)
        if client == twice_a_week:
            diary_services.cadence_set(client=client, by=keyworker, sessions_per_week=2)


def _liaison_contact(client, by, at, choice, agencies):
    """A contact with someone about `client`: one of LIAISON, or, `choice` past them, with
    a professional of one of the site's `agencies` (a relative instead if it has none)."""
    fields = {"client_id": client.pk, "site_id": client.site_id, "by": by, "at": at,
              "created_at": at}
    if choice >= len(LIAISON) and agencies:
        name, kind, note = PROFESSIONALS[choice % len(PROFESSIONALS)]
        contact = Contact(**fields, with_whom=Contact.With.PROFESSIONAL, kind=kind, note=note,
                          person_name=name, agency=agencies[choice % len(agencies)])
    else:
        with_whom, name, relationship, kind, note = LIAISON[choice % len(LIAISON)]
        contact = Contact(**fields, with_whom=with_whom, person_name=name,
                          relationship=relationship, kind=kind, note=note)
    contact._history_user, contact._history_date = by, at
    return contact


def _liaison(clients, team, now):
    """Contacts with others about about half the small sites' clients: relatives, friends,
    landlords and professionals from the site's agencies. Their own random numbers, so the
    rest of the demo stays as it was."""
    rng = random.Random(17)  # noqa: S311 (demo data, not secrets)
    agencies = {}
    for agency in Agency.objects.filter(site__in={c.site_id for c in clients}).active():
        agencies.setdefault(agency.site_id, []).append(agency)
    contacts = []
    for client in clients:
        colleagues = [w for w, sites in team.items() if client.site_id in sites]
        if rng.random() < 0.5 or not colleagues:
            continue
        for _n in range(rng.randint(1, 3)):
            at = now - datetime.timedelta(days=rng.randint(0, 27), hours=rng.randint(1, 8))
            if dates.local_day(at) < client.admitted_on:
                continue
            contacts.append(_liaison_contact(
                client, rng.choice(colleagues), at,
                rng.randrange(len(LIAISON) + len(PROFESSIONALS)),
                agencies.get(client.site_id, [])))
    return contacts


def _catching_up(sessions, kims, today, now):
    """Kim typed up one session from paper notes a few days late, and logged one from three
    weeks ago today, back from leave: past the approval limit, it waits for the manager."""
    def held_by_kim(first_day, last_day):
        return next((s for s in sessions if s.client_id in {c.pk for c in kims[2:]}
                     and s.status == Session.Status.ATTENDED and not s.risks
                     and first_day <= dates.local_day(s.starts_at) <= last_day), None)

    late = held_by_kim(today - 10 * dates.DAY, today - 4 * dates.DAY)
    if late:
        late.logged_at = late._history_date = late.starts_at + 3 * 24 * HOUR
        late.late_reason = "Typed up from my paper notes after the office computers were down."
    waiting = held_by_kim(today - 27 * dates.DAY, today - 16 * dates.DAY)
    if waiting:
        waiting.logged_at = waiting._history_date = now - HOUR
        waiting.late_reason = "Back from two weeks' leave: written up from my notebook."
        waiting.approval = Session.Approval.AWAITING


def _large_site(ctx, site):
    """About 50 weekly sessions per client of a large site, for measuring; in bulk."""
    rng = ctx["rng"]
    now = timezone.now()
    this_monday = dates.week_start(timezone.localdate())
    clients = list(Client.objects.filter(site=site, admitted_on__isnull=False,
                                         keywork_sessions__isnull=True)
                   .only("pk", "site_id", "admitted_on", "ended_on").order_by("pk"))
    workers = dict(Allocation.objects.primary()
                   .filter(client__in=[c.pk for c in clients])
                   .values_list("client", "worker"))
    taken = {}
    sessions = []
    for client in clients:
        worker_id = workers.get(client.pk)
        if worker_id is None:
            continue
        index = taken.get(worker_id, 0)
        taken[worker_id] = index + 1
        # 45-minute slots from 09:00, five days a week: sixty per worker without overlaps.
        weekday, slot = index % 5, (index // 5) % 12
        first = client.admitted_on
        last = client.ended_on or this_monday + 13 * datetime.timedelta(days=1)
        for week in range(-59, 2):
            day = this_monday + week * WEEK + datetime.timedelta(days=weekday)
            if not first <= day <= last:
                continue
            starts_at = dates.add_minutes(_aware(day, 9), 45 * slot)
            session = Session(client_id=client.pk, site_id=client.site_id, worker_id=worker_id,
                              booked_by_id=worker_id, starts_at=starts_at, expected_minutes=45,
                              ends_at=dates.add_minutes(starts_at, 45),
                              booked_at=starts_at - 7 * 24 * HOUR)
            if starts_at < now:
                roll = rng.random()
                session.status = (Session.Status.ATTENDED if roll < 0.82 else
                                  Session.Status.DID_NOT_ATTEND if roll < 0.93 else
                                  Session.Status.CANCELLED)
                session.logged_by_id = worker_id
                session.logged_at = min(now, starts_at + HOUR)
                if session.status == Session.Status.ATTENDED:
                    session.actual_start = starts_at
                    session.actual_minutes = 40
                    session.discussed = DISCUSSED[index % len(DISCUSSED)]
                    session.next_steps = NEXT_STEPS[week % len(NEXT_STEPS)]
                elif session.status == Session.Status.CANCELLED:
                    session.cancelled_by = Session.CancelledBy.CLIENT
            sessions.append(session)
    manager = large_site_manager(ctx, site)
    insert_with_history(sessions, Session, user=manager)
    _large_series(clients, workers, this_monday, manager)
    _large_site_contacts(site, [c for c in clients if c.pk in workers], manager, now)


def _away_with_cover(*, worker, cover, manager, first_day, last_day, note):
    """`worker` away from `first_day` with `cover` for each of their clients, through the
    same services as the cover page (sessions in those days move to the cover)."""
    from diary import selectors, services

    # Afresh: the sites a User object knows are read once, and the large site's were just
    # given to the demo manager.
    manager = User.objects.get(pk=manager.pk)
    absence = services.absence_record(worker=worker, kind=StaffAbsence.Kind.LEAVE,
                                      first_day=first_day, last_day=last_day, by=manager,
                                      note=note)
    plan = selectors.cover_plan(absence, [pk for pk in worker.site_ids if manager.manages(pk)])
    choices = {row.client: cover for row in plan.rows if row.needs_cover}
    if choices or plan.moves_to_existing_cover:
        services.absence_cover_arrange(absence=absence, choices=choices, by=manager,
                                       handover_note="Sessions moved to you for the week; "
                                                     "plans and risks are on each file.")
    return absence


def _absences(ctx):
    """Sam away on leave this week with Kim covering; Kim's own leave to come, recorded by
    her. On the large site: one keyworker away this week with cover, one leave to come."""
    from diary import services

    if StaffAbsence.objects.exists():
        return
    staff = ctx["staff"]
    manager, kim, sam = staff["manager"], staff["keyworker"], staff["keyworker2"]
    today = timezone.localdate()
    # From tomorrow to the end of the week (today, on a Sunday): Sam is at work today.
    first = today if today.weekday() == 6 else today + datetime.timedelta(days=1)
    sunday = dates.week_start(today) + datetime.timedelta(days=6)
    _away_with_cover(worker=sam, cover=kim, manager=manager, first_day=first,
                     last_day=max(first, sunday), note="Annual leave, booked in September.")
    services.absence_record(worker=kim, kind=StaffAbsence.Kind.LEAVE,
                            first_day=today + datetime.timedelta(days=21),
                            last_day=today + datetime.timedelta(days=25), by=kim,
                            note="Family visit.")
    if large_sites(ctx):
        big = {u.username: u for u in User.objects.filter(username__in=["big02", "big03",
                                                                        "big04"])}
        if len(big) == 3:
            _away_with_cover(worker=big["big02"], cover=big["big03"], manager=manager,
                             first_day=first, last_day=max(first, sunday),
                             note="Training course, then leave.")
            services.absence_record(worker=big["big04"], kind=StaffAbsence.Kind.LEAVE,
                                    first_day=today + datetime.timedelta(days=14),
                                    last_day=today + datetime.timedelta(days=18),
                                    by=big["big04"])
# Sessions that work the plan (issue 17, item 6) --------------------------------------------

WORKED_ON = [
    ("Rang them together from the office; a form to fill in before the next step.",
     "Filled in the form together and posted it. Done."),
    ("Made a start: looked at what is needed and wrote a list.",
     "Took the list along and sorted it out. Done."),
]
NOT_YET_NOTE = "Not ready to start on this yet; agreed to talk about it next week."


def _plan_work(ctx):
    """The two latest sessions held with each client since their plan in force was signed
    work on it: the earlier makes a start on the first open action, the later finishes it
    (with one session: a start) and notes the second open action not started yet; the
    plan's actions move on as the service would move them (plans.services.worked_on). In
    bulk, with history, for the small sites and the large one alike (only clients with no
    progress recorded yet)."""
    from diary.models import ActionProgress
    from plans import services as plan_services
    from plans.models import Action, Plan

    plans = {plan.client_id: plan for plan in Plan.objects.current()
             .filter(client__status__in=[Client.Status.ADMITTED, Client.Status.ACTIVE])
             .exclude(client__keywork_sessions__action_progress__isnull=False)}
    if not plans:
        return
    open_actions = {}
    for action in (Action.objects.filter(goal__plan__in=plans.values(),
                                         outcome=Action.Outcome.OPEN)
                   .select_related("goal").order_by("goal__order", "goal__pk", "order", "pk")):
        open_actions.setdefault(action.goal.plan_id, []).append(action)
    latest = {}
    for session in (Session.objects.counted().filter(client__in=plans.keys(),
                                                     status=Session.Status.ATTENDED)
                    .only("pk", "client_id", "worker_id", "starts_at", "actual_start")
                    .order_by("client", "-starts_at")):
        if session.starts_at >= plans[session.client_id].signed_at:
            latest.setdefault(session.client_id, [])
            if len(latest[session.client_id]) < 2:
                latest[session.client_id].append(session)
    rows, changed = [], []
    for client_id, sessions in latest.items():
        actions = open_actions.get(plans[client_id].pk, [])
        if not actions:
            continue
        newest, first = sessions[0], actions[0]
        partly, done = WORKED_ON[client_id % len(WORKED_ON)]
        if len(sessions) == 2:
            # The earlier session made a start on the first action, the latest finished it.
            rows.append(ActionProgress(session_id=sessions[1].pk, action_id=first.pk,
                                       progress=ActionProgress.Progress.PARTLY, note=partly,
                                       was_outcome=first.outcome, was_learnt=first.learnt))
            rows.append(ActionProgress(session_id=newest.pk, action_id=first.pk,
                                       progress=ActionProgress.Progress.DONE, note=done,
                                       was_outcome=first.outcome, was_learnt=partly))
            first.outcome, first.learnt = plan_services.worked_on(partly, done=True, note=done)
            first.outcome_on = dates.local_day(newest.happened_at)
            first.outcome_by_id = newest.worker_id
        else:
            rows.append(ActionProgress(session_id=newest.pk, action_id=first.pk,
                                       progress=ActionProgress.Progress.PARTLY, note=partly,
                                       was_outcome=first.outcome, was_learnt=first.learnt))
            first.learnt = plan_services.worked_on(first.learnt, done=False, note=partly)[1]
        changed.append(first)
        if len(actions) > 1:
            second = actions[1]
            rows.append(ActionProgress(session_id=newest.pk, action_id=second.pk,
                                       progress=ActionProgress.Progress.NOT_YET,
                                       note=NOT_YET_NOTE, was_outcome=second.outcome,
                                       was_learnt=second.learnt))
            second.learnt = plan_services.worked_on(second.learnt, done=False,
                                                    note=NOT_YET_NOTE)[1]
            changed.append(second)
    manager = ctx["staff"]["manager"]
    insert_with_history(rows, ActionProgress, user=manager)
    Action.objects.bulk_update(changed, ["outcome", "learnt", "outcome_on", "outcome_by"],
                               batch_size=1000)


def _large_series(clients, workers, this_monday, manager):
    """One client in ten of the large site: a weekly series of eight booked ahead, from the
    week after next at their usual slot; in bulk."""
    booked = [c for c in clients[::10] if c.pk in workers and not c.ended_on]
    series = insert_with_history(
        [SessionSeries(client_id=c.pk, worker_id=workers[c.pk], interval_weeks=1, count=8,
                       created_by_id=workers[c.pk]) for c in booked],
        SessionSeries, user=manager)
    last = dict(Session.objects.filter(client_id__in=[c.pk for c in booked],
                                       status=Session.Status.BOOKED)
                .values("client_id").annotate(last=Max("starts_at"))
                .values_list("client_id", "last"))
    sessions = []
    for client, row in zip(booked, series, strict=True):
        if client.pk not in last:
            continue
        for week in range(1, 9):
            day = dates.local_day(last[client.pk]) + week * WEEK
            starts_at = dates.same_time_on(last[client.pk], day)
            sessions.append(Session(
                client_id=client.pk, site_id=client.site_id, worker_id=row.worker_id,
                booked_by_id=row.worker_id, starts_at=starts_at, expected_minutes=45,
                ends_at=dates.add_minutes(starts_at, 45), series_id=row.pk,
                booked_at=timezone.now()))
    insert_with_history(sessions, Session, user=manager)


def _large_site_contacts(site, clients, manager, now):
    """Two contacts per client of the large site over their last year, every third
    client's second one with someone else about them (a professional of the site's
    agencies, or a relative); in bulk."""
    agencies = list(Agency.objects.filter(site=site).active())
    contacts = []
    for n, client in enumerate(clients):
        first = dates.at(client.admitted_on, datetime.time(12), dates.FIRST)
        last = now
        if client.ended_on:
            last = min(now, dates.at(client.ended_on, datetime.time(12), dates.FIRST))
        if last <= first:
            continue
        span = min(last - first, datetime.timedelta(days=365))
        for k in (1, 2):
            at = last - span * k / 3
            if k == 2 and n % 3 == 0:
                contact = _liaison_contact(client, manager, at, n % 7, agencies)
            else:
                contact = Contact(client_id=client.pk, site_id=client.site_id, by=manager,
                                  at=at, created_at=at, kind=CLIENT_KINDS[n % 3],
                                  note=CONTACT_NOTES[n % len(CONTACT_NOTES)])
            contacts.append(contact)
    insert_with_history(contacts, Contact, user=manager)
