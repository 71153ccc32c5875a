
from django.conf import settings
from django.db import migrations, models
from django.utils import timezone

# clients.models.Client.ENDED as it stood when this was written.
ENDED = ("moved_on", "discharged", "declined", "withdrawn", "did_not_arrive")


def pages_off_where_shared(apps, schema_editor):
    """Before the constraints: a page left on for a client whose stay has ended (a closed
    referral did not turn it off) is turned off, as leaving now does; and where two pages
    that are on still share a number or address, the one turned on last keeps it. Each
    page turned off ends its sessions (the generation moves on)."""
    PortalAccess = apps.get_model("portal", "PortalAccess")
    now = timezone.now()
    off = set(PortalAccess.objects.filter(is_on=True, client__status__in=ENDED)
              .values_list("pk", flat=True))
    for field in ("phone", "email"):
        kept = set()
        for pk, address in (PortalAccess.objects.filter(is_on=True).exclude(**{field: ""})
                            .exclude(pk__in=off)
                            .order_by("-turned_on_at", "-pk").values_list("pk", field)):
            if address.lower() in kept:
                off.add(pk)
            kept.add(address.lower())
    for access in PortalAccess.objects.filter(pk__in=off):
        access.is_on = False
        access.withdrawn_at = now
        access.generation += 1
        access.save(update_fields=["is_on", "withdrawn_at", "generation"])


class Migration(migrations.Migration):

    dependencies = [
        ('clients', '0010_document_language_easy_read'),
        ('portal', '0002_note_session_time_and_code_lock'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunPython(pages_off_where_shared, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name='portalaccess',
            constraint=models.UniqueConstraint(condition=models.Q(('is_on', True), models.Q(('phone', ''), _negated=True)), fields=('phone',), name='portal_access_phone_on_one_page', violation_error_message="This mobile number is already on another client's page. Each page needs its own number."),
        ),
        migrations.AddConstraint(
            model_name='portalaccess',
            constraint=models.UniqueConstraint(condition=models.Q(('is_on', True), models.Q(('email', ''), _negated=True)), fields=('email',), name='portal_access_email_on_one_page', violation_error_message="This e-mail address is already on another client's page. Each page needs its own address."),
        ),
    ]
