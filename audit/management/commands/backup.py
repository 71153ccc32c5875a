from django.core.management.base import BaseCommand

from audit import backups


class Command(BaseCommand):
    help = ("Back up the database and uploaded files to var/backups/ (or BACKUP_DIR), "
            "keeping the newest --keep; on PostgreSQL with WAL_ARCHIVE_DIR set, a base "
            "backup too, and the archived WAL older than the oldest kept is removed.")

    def add_arguments(self, parser):
        parser.add_argument("--dir", help="where backups go (default var/backups or BACKUP_DIR)")
        parser.add_argument("--keep", type=int, default=14, help="backups to keep (default 14)")

    def handle(self, *args, **options):
        folder = backups.make(options["dir"], keep=options["keep"])
        self.stdout.write(f"Backed up to {folder}")
