"""Demo agreements, plans, signatures, reviews, agencies and referrals for `seed_demo`.

Every active demo client at the two small sites gets a signed keywork agreement and a plan
history: the older clients an old signed version replaced by the current one at a review,
everyone a review of the current version. One client's review is overdue, one has an
unsigned draft of a change, two are in the manager's 4-13 week window, one is past it
without a sign-off, and `keyworker`'s admitted client has no plan yet (the browser
journey writes it). `--clients N` gives most active clients of the large site the same in
bulk. Rows are built in memory, their digests computed as the services would, and written
with simple-history's bulk helper.
"""

import datetime
import io
import uuid

from django.core.files.base import ContentFile
from django.utils import timezone
from PIL import Image, ImageDraw

from clients.demo import large_site_manager, large_sites
from clients.models import Allocation, Client
from keywork.lib import dates
from keywork.lib.bulk import insert_with_history
from plans import services
from plans.models import (
    MANAGER_REVIEW_FROM,
    Action,
    Agency,
    Agreement,
    AgreementTemplate,
    Consent,
    Goal,
    ManagerReview,
    Milestone,
    Plan,
    Referral,
    Review,
    ReviewItem,
    Signature,
    keyworker_of,
)
from plans.services import agreement_values, fill_placeholders

DAY = datetime.timedelta(days=1)

AGENCIES = [
    ("Housing Options Team", "Council housing advice and the housing register", "Lena Marsh",
     "01632 960 410", Agency.Kind.HOUSING),
    ("Community Drug and Alcohol Service", "Assessment, detox and recovery groups",
     "Dr Ravi Shah", "01632 960 420", Agency.Kind.DRUG_ALCOHOL),
    ("Jobcentre Plus", "Universal Credit and work coaching", "Work coach desk",
     "0800 169 0190", Agency.Kind.MONEY),
    ("Citizens Advice", "Benefits, debt and money advice", "Advice line", "0808 223 1133",
     Agency.Kind.MONEY),
    ("Riverside Medical Centre", "GP registration and health checks", "Reception",
     "01632 960 430", Agency.Kind.HEALTH),
    ("Northfield College", "English, maths and skills courses", "Student services",
     "01632 960 440", Agency.Kind.WORK),
]

# Goals in a client's own words, each with actions (what, who, agency index or None, days
# after the start) and milestones (text, days after the start).
THEMES = [
    ("I want a flat of my own by the summer.", 0,
     [("Fill in the housing register form together", "client", None, 7),
      ("Ring the housing officer about the banding", "keyworker", None, 10),
      ("Assess the housing application", "agency", 0, 21)],
     [("On the housing register with a band", 30)]),
    ("I want to cut down my drinking and feel well in the mornings.", 1,
     [("Go to the first recovery group", "client", None, 5),
      ("Book an assessment with the drug and alcohol service", "keyworker", None, 3)],
     [("A week with three dry days", 28)]),
    ("I want my money sorted so I am not short every week.", None,
     [("Bring the Universal Credit letters to the session", "client", None, 4),
      ("Check the benefits entitlement", "agency", 3, 14),
      ("Make a weekly budget sheet together", "keyworker", None, 14)],
     [("Through a whole month without running out", 45)]),
    ("I want to see a doctor about my chest.", None,
     [("Register with the GP at Riverside Medical Centre", "client", None, 7),
      ("Go to the new patient health check", "client", None, 21)],
     [("Registered with a GP", 14)]),
    ("I want to get back in touch with my sister.", None,
     [("Write down what I want to say to her", "client", None, 7),
      ("Talk through the first phone call in the session", "keyworker", None, 10)],
     [("One phone call with my sister", 35)]),
    ("I want to do a course and get some work.", 5,
     [("Visit the college open morning", "client", None, 12),
      ("Help with the course application", "keyworker", None, 16)],
     [("Started a course", 60)]),
]
VISIONS = [
    "Living somewhere of my own, keeping it nice, and my daughter coming to stay at weekends.",
    "Off the drink, working part-time and not worrying about money every week.",
    "Settled and well, with a routine, and back in touch with my family.",
    "A place of my own, a course at the college, and friends who are good for me.",
]
STRENGTHS = [
    "Good at cooking. Gets on with people. My sister still answers my texts.",
    "Determined once I start something. Friends at the day centre. Can read and write well.",
    "Used to work as a painter. Keeps appointments when reminded the day before.",
]
CONSTRAINTS = [
    "Mornings are hard: keep sessions after 11 and text a reminder the day before.",
    "Old rent arrears may slow the housing application: ask Citizens Advice about a plan.",
    "Gets anxious in offices: the keyworker goes along to the first appointment.",
]
CLIENT_VIEWS = [
    "Going better than I thought. The form was the hardest bit.",
    "Some weeks were hard but I kept going to the group.",
    "I want to add the college course now that the flat is moving.",
    "Happy with how it is going; keep the same plan for now.",
]
LEARNT = [
    "Easier with someone there the first time.",
    "The letter had to go to a different office.",
    "Better to ring in the morning; they do not answer after 3.",
]


