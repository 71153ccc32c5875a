"""A visitor at the door never referred goes after the retention period, with their visits;
one referred stays with the client's record, and one seen lately stays."""

import datetime
import io

from django.core.management import call_command
from django.utils import timezone

from attendance import services
from attendance.models import Visit, Visitor


def _long_ago(visitor, years):
    moment = timezone.now() - datetime.timedelta(days=365 * years + 10)
    Visitor.objects.filter(pk=visitor.pk).update(created_at=moment)
    Visit.objects.filter(visitor=visitor).update(day=moment.date(), checked_in_at=moment,
                                                 checked_out_at=moment)


def test_visitors_never_referred_are_purged_after_the_retention_period(settings, keyworker,
                                                                      site, client_record):
    settings.RETENTION_YEARS = 6
    old, _visit = services.visitor_check_in(site=site, by=keyworker, name="Old Visitor")
    recent, _visit = services.visitor_check_in(site=site, by=keyworker, name="Came Back")
    referred, _visit = services.visitor_check_in(site=site, by=keyworker, name="Dee Harper")
    for visitor in (old, recent, referred):
        _long_ago(visitor, 7)
    services.visitor_referred(visitor=referred, client=client_record, by=keyworker)
    # Seen again last week: kept.
    Visit.objects.create(site=site, visitor=recent, day=timezone.localdate(),
                         checked_in_at=timezone.now(), checked_in_by=keyworker,
                         checked_out_at=timezone.now())

    out = io.StringIO()
    call_command("purge_expired", "--dry-run", stdout=out)
    assert "1 visitor(s) at the door never referred" in out.getvalue()
    assert Visitor.objects.filter(pk=old.pk).exists()

    call_command("purge_expired", stdout=io.StringIO())
    assert set(Visitor.objects.values_list("name", flat=True)) == {"Came Back", "Dee Harper"}
    assert not Visit.objects.filter(visitor_id=old.pk).exists()
    assert not Visitor.history.filter(id=old.pk).exists()
    assert Visit.objects.filter(client=client_record).count() == 1
