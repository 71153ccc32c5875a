from django.conf import settings
from django.core.management.base import BaseCommand

from audit import retention
from portal import services as portal_services


class Command(BaseCommand):
    help = ("Remove clients whose record closed more than RETENTION_YEARS ago, with "
            "everything that names them, keeping only counts, and visitors at the door "
            "never referred and not seen for as long, and clients' sign-in codes and links "
            "older than 90 days. --dry-run reports only.")

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="report, remove nothing")

    def handle(self, *args, **options):
        if not options["dry_run"]:
            pruned = portal_services.sign_ins_prune()
            self.stdout.write(f"{pruned} sign-in code(s) and link(s) older than "
                              f"{portal_services.SIGN_INS_KEPT.days} days removed.")
        visitors = retention.expired_visitors()
        self.stdout.write(f"{visitors.count()} visitor(s) at the door never referred, not "
                          f"seen for more than {settings.RETENTION_YEARS} years.")
        if not options["dry_run"]:
            retention.purge_visitors(visitors)
        clients = list(retention.expired())
        self.stdout.write(f"{len(clients)} client(s) closed more than "
                          f"{settings.RETENTION_YEARS} years ago.")
        for label, rows in retention.report(clients):
            self.stdout.write(f"  {label}: {rows}")
        if options["dry_run"] or not clients:
            self.stdout.write("Dry run: nothing removed." if options["dry_run"] else "")
            return
        removed = retention.purge(clients)
        self.stdout.write(f"Removed {removed} client(s); their counts are kept.")
