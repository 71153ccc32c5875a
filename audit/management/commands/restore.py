import datetime
import time

from django.core.management.base import BaseCommand, CommandError

from audit import backups
from keywork.lib import dates

TIME_FORMATS = ("%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S")


def moment(text, fold=None):
    """The instant a local (Europe/London) "2026-12-04 10:31" names, through keywork.lib.dates;
    `fold` (dates.FIRST or SECOND) says which of a time the clocks show twice."""
    for form in TIME_FORMATS:
        try:
            typed = datetime.datetime.strptime(text.strip(), form)
        except ValueError:
            continue
        try:
            return dates.at(typed.date(), typed.time(), fold)
        except dates.NonexistentTime as error:
            raise CommandError(error.message) from None
        except dates.AmbiguousTime as error:
            raise CommandError(f"{error.message} Add --first (BST) or --second (GMT).") from None
    raise CommandError(f'"{text}" is not a time: give it as "2026-12-04 10:31" '
                       "(UK time), seconds optional.")


class Command(BaseCommand):
    help = ("Restore the database and uploaded files from a backup folder (the newest if "
            "none), or, on PostgreSQL with WAL_ARCHIVE_DIR set, the database as it was at a "
            "minute of the last 14 days (--to).")

    def add_arguments(self, parser):
        parser.add_argument("folder", nargs="?", help="a backup folder (default: the newest)")
        parser.add_argument("--dir", help="where backups are (default var/backups or BACKUP_DIR)")
        parser.add_argument("--to", metavar="TIME",
                            help='the database as it was at this UK time, "2026-12-04 10:31" '
                                 "(point-in-time recovery; the uploaded files stay as they are)")
        twice = parser.add_mutually_exclusive_group()
        twice.add_argument("--first", action="store_const", const=dates.FIRST, dest="fold",
                           help="--to: the first of a time the clocks show twice (BST)")
        twice.add_argument("--second", action="store_const", const=dates.SECOND, dest="fold",
                           help="--to: the second of a time the clocks show twice (GMT)")
        parser.add_argument("--port", type=int,
                            help="--to: the port of the temporary server (default: a free one)")
        parser.add_argument("--work-dir",
                            help="--to: where the temporary server's data goes (default: the "
                                 "system's temporary folder; it needs the database's size)")
        parser.add_argument("--yes", action="store_true",
                            help="do not ask: everything since the backup is lost")

    def handle(self, *args, **options):
        if options["to"]:
            self._to(options)
            return
        folder = options["folder"] or (backups.backups(options["dir"]) or [None])[-1]
        if folder is None:
            raise CommandError("No backup found.")
        if not options["yes"] and input(
                f"Replace the database and files with {folder}? Type yes: ") != "yes":
            raise CommandError("Nothing restored.")
        backups.restore(folder)
        self.stdout.write(f"Restored {folder}")

    def _to(self, options):
        if options["folder"]:
            raise CommandError("Give a backup folder or --to, not both.")
        instant = moment(options["to"], options["fold"])
        shown = dates.format_day_time(instant)
        if not options["yes"] and input(
                f"Replace the database with its state at {shown}? Everything saved since "
                "is lost. Type yes: ") != "yes":
            raise CommandError("Nothing restored.")
        started = time.monotonic()
        try:
            folder, last_save = backups.restore_to(
                instant, root=options["dir"], port=options["port"],
                workdir=options["work_dir"])
        except backups.PointInTimeError as error:
            raise CommandError(str(error)) from None
        kept = (f"; the last save kept was at {dates.format_day_time(last_save)}"
                if last_save else "")
        self.stdout.write(f"Restored the database to {shown}{kept} (from the base backup in "
                          f"{folder} and the WAL archive, "
                          f"{time.monotonic() - started:.1f} s)")
