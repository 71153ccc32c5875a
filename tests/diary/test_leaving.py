"""A client's sessions still to come when they move to another site or their stay ends:
cancelled (clients.extensions.client_leaving), and their worker told on Today."""

import datetime

from django.urls import reverse
from django.utils import timezone

from clients import services as client_services
from clients.extensions import client_leaving
from diary import selectors, services
from diary.models import KeyworkSession
from tests.factories import KeyworkSessionFactory, local_moment

DAY = datetime.timedelta(days=1)


def test_the_diary_registers_the_cancellation():
    assert services.sessions_cancel_for_leaving in client_leaving


def test_the_worker_sees_the_cancelled_session_on_today(client, client_record, other_site,
                                                        manager, keyworker):
    session = KeyworkSessionFactory(
        client=client_record, worker=keyworker,
        starts_at=local_moment(timezone.localdate() + 3 * DAY, 11))
    client_services.client_move_site(client=client_record, to_site=other_site,
                                     on=timezone.localdate(), handover_note="Note",
                                     by=manager)
    due = [item for item in selectors.due_for(keyworker) if item.kind == "cancelled"]
    assert [item.session.pk for item in due] == [session.pk]
    client.force_login(keyworker)
    page = client.get(reverse("diary:today")).content.decode()
    assert "Your session with Dee on" in page
    assert "Dee moved to Hope House." in page
    # Not the manager's who cancelled it, and gone once a week has passed.
    assert not [i for i in selectors.due_for(manager) if i.kind == "cancelled"]
    KeyworkSession.objects.filter(pk=session.pk).update(
        logged_at=timezone.now() - 8 * DAY)
    assert not [i for i in selectors.due_for(keyworker) if i.kind == "cancelled"]


def test_a_session_cancelled_by_the_client_is_not_on_today(client_record, keyworker):
    KeyworkSessionFactory(client=client_record, worker=keyworker, status="cancelled",
                          cancelled_by="client", logged_by=keyworker,
                          logged_at=timezone.now())
    assert not [i for i in selectors.due_for(keyworker) if i.kind == "cancelled"]