def _squiggle(rng, width=600, height=180):
    """A drawn-looking signature, as the signature pad would send it."""
    image = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    x, y = 30, height // 2
    points = [(x, y)]
    while x < width - 60:
        x += rng.randint(25, 60)
        y = max(25, min(height - 25, y + rng.randint(-55, 55)))
        points.append((x, y))
    draw.line(points, fill=(11, 31, 77, 255), width=5, joint="curve")
    draw.line([(40, height - 30), (x - 40, height - 26)], fill=(11, 31, 77, 255), width=3)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


class Builder:
    """Collects rows for bulk writing; computes each signed version's digest on the way."""

    def __init__(self, rng, today, signatures):
        self.rng, self.today, self.signatures = rng, today, signatures
        self.rows = {model: [] for model in (Agreement, Plan, Goal, Action, Milestone,
                                             Signature, Review, ReviewItem, ManagerReview,
                                             Referral)}
        self.keyworkers = {}

    def _keyworker(self, client):
        """The keyworker a signed document names: the client's, as it reads today."""
        if client.pk not in self.keyworkers:
            self.keyworkers[client.pk] = keyworker_of(client)
        return self.keyworkers[client.pk]

    def add(self, obj):
        self.rows[type(obj)].append(obj)
        return obj

    def _signed_at(self, day):
        return dates.at(day, datetime.time(11, 30))

    def sign(self, document, *, day, worker, declined=False):
        for role in (Signature.Role.CLIENT, Signature.Role.WORKER):
            drawn = role == Signature.Role.WORKER or self.rng.random() < 0.7
            name = document.client.display_name if role == Signature.Role.CLIENT else str(worker)
            if declined and role == Signature.Role.CLIENT:
                method, image = Signature.Method.DECLINED, b""
            else:
                method = Signature.Method.DRAWN if drawn else Signature.Method.TYPED
                image = self.rng.choice(self.signatures) if drawn else b""
            self.add(Signature(
                role=role, method=method, name=name, image=image,
                agreed_in_person=method == Signature.Method.TYPED,
                declined_reason="Would rather not sign forms; agreed the plan out loud."
                if method == Signature.Method.DECLINED else "",
                content_digest=document.signed_digest, recorded_by=worker,
                signed_at=self._signed_at(day), **{document._meta.model_name: document}))

    def agreement(self, client, *, template, values, day, worker):
        agreement = self.add(Agreement(
            client=client, number=1, created_by=worker, signed_at=self._signed_at(day),
            **{field: fill_placeholders(getattr(template, field), values)
               for field in ("sessions", "can_expect", "expected_of_client",
                             "confidentiality")}))
        agreement.seal(agreement.content(keyworker=self._keyworker(client)))
        self.sign(agreement, day=day, worker=worker)
        return agreement

    def plan(self, client, *, number, starts_on, worker, agencies, themes, previous=None,
             signed=True, next_review_on=None, superseded_on=None):
        """One version with its goals, actions and milestones (copied on from `previous`,
        keys kept, then `themes` added)."""
        plan = self.add(Plan(
            client=client, number=number, based_on=previous, created_by=worker,
            starts_on=starts_on, review_on=starts_on + 28 * DAY,
            vision=self.rng.choice(VISIONS), strengths=self.rng.choice(STRENGTHS),
            constraints=self.rng.choice(CONSTRAINTS),
            signed_at=self._signed_at(starts_on) if signed else None,
            superseded_at=self._signed_at(superseded_on) if superseded_on else None,
            next_review_on=next_review_on if signed else None))
        goals = []
        for order, (goal, actions, milestones) in enumerate(previous.demo_goals
                                                            if previous else [], start=1):
            copy = self.add(Goal(plan=plan, key=goal.key, order=order, text=goal.text,
                                 lead_agency=goal.lead_agency, lead_details=goal.lead_details))
            goals.append((copy,
                          [self.add(Action(goal=copy, **_fields(a, Action))) for a in actions],
                          [self.add(Milestone(goal=copy, **_fields(m, Milestone)))
                           for m in milestones]))
        for text, lead, action_rows, milestone_rows in themes:
            agency = agencies[lead] if lead is not None else None
            goal = self.add(Goal(
                plan=plan, key=uuid.uuid4(), order=len(goals) + 1, text=text,
                lead_agency=agency,
                lead_details=f"{agency.name} · {agency.contact_details}" if agency else ""))
            actions = [self.add(Action(
                goal=goal, key=uuid.uuid4(), order=n, what=what, who=who,
                agency=agencies[index] if index is not None else None,
                agency_name=agencies[index].name if index is not None else "",
                due_on=starts_on + days * DAY)) for n, (what, who, index, days)
                in enumerate(action_rows, start=1)]
            milestones = [self.add(Milestone(goal=goal, key=uuid.uuid4(), order=n, text=what,
                                             target_on=starts_on + days * DAY))
                          for n, (what, days) in enumerate(milestone_rows, start=1)]
            goals.append((goal, actions, sorted(milestones,
                                                key=lambda m: (m.target_on, m.order))))
        plan.demo_goals = goals
        if signed:
            plan.seal(plan.content(goals=goals, keyworker=self._keyworker(client)))
            self.sign(plan, day=starts_on, worker=worker,
                      declined=self.rng.random() < 0.05)
        return plan

    def review(self, plan, *, held_on, worker, decision, next_review_on):
        """A review: actions due by then done (a few not), milestones due reached. A plan
        that carries on keeps work going: when every open action is due, the last one due
        is carried on to the next review, still open (the sessions after it work on it)."""
        review = self.add(Review(
            plan=plan, held_on=held_on, by=worker, decision=decision,
            client_view=self.rng.choice(CLIENT_VIEWS), next_review_on=next_review_on,
            notes="Went through every action together."))
        still_open = [action for _goal, actions, _milestones in plan.demo_goals
                      for action in actions if action.outcome == Action.Outcome.OPEN]
        carried = None
        if decision == Review.Decision.CONTINUE and still_open and all(
                action.due_on <= held_on for action in still_open):
            carried = max(still_open, key=lambda action: (action.due_on, action.order))
        for _goal, actions, milestones in plan.demo_goals:
            for action in actions:
                if (action.outcome == Action.Outcome.OPEN and action.due_on <= held_on
                        and action is not carried):
                    done = self.rng.random() < 0.8
                    action.outcome = Action.Outcome.DONE if done else Action.Outcome.NOT_DONE
                    action.learnt = "" if done else self.rng.choice(LEARNT)
                    action.outcome_on, action.outcome_by = held_on, worker
                self.add(ReviewItem(review=review, action=action, outcome=action.outcome,
                                    learnt=action.learnt))
            for milestone in milestones:
                if milestone.reached_on is None and milestone.target_on <= held_on:
                    milestone.reached_on = held_on - self.rng.randint(0, 6) * DAY
                self.add(ReviewItem(review=review, milestone=milestone,
                                    reached_on=milestone.reached_on))
        return review

    def write(self, by):
        """Insert everything, parents first (versions in order, as each names the last)."""
        plans = self.rows.pop(Plan)
        for number in sorted({p.number for p in plans}):
            insert_with_history([p for p in plans if p.number == number], Plan, user=by)
        for model, rows in self.rows.items():
            insert_with_history(rows, model, user=by)


