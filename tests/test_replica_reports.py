"""The outcome report and the exports against a "reports" database (keywork/lib/replica.py):
they read from it, and every write (the export's log, the access log) goes to "default";
a keyworker's pages never touch it.

The "reports" database here is the test database opened a second time, refusing writes
as a streaming replica does (SQLite's query_only, PostgreSQL's read-only transactions), so
a write sent to it fails the test. The tests commit their data (transaction=True):
Django's test mirror is a second connection, which cannot see the rows of a test
transaction still open on the first."""

import datetime
import io
import json
import zipfile

import pytest
from django.db import DEFAULT_DB_ALIAS, connections
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from audit.models import AccessEvent
from keywork.lib.replica import REPORTS
from supervision.models import ExportLog
from tests.factories import local_moment


@pytest.fixture(scope="module", autouse=True)
def reports_database(django_db_setup, django_db_blocker):
    """A "reports" database, as REPORTS_DATABASE_URL makes it, on the test database,
    refusing writes."""
    primary = connections[DEFAULT_DB_ALIAS].settings_dict
    options = {k: v for k, v in primary.get("OPTIONS", {}).items() if k != "transaction_mode"}
    if primary["ENGINE"].endswith("sqlite3"):
        options["init_command"] = "PRAGMA query_only = ON;"
    else:
        options["options"] = "-c default_transaction_read_only=on"
    connections.settings[REPORTS] = {**primary, "OPTIONS": options,
                                     "TEST": {**primary["TEST"], "MIRROR": DEFAULT_DB_ALIAS}}
    yield
    with django_db_blocker.unblock():
        connections[REPORTS].close()
    del connections[REPORTS]
    del connections.settings[REPORTS]


with_reports = pytest.mark.django_db(transaction=True, databases=[DEFAULT_DB_ALIAS, REPORTS])


def _tables(queries):
    return " ".join(query["sql"] for query in queries)


@pytest.fixture
def week_of_sessions(client_record, keyworker):
    from diary.models import KeyworkSession

    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    for hour in (9, 10):
        KeyworkSession.objects.create(client=client_record, worker=keyworker,
                                      booked_by=keyworker, expected_minutes=30,
                                      starts_at=local_moment(yesterday, hour))
    return {"period": "dates", "start": yesterday.isoformat(), "end": yesterday.isoformat()}


@with_reports
def test_the_outcome_report_reads_from_the_reports_database(client, manager, week_of_sessions):
    client.force_login(manager)
    with CaptureQueriesContext(connections[DEFAULT_DB_ALIAS]) as primary, \
            CaptureQueriesContext(connections[REPORTS]) as reports:
        page = client.get(reverse("supervision:report"), week_of_sessions)
    assert page.status_code == 200
    assert "No sessions in this period." not in page.content.decode()
    assert "diary_keyworksession" in _tables(reports.captured_queries)
    # The primary answered the login (session and user) and nothing of the report.
    assert "diary_keyworksession" not in _tables(primary.captured_queries)
    assert all(table not in _tables(primary.captured_queries)
               for table in ("clients_client", "plans_plan"))


@with_reports
def test_an_export_reads_from_the_reports_database_and_logs_itself_on_default(
        client, manager, week_of_sessions):
    client.force_login(manager)
    with CaptureQueriesContext(connections[DEFAULT_DB_ALIAS]) as primary, \
            CaptureQueriesContext(connections[REPORTS]) as reports:
        response = client.get(reverse("supervision:report_export", args=["xlsx"]),
                              week_of_sessions)
        b"".join(response.streaming_content)
    assert response.status_code == 200
    assert "diary_keyworksession" in _tables(reports.captured_queries)
    assert "INSERT" not in _tables(reports.captured_queries)
    assert "INSERT INTO \"supervision_exportlog\"" in _tables(primary.captured_queries)
    assert "diary_keyworksession" not in _tables(primary.captured_queries)
    assert ExportLog.objects.filter(by=manager, file_format="xlsx").count() == 1


@with_reports
def test_a_subject_access_export_reads_everything_from_the_primary(
        client, manager, client_record, week_of_sessions):
    """Never the replica: the export must hold the record saved a second ago too."""
    client.force_login(manager)
    with CaptureQueriesContext(connections[DEFAULT_DB_ALIAS]) as primary, \
            CaptureQueriesContext(connections[REPORTS]) as reports:
        response = client.post(reverse("audit:subject_access", args=[client_record.pk]))
    assert response.status_code == 200
    records = json.loads(zipfile.ZipFile(io.BytesIO(response.content)).read("records.json"))
    assert len(records["records"]["diary.KeyworkSession"]) == 2
    assert reports.captured_queries == []
    assert "diary_keyworksession" in _tables(primary.captured_queries)
    assert "INSERT INTO \"audit_accessevent\"" in _tables(primary.captured_queries)
    assert AccessEvent.objects.filter(user=manager, client=client_record,
                                      kind=AccessEvent.Kind.SUBJECT_ACCESS).count() == 1


@with_reports
def test_a_keyworkers_page_reads_from_default_only(client, keyworker, client_record):
    client.force_login(keyworker)
    with CaptureQueriesContext(connections[REPORTS]) as reports:
        assert client.get(reverse("clients:detail", args=[client_record.pk])).status_code == 200
        assert client.get("/").status_code == 200
    assert reports.captured_queries == []


def test_reads_inside_reading_reports_go_to_the_reports_database():
    from django.db import router

    from clients.models import Client
    from keywork.lib.replica import reading_reports

    with reading_reports():
        assert router.db_for_read(Client) == REPORTS
        assert router.db_for_write(Client) == DEFAULT_DB_ALIAS
    assert router.db_for_read(Client) == DEFAULT_DB_ALIAS
