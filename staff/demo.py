"""Demo sites and staff for `manage.py seed_demo`.

Each app that has demo data keeps a `demo.py` with a `seed(ctx)` function; seed_demo calls
them in INSTALLED_APPS order, so later apps build on what earlier ones made. `ctx` is a
dict shared between them ("sites", "staff", "clients", "options", "rng").
"""

import functools

from django.contrib.auth.hashers import make_password

from staff.models import Site, User

DEMO_PASSWORD = "demo-keywork"

SITES = [
    {
        "code": "DC1",
        "name": "Riverside Day Centre",
        "address": "12 Wharf Lane\nRiverside\nRV1 2AB",
        "phone": "01632 960 101",
    },
    {
        "code": "HH1",
        "name": "Hope House",
        "address": "48 Elm Road\nNorthfield\nNF4 7CD",
        "phone": "01632 960 202",
        "uses_ladder": True,
    },
]

# username, first name, last name, role, site codes
STAFF = [
    ("admin", "Ada", "Admin", User.Role.ADMINISTRATOR, []),
    ("manager", "Maya", "Patel", User.Role.MANAGER, ["DC1", "HH1"]),
    ("keyworker", "Kim", "Walker", User.Role.KEYWORKER, ["DC1"]),
    ("keyworker2", "Sam", "Okafor", User.Role.KEYWORKER, ["DC1"]),
    ("keyworker3", "Jo", "Bennett", User.Role.KEYWORKER, ["HH1"]),
]


# What each demo worker records for matching (their profile page): languages, gender,
# specialisms.
PROFILES = {
    "keyworker": ("English, Polish, Urdu", "woman", ["mental_health", "women_only"]),
    "keyworker2": ("English, Polish", "man", ["substance_use", "housing"]),
    "keyworker3": ("English, Arabic", "prefer_not_to_say", ["benefits", "employment"]),
}


@functools.cache
def demo_password_hash():
    """DEMO_PASSWORD hashed once: Argon2 takes a fifth of a second a hash, on purpose, and
    the large demo site has sixty staff."""
    return make_password(DEMO_PASSWORD)


def seed(ctx):
    sites = {}
    for data in SITES:
        site, _ = Site.objects.update_or_create(code=data["code"], defaults=data)
        sites[site.code] = site
    staff = {}
    for username, first, last, role, codes in STAFF:
        user, created = User.objects.get_or_create(
            username=username,
            defaults={
                "first_name": first,
                "last_name": last,
                "role": role,
                "email": f"{username}@keywork.example",
                "phone": f"07700 900{len(staff):03d}",
            },
        )
        if created:
            user.password = demo_password_hash()
            user.save()
        user.sites.set([sites[code] for code in codes])
        if username in PROFILES and not user.languages:
            user.languages, user.gender, user.skills = PROFILES[username]
            user.save()
        staff[username] = user
    ctx["sites"] = sites
    ctx["staff"] = staff
