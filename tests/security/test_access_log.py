"""The access log: every view of a client's records is written down, managers read it,
nobody changes it."""

import pytest
from django.contrib.admin.sites import site as admin_site
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, URLResolver, get_resolver, path, reverse

from audit import access
from audit.models import AccessEvent
from clients.access import UNDECLARED, client_page, declaration_of
from tests.factories import AgencyFactory, ContactFactory, KeyworkSessionFactory
from tests.plans.conftest import write_full_plan


def _routes(patterns, prefix="", namespace=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _routes(entry.url_patterns, prefix + str(entry.pattern), ns)
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{namespace}{entry.name}", prefix + str(entry.pattern), entry.callback


def undeclared(patterns):
    """Pages whose URL names a record by id (<int:...>) and whose view declares neither
    clients.access.client_page nor not_a_client_page."""
    return [f"{name} ({route})" for name, route, view in _routes(patterns)
            if not name.startswith("admin:") and "<int:" in route
            and declaration_of(view) is UNDECLARED]


def test_every_page_naming_a_record_by_id_says_whether_it_is_about_a_client():
    missing = undeclared(get_resolver().url_patterns)
    assert not missing, ("Declare on these views which client their page is about "
                         "(@client_page) or that it is about none (@not_a_client_page):\n"
                         + "\n".join(missing))


def test_a_client_page_added_without_the_declaration_is_caught():
    def new_client_page(request, pk):
        raise AssertionError("not called")

    patterns = [path("clients/<int:pk>/letters/", new_client_page, name="letters"),
                path("clients/<int:pk>/", client_page()(lambda request, pk: None),
                     name="declared")]
    assert undeclared(patterns) == ["letters (clients/<int:pk>/letters/)"]


def test_every_page_under_a_clients_address_is_a_page_about_that_client():
    for name, route, view in _routes(get_resolver().url_patterns):
        if route.startswith("clients/<int:pk>/"):
            page = declaration_of(view)
            assert page not in (None, UNDECLARED), name
            assert (page.model, page.kwarg) == ("clients.Client", "pk"), name


def test_each_declared_record_leads_to_a_client_and_is_in_the_address():
    from django.apps import apps

    for name, route, view in _routes(get_resolver().url_patterns):
        page = declaration_of(view)
        if page in (None, UNDECLARED):
            continue
        assert f"<int:{page.kwarg}>" in route, name
        if page.several:  # the view names its clients (clients.access.shows_clients)
            assert apps.get_model(page.model), name
            continue
        assert access.client_lookup(apps.get_model(page.model)), name


def test_opening_a_client_file_records_who_what_when_and_from_where(client, keyworker,
                                                                   client_record):
    client.force_login(keyworker)
    client.get(reverse("clients:detail", args=[client_record.pk]), REMOTE_ADDR="192.0.2.10",
               HTTP_USER_AGENT="Firefox")
    event = AccessEvent.objects.get()
    assert (event.user, event.client, event.kind) == (keyworker, client_record, "view")
    assert event.ip_address == "192.0.2.10"
    assert event.user_agent == "Firefox"
    assert event.path == f"/clients/{client_record.pk}/"
    assert event.url_name == "clients:detail"


def test_a_plan_pdf_is_logged_as_a_pdf_of_that_client(client, keyworker, client_record, site):
    plan = write_full_plan(client=client_record, by=keyworker, agency=AgencyFactory(site=site))
    client.force_login(keyworker)
    response = client.get(reverse("plans:pdf", args=[plan.pk]))
    assert response.status_code == 200
    event = AccessEvent.objects.get(kind="pdf")
    assert event.client == client_record


def test_a_session_and_a_contact_reached_by_their_own_id_log_their_client(
        client, keyworker, client_record):
    session = KeyworkSessionFactory(client=client_record, worker=keyworker)
    contact = ContactFactory(client=client_record, by=keyworker)
    client.force_login(keyworker)
    assert client.get(reverse("diary:session", args=[session.pk])).status_code == 200
    event = AccessEvent.objects.get()
    assert (event.client, event.kind, event.url_name) == (client_record, "view", "diary:session")
    assert client.get(reverse("diary:contact_strike", args=[contact.pk])).status_code == 200
    assert AccessEvent.objects.get(url_name="diary:contact_strike").client == client_record


def test_a_chart_drawn_inside_a_logged_page_is_not_logged_again(
        client, manager, client_record):
    client.force_login(manager)
    client.get(reverse("stages:chart_radar", args=[client_record.pk]))
    assert not AccessEvent.objects.exists()


def test_a_page_about_no_client_is_not_logged(client, manager, site):
    agency = AgencyFactory(site=site)
    client.force_login(manager)
    assert client.get(reverse("plans:agency_edit", args=[agency.pk])).status_code == 200
    assert not AccessEvent.objects.exists()


def test_a_report_export_is_logged(client, manager, client_record):
    client.force_login(manager)
    response = client.get(reverse("supervision:report_export", args=["csv"]),
                          {"period": "quarter"})
    assert response.status_code == 200
    assert AccessEvent.objects.get().kind == "export"


def test_a_refused_page_and_a_save_are_not_logged_as_views(client, colleague, client_record):
    client.force_login(colleague)
    assert client.get(reverse("clients:edit", args=[client_record.pk])).status_code == 403
    assert not AccessEvent.objects.exists()


def test_a_manager_sees_who_opened_a_file_from_the_file(client, manager, keyworker,
                                                       client_record):
    client.force_login(keyworker)
    client.get(reverse("clients:detail", args=[client_record.pk]), REMOTE_ADDR="192.0.2.20")
    client.force_login(manager)
    file_page = client.get(reverse("clients:detail", args=[client_record.pk])).content.decode()
    url = reverse("audit:client_access", args=[client_record.pk])
    assert url in file_page
    page = client.get(url).content.decode()
    assert str(keyworker) in page
    assert "192.0.2.20" in page
    assert "Viewed" in page


def test_the_logs_scrolling_table_can_be_reached_by_keyboard(client, manager, keyworker,
                                                             client_record):
    """On a phone the log scrolls sideways inside its box: the box takes the focus (and is
    named), so that a keyboard can scroll it (issue 15)."""
    client.force_login(keyworker)
    client.get(reverse("clients:detail", args=[client_record.pk]))
    client.force_login(manager)
    page = client.get(reverse("audit:client_access", args=[client_record.pk])).content.decode()
    assert ('<div class="table-responsive" tabindex="0" role="region" aria-label="Access log">'
            in page)


def test_keyworkers_and_other_sites_managers_cannot_read_the_log(client, keyworker,
                                                                other_site_manager,
                                                                client_record):
    url = reverse("audit:client_access", args=[client_record.pk])
    client.force_login(keyworker)
    assert client.get(url).status_code == 403
    file_page = client.get(reverse("clients:detail", args=[client_record.pk]))
    assert url not in file_page.content.decode()
    client.force_login(other_site_manager)
    assert client.get(url).status_code == 404


def test_the_log_cannot_be_changed_or_deleted(client, keyworker, client_record):
    client.force_login(keyworker)
    client.get(reverse("clients:detail", args=[client_record.pk]))
    event = AccessEvent.objects.get()
    event.path = "/somewhere-else/"
    with pytest.raises(ValueError, match="append-only"):
        event.save()
    with pytest.raises(ValueError, match="append-only"):
        event.delete()
    model_admin = admin_site._registry[AccessEvent]
    assert not model_admin.has_change_permission(None, event)
    assert not model_admin.has_delete_permission(None, event)
    assert not model_admin.has_add_permission(None)


def _open_file_and_capture(client, keyworker, client_record):
    client.force_login(keyworker)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("clients:detail", args=[client_record.pk])).status_code == 200
    return [q["sql"] for q in queries.captured_queries]