def _fields(obj, model):
    """The copyable fields of an action or milestone (progress included)."""
    names = [f.attname for f in model._meta.concrete_fields if f.name not in ("id", "goal")]
    return {name: getattr(obj, name) for name in names}


def _agencies(site):
    agencies = []
    for name, service, contact, phone, kind in AGENCIES:
        agency, _ = Agency.objects.get_or_create(
            site=site, name=name, defaults={"service": service, "contact_name": contact,
                                            "phone": phone, "kind": kind})
        agencies.append(agency)
    return agencies


def _history(builder, client, *, worker, agencies, template, values, today, role=None,
             versions_at_most=3):
    """An agreement and a plan history for one client: a new version about every eight
    weeks (each after a review that revised it), the last one current and reviewed; for
    clients here a long time, only the last `versions_at_most` versions are written.
    `role` is "overdue" (the current review is past due) or "draft" (a change is open).
    Returns the signed versions, oldest first."""
    rng = builder.rng
    start = client.admitted_on + rng.randint(3, 6) * DAY
    builder.agreement(client, template=template, values=values, day=start, worker=worker)
    start = max(start, today - (versions_at_most * 56 - rng.randint(14, 40)) * DAY)
    themes = rng.sample(THEMES, 3)
    versions = []
    day = start
    while True:
        nxt = day + rng.randint(49, 63) * DAY
        last = nxt > today - 21 * DAY
        if versions:
            used = {goal.text for goal, _actions, _milestones in versions[-1].demo_goals}
            unused = [theme for theme in THEMES if theme[0] not in used]
            themes = [rng.choice(unused)] if unused and rng.random() < 0.5 else []
        plan = builder.plan(client, number=len(versions) + 1, starts_on=day, worker=worker,
                            agencies=agencies, themes=themes,
                            previous=versions[-1] if versions else None,
                            superseded_on=None if last else nxt)
        versions.append(plan)
        if last:
            break
        builder.review(plan, held_on=nxt, worker=worker, decision=Review.Decision.REVISE,
                       next_review_on=nxt + 28 * DAY)
        day = nxt
    current = versions[-1]
    if role == "overdue" and current.starts_on < today - 14 * DAY:
        held = max(current.starts_on + DAY, today - 34 * DAY)
        next_review = today - 6 * DAY
    else:
        held = max(current.starts_on + DAY, today - rng.randint(3, 20) * DAY)
        next_review = held + 28 * DAY
    builder.review(current, held_on=held, worker=worker, decision=Review.Decision.CONTINUE,
                   next_review_on=next_review)
    current.next_review_on = next_review
    if role == "draft":
        used = {goal.text for goal, _actions, _milestones in current.demo_goals}
        unused = [theme for theme in THEMES if theme[0] not in used]
        draft = builder.plan(client, number=current.number + 1, starts_on=today,
                             worker=worker, agencies=agencies, themes=unused[:1],
                             previous=current, signed=False)
        # The action the last review carried on is given a new date in the draft, as its
        # keyworker would have done: signing asks for one (plans.services.signing_problems).
        for _goal, actions, _milestones in draft.demo_goals:
            for action in actions:
                if action.outcome == Action.Outcome.OPEN and action.due_on < today:
                    action.due_on = today + rng.randint(7, 21) * DAY
    return versions


