"""Two `send_client_reminders` running at once (cron on two servers, or a run that
overlaps the next) send each message once: the rows are unique by key and each is locked
while it goes."""

import threading

import pytest
from django.db import connection

from messaging import services
from messaging.models import ClientMessage, ReminderConsent
from tests.factories import KeyworkSessionFactory, client_with_keyworker
from tests.messaging.conftest import moment


@pytest.mark.django_db(transaction=True)
def test_two_jobs_at_once_send_each_message_once(provider, site, keyworker, clock):
    # `clock`: the job reads the clock again before each text (the quiet night).
    for n in range(4):
        record = client_with_keyworker(site=site, keyworker=keyworker, first_name=f"C{n}",
                                       last_name="Client")
        ReminderConsent.objects.create(client=record, consents=True, channel="sms",
                                       phone=f"+4477009001{n:02d}", recorded_by=keyworker)
        KeyworkSessionFactory(client=record, worker=keyworker,
                              starts_at=moment(9 + n, days=1))
    provider.delay = 0.2
    noon = moment(12)
    errors = []

    def job():
        try:
            services.run(noon)
        except Exception as error:  # reported below, with the thread's failure
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=job) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(text["To"] for text in provider.texts) == [
        f"+4477009001{n:02d}" for n in range(4)]
    assert ClientMessage.objects.filter(status="sent").count() == 4
