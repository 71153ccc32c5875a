import random
import time
from importlib import import_module
from importlib.util import find_spec

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from keywork.lib import cache
from staff.models import Site


class Command(BaseCommand):
    help = (
        "Create demo sites, staff (password 'demo-keywork') and client records. "
        "Safe to run twice. Refuses to run when DEBUG is off."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--clients",
            type=int,
            default=0,
            help="Also build large sites with this many extra clients in all, for measuring.",
        )
        parser.add_argument(
            "--sites",
            type=int,
            default=1,
            help="Spread --clients over this many large sites (BIG, BIG2, ...); sixty staff "
            "per 2,000 clients.",
        )
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing when the database already holds a site (used by `make run`).",
        )
        parser.add_argument("--seed", type=int, default=42, help="Random seed, for repeatability.")

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError(
                "seed_demo refuses to run with DEBUG off: demo logins have a published "
                "password. Set DEBUG=true for a demo or development database."
            )
        if options["if_empty"] and Site.objects.exists():
            self.stdout.write("The database already has data; demo data not loaded.")
            return
        ctx = {"options": options, "rng": random.Random(options["seed"])}
        # One transaction, and the page cache told once at the end (keywork.lib.cache).
        with transaction.atomic(), cache.bulk_load():
            for app in settings.LOCAL_APPS:
                if find_spec(f"{app}.demo"):
                    started = time.monotonic()
                    import_module(f"{app}.demo").seed(ctx)
                    self.stdout.write(f"  {app}: done in {time.monotonic() - started:.0f} s")
        if connection.vendor == "postgresql":
            # Fresh statistics for the planner: right after a bulk load it still thinks the
            # tables are as small as before, and joins them by scanning every row (the
            # safeguarding list took 20 ms instead of 0.1 at 10,000 clients). Autovacuum
            # would get there in its own time; the bench measures at once.
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        self.stdout.write(
            self.style.SUCCESS(
                "Demo data ready. Log in as 'keyworker' with password 'demo-keywork'."
            )
        )