def _in_force(versions, day):
    """The version signed on or before `day` (the first one for earlier days)."""
    started = [version for version in versions if version.starts_on <= day]
    return started[-1] if started else versions[0]


def seed(ctx):
    today = timezone.localdate()
    manager = ctx["staff"]["manager"]
    rng = ctx["rng"]
    signatures = [_squiggle(rng) for _ in range(4)]
    builder = Builder(rng, today, signatures)
    for site in ctx["sites"].values():
        AgreementTemplate.for_site(site)
    clients = [c for c in ctx["clients"] if not Plan.objects.filter(client=c).exists()]
    if paper := _paper_plan(clients, today):
        clients.remove(paper)
    _small_sites(builder, clients, ctx, today, manager)
    builder.write(manager)
    for site in large_sites(ctx):
        # One site at a time, written as it is built: the rows of every site at once would
        # be millions of objects held in memory.
        builder = Builder(rng, today, signatures)
        _large_site(builder, today, site)
        builder.write(large_site_manager(ctx, site))
    _consents(today, manager)


def _consents(today, manager):
    """Each demo referral sent on a consent (one expires within the fortnight, so Today
    names it), a consent to share with every drug and alcohol service, and one referral
    shared without consent under a safeguarding duty."""
    referrals = list(Referral.objects.filter(consent__isnull=True, shared_without="",
                                             client__site__code__in=["DC1", "HH1"])
                     .select_related("client", "agency").order_by("made_on", "pk"))
    for n, referral in enumerate(referrals):
        if n == 1:
            referral.shared_without = Referral.SharedWithout.SAFEGUARDING
            referral.shared_without_note = ("Raised with the adult safeguarding team; the "
                                            "manager agreed the referral could not wait.")
        else:
            referral.consent = services.consent_record(
                client=referral.client, agency=referral.agency, by=manager,
                given_on=referral.made_on, how=Consent.How.IN_WRITING,
                purpose="To make the referral and hear back about it.",
                expires_on=today + (10 if n == 0 else 180) * DAY)
        referral.save()
    if referrals:
        services.consent_record(
            client=referrals[0].client, agency_kind=Agency.Kind.DRUG_ALCOHOL, by=manager,
            given_on=today - 30 * DAY, how=Consent.How.VERBALLY,
            purpose="To talk with any drug or alcohol service about their treatment.",
            expires_on=today + 150 * DAY)


