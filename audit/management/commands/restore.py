from django.core.management.base import BaseCommand, CommandError

from audit import backups


class Command(BaseCommand):
    help = "Restore the database and uploaded files from a backup folder (the newest if none)."

    def add_arguments(self, parser):
        parser.add_argument("folder", nargs="?", help="a backup folder (default: the newest)")
        parser.add_argument("--dir", help="where backups are (default var/backups or BACKUP_DIR)")
        parser.add_argument("--yes", action="store_true",
                            help="do not ask: everything since the backup is lost")

    def handle(self, *args, **options):
        folder = options["folder"] or (backups.backups(options["dir"]) or [None])[-1]
        if folder is None:
            raise CommandError("No backup found.")
        if not options["yes"] and input(
                f"Replace the database and files with {folder}? Type yes: ") != "yes":
            raise CommandError("Nothing restored.")
        backups.restore(folder)
        self.stdout.write(f"Restored {folder}")