@pytest.mark.django_db(transaction=True)
def test_the_entry_is_committed_on_its_own_without_waiting_for_the_disk_on_postgresql(
        client, keyworker, client_record):
    """Outside any transaction (as in production, where requests are not atomic) the log's
    INSERT has a transaction of its own; on PostgreSQL that one transaction alone commits
    without waiting for the disk (audit.access.record)."""
    statements = _open_file_and_capture(client, keyworker, client_record)
    assert AccessEvent.objects.filter(client=client_record, user=keyworker).count() == 1
    relaxed = [i for i, sql in enumerate(statements) if "synchronous_commit" in sql]
    if connection.vendor == "postgresql":
        assert len(relaxed) == 1
        assert statements[relaxed[0] + 1].startswith('INSERT INTO "audit_accessevent"')
        with connection.cursor() as cursor:  # SET LOCAL ended with the log's transaction
            cursor.execute("SHOW synchronous_commit")
            assert cursor.fetchone()[0] == "on"
    else:
        assert relaxed == []


def test_inside_a_transaction_the_entry_leaves_its_commit_alone(client, keyworker,
                                                                client_record):
    """Inside a transaction that might hold other writes, the log's INSERT changes
    nothing about how that transaction commits."""
    statements = _open_file_and_capture(client, keyworker, client_record)
    assert AccessEvent.objects.filter(client=client_record, user=keyworker).count() == 1
    assert not any("synchronous_commit" in sql for sql in statements)


def test_the_log_pages_newest_first_without_counting_it(client, manager, keyworker,
                                                        client_record,
                                                        django_assert_max_num_queries):
    """Fifty lines a page, "Newer" and "Older" between them: a client's log only grows,
    and counting it for "page 1 of N" took longer than the page itself at 50,000 lines."""
    from audit.views import LogPage

    AccessEvent.objects.bulk_create([
        AccessEvent(user=keyworker, client=client_record, kind=AccessEvent.Kind.VIEW,
                    url_name="clients:detail", path=f"/clients/{n}/")
        for n in range(LogPage.PER_PAGE + 3)])
    newest = AccessEvent.objects.filter(client=client_record).first()
    client.force_login(manager)
    url = reverse("audit:client_access", args=[client_record.pk])
    first = client.get(url).content.decode()
    assert newest.path in first
    assert "Older" in first and "Newer" not in first and "Page 1" in first
    assert first.count("<tr>") == LogPage.PER_PAGE + 1  # with the heading's row
    second = client.get(url + "?page=2").content.decode()
    # The three left over, and the manager's openings of the log itself (each is logged).
    rows = AccessEvent.objects.filter(client=client_record).count() - LogPage.PER_PAGE
    assert second.count("<tr>") in (rows + 1, rows)
    assert "Newer" in second and "Older" not in second
    beyond = client.get(url + "?page=9").content.decode()
    assert "does not go back this far" in beyond
    assert client.get(url + "?page=x").status_code == 200
    assert "does not go back this far" in client.get(
        url + "?page=99999999999999999999").content.decode()
    with django_assert_max_num_queries(12):
        client.get(url + "?page=2")


def test_the_log_page_reads_no_count_of_the_log(client, manager, client_record):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(manager)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("audit:client_access",
                                  args=[client_record.pk])).status_code == 200
    assert not [q["sql"] for q in queries if "audit_accessevent" in q["sql"]
                and "COUNT(" in q["sql"].upper()]
