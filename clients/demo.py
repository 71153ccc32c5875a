"""Demo clients in every lifecycle state, with allocations, cover and a co-keyworker.

`seed_demo --clients N --sites S` adds S large sites (codes BIG, BIG2, ...) with N clients
in all and sixty staff per 2,000 clients, for measuring. Bulk rows are written with
simple-history's bulk helpers so history stays whole.
"""

import datetime

from django.utils import timezone

from clients import services
from clients.models import Allocation, Client, InductionItem
from keywork.lib.bulk import insert_with_history
from staff.demo import demo_password_hash
from staff.models import Site, User

INDUCTION = [
    "Tour of the building and fire exits",
    "House rules and keywork agreement explained",
    "Complaints and confidentiality explained",
    "Registered with a GP",
    "Photo and emergency contact taken",
]

FIRST_NAMES = [
    "James", "Mohammed", "Oliver", "Aisha", "Daniel", "Grace", "Tomasz", "Chloe", "Kwame",
    "Sophie", "Liam", "Fatima", "Connor", "Priya", "Ryan", "Hannah", "Marek", "Emily",
    "Tyrone", "Zara", "Sean", "Amelia", "Dariusz", "Jade", "Callum", "Niamh", "Ahmed",
    "Lucy", "Kieran", "Shanice", "Patrick", "Megan", "Ibrahim", "Ellie", "Gareth", "Yasmin",
]
LAST_NAMES = [
    "Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Patel",
    "Robinson", "Wright", "Thompson", "Evans", "Walker", "White", "Roberts", "Green", "Hall",
    "Wood", "Jackson", "Clarke", "Hussain", "Kowalski", "O'Neill", "Murphy", "Ali", "Mensah",
    "Campbell", "Kelly", "Begum", "Nowak", "Hughes", "Edwards", "Lewis", "Okoye", "Singh",
]
SOURCES = ["Street outreach team", "Self-referral", "Probation service", "Hospital discharge",
           "Local authority housing team", "Drug and alcohol service", "GP"]
ALERTS = ["", "", "", "Do not visit alone after 6pm", "Severe nut allergy",
          "History of self-harm: check in daily", "Uses a walking stick: ground floor only"]


def _fields(rng, today):
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    return {
        "first_name": first,
        "last_name": last,
        "preferred_name": rng.choice(["", "", "", first[:3]]),
        "date_of_birth": today - datetime.timedelta(days=rng.randint(19 * 365, 70 * 365)),
        "phone": f"07700 9{rng.randint(10000, 99999)}",
        "languages": rng.choice(["English", "English", "English, Polish", "Arabic, English",
                                 "Urdu, English", "Twi, English"]),
        "cultural_needs": rng.choice(["", "", "Prefers a female keyworker", "Halal meals",
                                      "Attends Friday prayers"]),
        "emergency_contact_name": rng.choice(["", f"{rng.choice(FIRST_NAMES)} {last}"]),
        "gp_practice": rng.choice(["", "Riverside Medical Centre", "Elm Road Surgery"]),
        "alerts": rng.choice(ALERTS),
        "referral_source": rng.choice(SOURCES),
        "referral_reason": "Needs support with housing and health.",
    }


def _admit_and_allocate(client, *, manager, worker, days_ago, today, activate=True):
    services.client_admit(client=client, admitted_on=today - datetime.timedelta(days=days_ago),
                          by=manager)
    if activate:
        services.client_activate(client=client, by=manager)
    services.client_allocate(client=client, worker=worker, by=manager,
                             start=client.admitted_on, over_limit_reason="Demo data")


def seed(ctx):
    rng = ctx["rng"]
    today = timezone.localdate()
    sites, staff = ctx["sites"], ctx["staff"]
    manager = staff["manager"]
    for site in sites.values():
        for order, text in enumerate(INDUCTION):
            InductionItem.objects.get_or_create(site=site, text=text, defaults={"order": order})
    staff["keyworker2"].caseload_limit = 4
    staff["keyworker2"].save()

    if Client.objects.filter(site__in=sites.values()).exists():
        ctx["clients"] = list(Client.objects.filter(site__in=sites.values()))
    else:
        ctx["clients"] = _small_sites(rng, today, sites, staff, manager)
    if ctx["options"].get("clients"):
        _large_sites(ctx, rng, today, manager)


def _refer(rng, today, site, manager, days_ago):
    return services.client_refer(site=site, by=manager,
                                 referred_on=today - datetime.timedelta(days=days_ago),
                                 **_fields(rng, today))