def _paper_plan(clients, today):
    """A Hope House client whose plan was brought in from paper: signed on paper two months
    ago with a scan on file, its review date passed (overdue at once). Written through
    the services, as a person bringing it in would."""
    client = (Client.objects.filter(pk__in=[c.pk for c in clients], site__code="HH1",
                                    status=Client.Status.ACTIVE)
              .order_by("-admitted_on").first())
    worker = client and _keyworker_of(client)
    if worker is None:
        return None
    starts_on = max(client.admitted_on, today - 60 * DAY)
    plan = services.plan_start(client=client, by=worker, starts_on=starts_on,
                               review_on=today - 4 * DAY, vision="A place of my own and a job.",
                               strengths="Good cook. Keeps in touch with my brother.")
    services.goal_save(plan=plan, lock_version=plan.lock_version, by=worker,
                       text="Move into my own flat",
                       actions=[{"what": "Bid for flats every week", "who": "client",
                                 "due_on": today + 7 * DAY}],
                       milestones=[])
    services.plan_paper_sign(plan=plan, by=worker, scan=_scan(client), signed_on=starts_on,
                             client_name=client.display_name, worker_name=str(worker))
    return client


def _scan(client):
    """A picture of a signed paper plan, as a scanner would give it."""
    page = Image.new("L", (620, 877), 255)
    draw = ImageDraw.Draw(page)
    draw.text((40, 40), f"Support plan - {client.display_name}", fill=0)
    for line in range(8):
        draw.line((40, 120 + line * 60, 580, 120 + line * 60), fill=160)
    for x in (60, 340):
        draw.line((x, 800, x + 200, 780), fill=0, width=3)
    buffer = io.BytesIO()
    page.save(buffer, "PNG")
    return ContentFile(buffer.getvalue(), name="scan.png")


def _keyworker_of(client):
    allocation = (Allocation.objects.primary().filter(client=client).order_by("-start")
                  .select_related("worker").first())
    return allocation.worker if allocation else None


def _small_sites(builder, clients, ctx, today, manager):
    staff = ctx["staff"]
    by_site = {}
    for client in clients:
        by_site.setdefault(client.site, []).append(client)
    for site, site_clients in by_site.items():
        agencies = _agencies(site)
        template = AgreementTemplate.for_site(site)
        active = [c for c in site_clients if c.status == Client.Status.ACTIVE]
        for n, client in enumerate(active):
            worker = _keyworker_of(client) or staff["manager"]
            role = {1: "overdue", 3: "draft"}.get(n) if site.code == "DC1" else None
            versions = _history(builder, client, worker=worker, agencies=agencies,
                                template=template, values=agreement_values(client),
                                today=today, role=role)
            # Managers have signed off most plans past week 4; one on each site is left:
            # the newest is in its window, the oldest at Riverside is overdue.
            opens = versions[0].starts_on + MANAGER_REVIEW_FROM
            left = n == len(active) - 1 or (site.code == "DC1" and n == 2)
            if opens <= today and not left:
                day = min(today, opens + 14 * DAY)
                builder.add(ManagerReview(
                    client=client, plan=_in_force(versions, day), by=manager,
                    comments="Clear goals in the client's words; actions are realistic.",
                    signed_at=builder._signed_at(day)))
        for n, client in enumerate(active[:3]):
            builder.add(Referral(
                client=client, agency=agencies[n], made_on=today - (20 - n * 6) * DAY,
                reason="Agreed in the plan: needs their specialist help.",
                outcome=[Referral.Outcome.ACCEPTED, Referral.Outcome.WAITING,
                         Referral.Outcome.WAITING][n],
                follow_up_on=today + (n - 1) * 4 * DAY, made_by=manager))


def _large_site(builder, today, site):
    """Most active clients of a large demo site get an agreement and a plan history."""
    clients = list(Client.objects.filter(site=site, status=Client.Status.ACTIVE,
                                         plans__isnull=True).select_related("site"))
    if not clients:
        return
    agencies = _agencies(site)
    template = AgreementTemplate.for_site(site)
    workers = {a.client_id: a.worker for a in Allocation.objects.current().primary()
               .filter(client__in=clients).select_related("worker")}
    for client in clients:
        worker = workers.get(client.pk)
        if worker is None or builder.rng.random() < 0.15:
            continue
        values = {"client": client.called, "keyworker": str(worker),
                  "keyworker_phone": worker.phone or site.phone, "site": site.name,
                  "site_phone": site.phone}
        chance = builder.rng.random()
        role = "overdue" if chance < 0.1 else "draft" if chance < 0.15 else None
        _history(builder, client, worker=worker, agencies=agencies, template=template,
                 values=values, today=today, role=role, versions_at_most=2)
