"""Demo of the client's own page for `manage.py seed_demo`: the first two admitted clients
at Riverside (DC1) have their page on, with codes to their demo mobile (an Ofcom drama
number, 07700 900xxx: the one their reminders go to, where they agreed to texts). Sign in
as one at /me/sign-in/ with that number: the console provider prints the code in the
runserver console (README "Demo logins"). The first has sent their keyworker a message."""

from messaging.models import Channel
from portal import services
from portal.models import ClientNote, PortalAccess

DEMO_SITE = "DC1"
CLIENTS = 2


def seed(ctx):
    clients = [c for c in ctx["clients"] if c.site.code == DEMO_SITE and c.admitted_on
               and not c.is_archived][:CLIENTS]
    if not clients or PortalAccess.objects.filter(client__in=clients).exists():
        return
    by = ctx["staff"]["keyworker"]
    for n, client in enumerate(clients):
        consent = getattr(client, "reminder_consent", None)
        phone = (consent.phone if consent and consent.channel == Channel.SMS and consent.phone
                 else f"07700 9002{n:02d}")
        services.access_set(client=client, by=by, is_on=True, phone=phone)
        if n == 0 and not ClientNote.objects.filter(client=client).exists():
            services.note_send(client=client, text="Can we talk about my housing forms on "
                                                    "Thursday? I have a letter from the council.")