def _small_sites(rng, today, sites, staff, manager):
    dc1, hh1 = sites["DC1"], sites["HH1"]
    kw1, kw2, kw3 = staff["keyworker"], staff["keyworker2"], staff["keyworker3"]
    clients = []
    # Riverside: keyworker holds 6, keyworker2 is full at 4 of 4.
    for i, worker in enumerate([kw1] * 6 + [kw2] * 4):
        client = _refer(rng, today, dc1, manager, days_ago=200 - i * 12)
        _admit_and_allocate(client, manager=manager, worker=worker, days_ago=190 - i * 12,
                            today=today, activate=i != 5)
        clients.append(client)
    co = clients[1]
    services.co_keyworker_set(client=co, worker=kw2, by=manager,
                              reason="Pair work while housing application is live")
    cover = clients[7]
    services.cover_arrange(client=cover, worker=kw1, first_day=today,
                           last_day=today + datetime.timedelta(days=6), by=manager,
                           handover_note="Sam is on leave this week. Weekly session due "
                                         "Thursday; benefits review letter expected.")
    for days_ago in (3, 1):
        clients.append(_refer(rng, today, dc1, manager, days_ago=days_ago))
    # Referrals that ended without an admission: the referral outcomes report counts them.
    for days_ago, outcome, reason, note in (
            (40, Client.Status.DECLINED, Client.ReferralEndReason.NEEDS_TOO_HIGH,
             "Needs nursing care the centre cannot give; passed back to the hospital team."),
            (12, Client.Status.DID_NOT_ARRIVE, Client.ReferralEndReason.NO_CONTACT,
             "Missed two interview slots; the outreach team could not find him.")):
        closed = _refer(rng, today, dc1, manager, days_ago=days_ago)
        services.client_close_referral(client=closed, outcome=outcome, reason=reason,
                                       note=note, by=manager,
                                       on=today - datetime.timedelta(days=days_ago - 8))
        clients.append(closed)
    ended = _refer(rng, today, dc1, manager, days_ago=400)
    _admit_and_allocate(ended, manager=manager, worker=kw1, days_ago=390, today=today)
    services.client_end(client=ended, status=Client.Status.MOVED_ON,
                        ended_on=today - datetime.timedelta(days=30),
                        destination="Own tenancy (housing association)",
                        reason="Ready for independent living", by=manager,
                        end_kind=Client.EndKind.PLANNED,
                        closing_summary="You came to us sleeping rough and you leave with "
                                        "the keys to your own flat. You sorted your benefits, "
                                        "registered with a GP and finished the cooking "
                                        "course. The tenancy support team will visit you "
                                        "every week for the first two months.")
    clients.append(ended)
    clients.append(_returning(rng, today, dc1, manager, kw1))
    # Hope House: keyworker3's caseload, one referral, one discharge.
    for i in range(7):
        client = _refer(rng, today, hh1, manager, days_ago=210 - i * 25)
        _admit_and_allocate(client, manager=manager, worker=kw3, days_ago=200 - i * 25,
                            today=today, activate=i != 6)
        clients.append(client)
    clients.append(_refer(rng, today, hh1, manager, days_ago=2))
    withdrawn = _refer(rng, today, hh1, manager, days_ago=25)
    services.client_close_referral(client=withdrawn, outcome=Client.Status.WITHDRAWN,
                                   reason=Client.ReferralEndReason.SUPPORTED_ELSEWHERE,
                                   note="Offered a room by family.", by=manager,
                                   on=today - datetime.timedelta(days=20))
    clients.append(withdrawn)
    gone = _refer(rng, today, hh1, manager, days_ago=300)
    _admit_and_allocate(gone, manager=manager, worker=kw3, days_ago=290, today=today)
    services.client_end(client=gone, status=Client.Status.DISCHARGED,
                        ended_on=today - datetime.timedelta(days=60), destination="Unknown",
                        reason="Left without notice after repeated rule breaches", by=manager,
                        end_kind=Client.EndKind.UNPLANNED)
    clients.append(gone)
    # Matching: a Riverside referral who speaks Polish first and wants help with housing
    # (Kim speaks Polish and has room; Sam speaks Polish and knows housing, but is full).
    polish = clients[10]
    services.client_update(client=polish, version=polish.version, by=manager,
                           languages="Polish, English", support_wanted=["housing"],
                           cultural_needs="More at ease speaking Polish.")
    # Documents: one client reads them in Welsh, easy read; another in Arabic (the
    # documents page and the PDFs open in their version first).
    for client, language, easy in ((clients[0], "cy", True), (clients[1], "ar", False)):
        services.client_update(client=client, version=client.version, by=manager,
                               document_language=language, easy_read=easy)
    return clients


def _returning(rng, today, site, manager, worker):
    """A client who moved on, came back and was admitted again: a file with an earlier
    stay."""
    days = datetime.timedelta(days=1)
    client = _refer(rng, today, site, manager, days_ago=320)
    _admit_and_allocate(client, manager=manager, worker=worker, days_ago=310, today=today)
    services.client_end(client=client, status=Client.Status.MOVED_ON, ended_on=today - 120 * days,
                        destination="Private rented flat", reason="Found a flat", by=manager,
                        end_kind=Client.EndKind.PLANNED,
                        closing_summary="Settled in the flat; knows how to reach us.")
    services.client_reopen(client=client, by=manager, referred_on=today - 20 * days,
                           referral_source="Street outreach team",
                           reason="The tenancy ended; sleeping rough again")
    _admit_and_allocate(client, manager=manager, worker=worker, days_ago=15, today=today)
    return client


