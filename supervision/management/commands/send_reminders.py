from django.core.management.base import BaseCommand

from supervision.reminders import remind_everyone


class Command(BaseCommand):
    help = ("E-mail each keyworker and manager what is due today (once a day: safe to run "
            "again) and fill the notifications list. Run from cron, e.g. at 07:30.")

    def handle(self, *args, **options):
        for user, items, sent in remind_everyone():
            if not items:
                continue
            self.stdout.write(f"{user} ({user.get_role_display()}): {len(items)} due, "
                              f"{sent} e-mailed now")
            for item in items:
                self.stdout.write(f"  - {item.text}")
