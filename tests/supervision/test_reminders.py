import datetime

from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from diary.models import KeyworkSession
from supervision import selectors
from supervision.models import Notification


def _overdue_session(client_record, keyworker):
    start = timezone.now() - datetime.timedelta(hours=3)
    return KeyworkSession.objects.create(client=client_record, worker=keyworker, starts_at=start,
                                         expected_minutes=60, booked_by=keyworker)


def test_send_reminders_tells_the_keyworker_and_is_safe_twice(client_record, keyworker,
                                                                manager, capsys):
    _overdue_session(client_record, keyworker)
    call_command("send_reminders")
    out = capsys.readouterr().out
    assert "Log the session with Dee" in out
    first = len(mail.outbox)
    assert any("Log the session with Dee" in m.body for m in mail.outbox)
    call_command("send_reminders")
    assert len(mail.outbox) == first
    assert Notification.objects.filter(user=keyworker).count() >= 2


def test_managers_hear_about_overdue_work_at_their_sites(client_record, keyworker, manager):
    _overdue_session(client_record, keyworker)
    call_command("send_reminders")
    texts = list(Notification.objects.filter(user=manager).values_list("text", flat=True))
    assert "Riverside Day Centre: Sessions booked but not logged: 1" in texts


def test_the_bell_counts_what_is_due_now_not_the_mornings_list(client, client_record,
                                                                keyworker):
    call_command("send_reminders")  # the morning's list: nothing was overdue then
    _overdue_session(client_record, keyworker)
    client.force_login(keyworker)
    # Log the session; Dee, admitted weeks ago, also has no first plan and no initial
    # assessment yet.
    bell = client.get(reverse("diary:due_count")).content.decode()
    assert 'class="badge text-bg-warning">3<' in bell
    assert client.get(reverse("supervision:notifications")).url == reverse("diary:today")


def test_an_overdue_return_is_shown_on_the_london_clock(client_record, keyworker, site):
    back = datetime.datetime(2026, 7, 6, 9, 0, tzinfo=datetime.UTC)  # 10:00 BST
    KeyworkSession.objects.create(client=client_record, worker=keyworker, booked_by=keyworker,
                                  starts_at=back - datetime.timedelta(hours=1),
                                  expected_minutes=45, place=KeyworkSession.Place.EXTERNAL,
                                  where="GP surgery", expected_back_at=back)
    [item] = selectors.urgent_items([site.pk])
    assert item.text == "Dee: expected back Mon 6 Jul 10:00, not checked in"


def test_the_morning_email_names_a_reassessment_due(client_record, keyworker, manager, site):
    """Issue 16: re-assessment at the site's interval is among the keyworker's reminders."""
    from stages import services as stage_services
    from stages.models import Need

    stage_services.assessment_settings_update(site=site, by=manager, reassess_every_weeks=4)
    stage_services.assessment_record(
        client=client_record, assessed_on=client_record.admitted_on, by=keyworker,
        ratings={n.pk: ("determined", "") for n in Need.objects.in_use()})
    call_command("send_reminders")
    assert any("Re-assess Dee" in m.body for m in mail.outbox)