# The large sites of `seed_demo --clients N --sites S`: (code, name, address, phone). The
# first stays BIG, the one the bench and the tests look up.
LARGE_SITES = [
    ("BIG", "Northgate Centre (large demo)", "1 Northgate\nNG1 1AA", "01632 960 303"),
    ("BIG2", "Southbank Centre (large demo)", "2 Southbank Road\nSB2 2BB", "01632 960 304"),
    ("BIG3", "Eastfield House (large demo)", "3 Eastfield Street\nEF3 3CC", "01632 960 305"),
    ("BIG4", "Westgate Hub (large demo)", "4 Westgate\nWG4 4DD", "01632 960 306"),
    ("BIG5", "Harbour Lodge (large demo)", "5 Harbour Walk\nHB5 5EE", "01632 960 307"),
]
# Staff of a large site: sixty for up to 2,000 clients (two managers, 58 keyworkers), more in
# proportion above that, so caseloads stay about 35.
STAFF_PER_2000 = 60


def _large_site_data(number):
    """Code, name, address and phone of the large site `number` (1 is BIG)."""
    if number <= len(LARGE_SITES):
        return LARGE_SITES[number - 1]
    return (f"BIG{number}", f"Large site {number} (large demo)", f"{number} High Street",
            f"01632 961 {number:03d}")


def large_sites(ctx):
    """The large sites this run builds (`--sites`, BIG first), made by `seed` below: every
    app's demo loops over them to give each the same kind of data."""
    return ctx.get("large_sites", [])


def large_site_manager(ctx, site):
    """Who manages a large site in the demo: the demo manager at BIG, the site's own first
    manager at the others."""
    if site.code == LARGE_SITES[0][0]:
        return ctx["staff"]["manager"]
    return site.staff.filter(role=User.Role.MANAGER).order_by("username").first()


def _large_sites(ctx, rng, today, manager):
    """`--clients` spread over `--sites` large sites (BIG takes any remainder)."""
    count, number = ctx["options"]["clients"], max(1, ctx["options"].get("sites") or 1)
    ctx["large_sites"] = []
    for n in range(1, number + 1):
        share = count // number + (count % number if n == 1 else 0)
        ctx["large_sites"].append(_large_site(rng, today, share, manager, n))


def _large_site(rng, today, count, manager, number=1):
    """A busy site for measuring: `count` clients over its keyworkers, built in bulk."""
    code, name, address, phone = _large_site_data(number)
    site, _ = Site.objects.update_or_create(
        code=code, defaults={"name": name, "uses_ladder": True, "address": address,
                             "phone": phone})
    if number == 1:
        # The demo manager looks after the first large site too; the others have their own.
        manager.sites.add(site)
    prefix = "big" if number == 1 else f"big{number}-"
    workers = []
    for i in range(max(STAFF_PER_2000, round(count * STAFF_PER_2000 / 2000))):
        role = User.Role.MANAGER if i < 2 else User.Role.KEYWORKER
        user, created = User.objects.get_or_create(
            username=f"{prefix}{i:02d}",
            defaults={"first_name": rng.choice(FIRST_NAMES), "last_name": rng.choice(LAST_NAMES),
                      "role": role, "caseload_limit": 40},
        )
        if created:
            user.password = demo_password_hash()
            user.save()
        user.sites.add(site)
        if role == User.Role.KEYWORKER:
            workers.append(user)
    start = Client.objects.filter(site=site).count()
    statuses = [Client.Status.ACTIVE] * 14 + [Client.Status.ADMITTED, Client.Status.REFERRED,
                                              Client.Status.MOVED_ON, Client.Status.DISCHARGED]
    new = []
    for n in range(start + 1, start + count + 1):
        status = rng.choice(statuses)
        referred = today - datetime.timedelta(days=rng.randint(30, 900))
        admitted = referred + datetime.timedelta(days=rng.randint(1, 20))
        ended = (min(today, admitted + datetime.timedelta(days=rng.randint(30, 400)))
                 if status in Client.ENDED else None)
        new.append(Client(
            site=site, number=n, reference=f"{site.code}-{n:05d}", status=status,
            referred_on=referred, admitted_on=None if status == Client.Status.REFERRED
            else admitted, ended_on=ended, end_destination="Own tenancy" if ended else "",
            on_probation=status == Client.Status.ADMITTED, **_fields(rng, today)))
    created = insert_with_history(new, Client, user=manager)
    allocations = []
    for client in created:
        if client.status == Client.Status.REFERRED:
            continue
        allocations.append(Allocation(
            client=client, worker=rng.choice(workers), kind=Allocation.Kind.PRIMARY,
            start=client.admitted_on,
            end=client.ended_on + datetime.timedelta(days=1) if client.ended_on else None,
            created_by=manager))
    insert_with_history(allocations, Allocation, user=manager)
    return site
