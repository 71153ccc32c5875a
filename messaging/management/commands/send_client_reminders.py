from django.core.management.base import BaseCommand

from keywork.lib.dates import format_day_time
from messaging import services


class Command(BaseCommand):
    help = ("Write the reminders of tomorrow's sessions and of plan reviews due to clients "
            "who agreed to them, and send what waits (nothing from 21:00 to 08:00). Safe to "
            "run again, or twice at once. Run from cron every 15 minutes.")

    def handle(self, *args, **options):
        result = services.run()
        if result["quiet_until"]:
            self.stdout.write(f"Quiet hours: nothing sent until "
                              f"{format_day_time(result['quiet_until'])}")
        self.stdout.write(f"{result['written']} written, {result['sent']} sent, "
                          f"{result['failed']} failed")
