"""Sample files for the import: made up clients of the demo sites, with a fixed seed.

`manage.py import_sample --write docs/import` writes the committed files (500 clients,
20,000 past sessions, their plans); the tests and the demo take smaller ones. They name
the demo's sites (DC1, HH1) and staff (keyworker, keyworker2, keyworker3, manager).
"""

import csv
import datetime
import io
import random

from imports import files

WORKERS = {"DC1": ["keyworker", "keyworker2", "manager"], "HH1": ["keyworker3", "manager"]}
FIRST = ["Alex", "Bea", "Cal", "Dee", "Eli", "Fay", "Gus", "Hana", "Ivo", "Jas", "Kit",
         "Lee", "Mo", "Nell", "Oli", "Pat", "Quinn", "Ray", "Sol", "Tam", "Uma", "Vic",
         "Wyn", "Xan", "Yas", "Zac"]
LAST = ["Abbott", "Begum", "Carter", "Dunn", "Evans", "Fox", "Green", "Hughes", "Iqbal",
        "Jones", "Khan", "Lewis", "Mason", "Nowak", "Owen", "Price", "Quinn", "Reid", "Shah",
        "Taylor", "Usman", "Vance", "Walsh", "Young"]
ALERTS = ["", "", "", "Allergic to penicillin", "Ask before visiting",
          "Epilepsy: see care plan", "Do not disclose address"]
NOTES = ["Talked about the housing application.", "Went through the benefits letter.",
         "Planned the week: GP on Tuesday, workshop on Thursday.",
         "Checked in after the hospital visit.", "Worked on the budget sheet together."]
GOALS = [("Find a flat", "Fill in the housing register form"),
         ("Manage my money", "Open a bank account"),
         ("Feel healthier", "Register with a GP"),
         ("Get back to work", "Go to the job club on Thursday"),
         ("See my family", "Write to my sister")]
# The files are committed: every date in them is before this day, review dates after it.
UNTIL = datetime.date(2026, 11, 30)


def _day(day):
    return day.strftime("%d/%m/%Y")


def generate(*, clients=500, sessions=20_000, seed=16, sites=("DC1", "HH1"), workers=None):
    """{kind: [row dict]} for the three files; `workers`: {site code: [usernames]}, the
    last of each only holding sessions (a manager), never a keyworker."""
    workers = workers or WORKERS
    rng = random.Random(seed)  # noqa: S311 (made-up data, repeatable on purpose)
    client_rows, open_clients, seen_clients = [], [], []
    for n in range(1, clients + 1):
        site = sites[n % len(sites)]
        status = rng.choices(["referred", "admitted", "active", "moved on", "discharged"],
                             weights=[1, 1, 6, 1, 1])[0]
        referred = UNTIL - datetime.timedelta(days=rng.randint(60, 900))
        admitted = referred + datetime.timedelta(days=rng.randint(0, 30))
        ended = None
        if status in ("moved on", "discharged"):
            ended = admitted + datetime.timedelta(days=rng.randint(30, 400))
            ended = min(ended, UNTIL)
        reference = f"OLD-{n:05d}"
        row = {
            "site": site, "old_reference": reference, "first_name": rng.choice(FIRST),
            "last_name": rng.choice(LAST),
            "date_of_birth": _day(datetime.date(rng.randint(1950, 2005), rng.randint(1, 12),
                                                rng.randint(1, 28))),
            "status": status, "referred_on": _day(referred),
            "admitted_on": "" if status == "referred" else _day(admitted),
            "ended_on": _day(ended) if ended else "",
            "end_destination": "Own tenancy" if status == "moved on" else "",
            "keyworker": "" if status == "referred" else rng.choice(workers[site][:-1]),
            "phone": f"07700 9{n:05d}", "languages": rng.choice(["English", "English; Polish",
                                                                 "Arabic; English"]),
            "alerts": rng.choice(ALERTS), "referral_source": "Outreach team",
        }
        client_rows.append(row)
        if status != "referred":
            seen_clients.append((reference, site, admitted, ended or UNTIL))
        if status in ("admitted", "active"):
            open_clients.append(reference)
    session_rows = []
    for n in range(sessions):
        reference, site, first, last = seen_clients[n % len(seen_clients)]
        span = max((last - first).days, 1)
        day = first + datetime.timedelta(days=rng.randint(0, span - 1))
        start = datetime.datetime.combine(day, datetime.time(rng.randint(9, 16),
                                                             rng.choice([0, 15, 30, 45])))
        status = rng.choices(["held", "missed", "cancelled"], weights=[8, 1, 1])[0]
        session_rows.append({
            "client_reference": reference, "worker": rng.choice(workers[site]),
            "start": start.strftime("%d/%m/%Y %H:%M"), "minutes": str(rng.choice([30, 45, 60])),
            "status": status, "cancelled_by": rng.choice(["client", "staff"])
            if status == "cancelled" else "",
            "notes": rng.choice(NOTES) if status == "held" else "",
        })
    plan_rows = []
    for reference in open_clients:
        start = UNTIL - datetime.timedelta(days=rng.randint(0, 60))
        review = datetime.date(2027, rng.randint(6, 12), rng.randint(1, 28))
        for goal, action in rng.sample(GOALS, rng.randint(1, 3)):
            plan_rows.append({
                "client_reference": reference, "plan_start": _day(start),
                "review_date": _day(review), "vision": "A place of my own.", "goal": goal,
                "action": action, "who": rng.choice(["client", "keyworker"]),
                "due": _day(start + datetime.timedelta(days=rng.randint(7, 60))),
            })
    return {"clients": client_rows, "sessions": session_rows, "plans": plan_rows}


def as_csv(kind, rows):
    """The rows as the bytes of a CSV file with the kind's header."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=files.header(kind), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode()
