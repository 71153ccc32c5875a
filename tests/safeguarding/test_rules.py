"""Safeguarding's rules: who reads a record, the local authority report, review before
closure, bans on the file, the figures, and what one client's subject access export and
the retention purge do with a record about several clients."""

import datetime
import io
import json
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from audit import retention
from clients.models import Allocation, Client
from safeguarding import selectors, services
from safeguarding.models import Ban, Incident, Involvement
from tests.factories import AllocationFactory
from tests.safeguarding.world import incident_about

DAY = datetime.timedelta(days=1)


def _readers(incident, *people):
    return [Incident.objects.for_user(person).filter(pk=incident.pk).exists()
            for person in people]


def test_only_the_people_who_need_to_see_a_record_read_it(
        client_record, keyworker, colleague, manager, other_site_manager, administrator,
        other_site_keyworker, colleagues_client, site):
    incident = incident_about(client_record, by=manager, site=site)
    # Kim holds Dee; the manager raised it and manages the site; an administrator, who runs
    # the system, never reads client records.
    assert _readers(incident, keyworker, manager, administrator) == [True, True, False]
    assert _readers(incident, colleague, other_site_manager, other_site_keyworker) == [
        False, False, False]
    # Sam reads it once she covers Dee, or once a manager names her on it.
    cover = AllocationFactory(client=client_record, worker=colleague,
                              kind=Allocation.Kind.COVER, end=timezone.localdate() + DAY)
    assert _readers(incident, colleague) == [True]
    cover.end = timezone.localdate()
    cover.save()
    assert _readers(incident, colleague) == [False]
    services.incident_review(incident=incident, by=manager, review_note="Seen",
                             shared_with=[colleague])
    assert _readers(incident, colleague) == [True]
    # The person who raised a record reads it without holding the client.
    raised = incident_about(colleagues_client, by=keyworker, site=site)
    assert _readers(raised, keyworker) == [True]


def test_reported_to_the_local_authority_needs_a_date_and_a_reference(client, keyworker, site,
                                                                       client_record):
    client.force_login(keyworker)
    data = {"kind": "incident", "site": site.pk, "happened_on": timezone.localdate(),
            "what": "Fight", "immediate_action": "Called 999", "risk": "high",
            "clients": [client_record.pk], "reported_to_la": "on"}
    page = client.post(reverse("safeguarding:raise"), data).content.decode()
    assert "Give the date it was reported to the local authority." in page
    assert "Give the local authority&#x27;s reference." in page
    assert not Incident.objects.exists()
    data.update(la_reported_on=timezone.localdate(), la_reference="ASC-1")
    response = client.post(reverse("safeguarding:raise"), data)
    incident = Incident.objects.get()
    assert response.url == incident.get_absolute_url()
    assert (incident.la_reference, incident.raised_by) == ("ASC-1", keyworker)
    assert list(incident.involved.values_list("client", flat=True)) == [client_record.pk]


def test_the_clients_involved_are_picked_not_listed(client, keyworker, site, client_record,
                                                    colleagues_client, other_site_client):
    client.force_login(keyworker)
    url = reverse("safeguarding:raise")
    page = client.get(url, {"client": client_record.pk}).content.decode()
    # Raised from the file: that client ticked in the picker, no other client sent.
    assert f'type="checkbox" name="clients" value="{client_record.pk}"' in page
    assert "Rob Quinn" not in page and reverse("clients:pick") in page
    # A client the person may not see is refused by the field, whatever was posted.
    data = {"kind": "concern", "site": site.pk, "happened_on": timezone.localdate(),
            "what": "Worried", "immediate_action": "Talked", "risk": "low",
            "clients": [client_record.pk, other_site_client.pk]}
    assert client.post(url, data).status_code == 200
    assert not Incident.objects.exists()


def test_a_client_of_another_site_cannot_be_named(keyworker, site, other_site_client):
    with pytest.raises(ValidationError, match="clients of this site"):
        incident_about(other_site_client, by=keyworker, site=site)


def test_a_manager_reviews_then_closes_and_the_alert_leaves_the_file(
        client, client_record, keyworker, manager, site):
    incident = incident_about(client_record, by=keyworker, site=site)
    with pytest.raises(ValidationError, match="Review the record"):
        services.incident_close(incident=incident, by=manager, outcome="Done")
    alerts = selectors.file_alerts(keyworker, client_record)
    assert alerts["incidents"] == [incident] and alerts["restricted"] == 0
    assert alerts["risks"][0]["text"] == "Keep away from the kitchen door"
    client.force_login(manager)
    client.post(reverse("safeguarding:review", args=[incident.pk]), {"review_note": "Seen"})
    client.post(reverse("safeguarding:close", args=[incident.pk]), {"outcome": "Settled"})
    incident.refresh_from_db()
    assert (incident.reviewed_by, incident.closed_by, incident.outcome) == (manager, manager,
                                                                            "Settled")
    assert selectors.file_alerts(keyworker, client_record) == {
        "incidents": [], "restricted": 0, "risks": [], "bans": []}
    assert Incident.objects.filter(pk=incident.pk).exists()  # closed, never deleted


def test_a_ban_shows_on_the_file_until_it_is_lifted(client, client_record, manager, keyworker):
    client.force_login(manager)
    today = timezone.localdate()
    response = client.post(reverse("safeguarding:ban_add", args=[client_record.pk]), {
        "kind": "ban", "reason": "Threatened staff", "starts_on": today,
        "review_on": today - DAY, "decided_by": manager.pk})
    assert "The review cannot be before the start." in response.content.decode()
    assert not Ban.objects.exists()
    client.post(reverse("safeguarding:ban_add", args=[client_record.pk]), {
        "kind": "ban", "reason": "Threatened staff", "starts_on": today,
        "review_on": today + 5 * DAY, "decided_by": manager.pk})
    ban = Ban.objects.get()
    assert selectors.bans_in_force([client_record.pk], today) == {client_record.pk: [ban]}
    client.force_login(keyworker)
    assert "Threatened staff" in client.get(client_record.get_absolute_url()).content.decode()
    client.force_login(manager)
    assert ban in selectors.site_bans(client_record.site)["soon"]
    client.post(reverse("safeguarding:ban_lift", args=[ban.pk]), {"reason": "Apologised"})
    ban.refresh_from_db()
    assert (ban.lifted_by, ban.lifted_reason) == (manager, "Apologised")
    assert selectors.bans_in_force([client_record.pk], today) == {}


def test_the_figures_count_open_records_by_risk_the_period_and_bans(
        client_record, keyworker, manager, site, other_site, other_site_client,
        other_site_keyworker):
    today = timezone.localdate()
    incident_about(client_record, by=keyworker, site=site, risk="low",
                   reported_to_la=True, la_reported_on=today, la_reference="A1")
    old = incident_about(client_record, by=keyworker, site=site, risk="high",
                         happened_on=today - 60 * DAY)
    services.incident_review(incident=old, by=manager, review_note="x")
    services.incident_close(incident=old, by=manager, outcome="y")
    # Raised when it happened, two months ago: outside the period, which counts by raising.
    Incident.objects.filter(pk=old.pk).update(raised_at=timezone.now() - 60 * DAY)
    incident_about(other_site_client, by=other_site_keyworker, site=other_site)
    services.ban_record(client=client_record, by=manager, kind="ban", reason="r",
                        starts_on=today, review_on=today)
    figures = selectors.counts([site.pk], today - 30 * DAY, today)
    assert figures == {"open_high": 0, "open_medium": 0, "open_low": 1, "raised": 1,
                       "reported": 1, "bans": 1, "open": 1}
    client_page = selectors.count_rows(figures)
    assert len(client_page) == 6


def test_the_dashboard_and_the_outcome_report_show_the_figures(client, manager,
                                                               client_record, keyworker, site):
    incident_about(client_record, by=keyworker, site=site)
    client.force_login(manager)
    dashboard = client.get(reverse("supervision:dashboard")).content.decode()
    assert "Open records, high risk" in dashboard
    today = timezone.localdate()
    report = client.get(reverse("supervision:report"), {
        "period": "dates", "start": today - 7 * DAY, "end": today}).content.decode()
    assert "Concerns and incidents raised" in report
    export = b"".join(client.get(reverse("supervision:report_export", args=["csv"]), {
        "period": "dates", "start": today - 7 * DAY, "end": today}).streaming_content).decode()
    assert "Safeguarding,Concerns and incidents raised,1" in export


def test_one_clients_export_does_not_name_the_other_clients_involved(
        client, client_record, colleagues_client, keyworker, manager, site):
    incident_about(client_record, by=keyworker, site=site, others=[colleagues_client],
                   what="Dee and Rob Quinn argued; Quinn pushed her.",
                   linked_risk="Keep Dee and Rob apart")
    client.force_login(manager)
    response = client.post(reverse("audit:subject_access", args=[client_record.pk]))
    document = json.loads(zipfile.ZipFile(io.BytesIO(response.content)).read("records.json"))
    text = json.dumps(document)
    row = document["records"]["safeguarding.Incident"][0]
    assert row["what"] == "Dee and [another person] argued; [another person] pushed her."
    assert row["linked_risk"] == "Keep Dee and [another person] apart"
    assert "Quinn" not in text and colleagues_client.reference not in text
    assert [r["client_id"] for r in document["records"]["safeguarding.Involvement"]] == [
        client_record.pk]


def test_a_record_about_two_clients_goes_with_the_last_of_them(client_record,
                                                               colleagues_client, keyworker,
                                                               site):
    incident = incident_about(client_record, by=keyworker, site=site,
                              others=[colleagues_client])
    Client.objects.update(status=Client.Status.MOVED_ON,
                          ended_on=timezone.localdate())
    client_record.refresh_from_db()
    colleagues_client.refresh_from_db()
    retention.purge([client_record])
    assert Incident.objects.filter(pk=incident.pk).exists()
    assert list(Involvement.objects.values_list("client", flat=True)) == [colleagues_client.pk]
    retention.purge([colleagues_client])
    assert not Incident.objects.exists()
    assert not Incident.history.model.objects.exists()
    assert not Client.objects.exists()


def test_reading_a_record_about_two_clients_is_in_each_ones_access_log(
        client, client_record, keyworker, manager, site):
    from audit.models import AccessEvent
    from tests.factories import ClientFactory

    other = ClientFactory(site=site)
    incident = incident_about(client_record, by=keyworker, site=site, others=[other])
    client.force_login(manager)
    assert client.get(reverse("safeguarding:detail", args=[incident.pk])).status_code == 200
    logged = AccessEvent.objects.filter(url_name="safeguarding:detail", user=manager)
    assert sorted(logged.values_list("client_id", flat=True)) == sorted(
        [client_record.pk, other.pk])


def test_a_record_raised_today_of_something_two_months_ago_counts_as_raised_today(
        client_record, keyworker, site):
    today = timezone.localdate()
    incident_about(client_record, by=keyworker, site=site,
                   happened_on=today - datetime.timedelta(days=60))
    figures = selectors.counts([site.pk], today - datetime.timedelta(days=30), today)
    assert figures["raised"] == 1
    earlier = selectors.counts([site.pk], today - datetime.timedelta(days=90),
                               today - datetime.timedelta(days=31))
    assert earlier["raised"] == 0


def test_a_ban_due_for_review_is_on_its_managers_today_until_reviewed(
        client, client_record, keyworker, manager, site):
    from diary.selectors import due_for

    today = timezone.localdate()
    ban = services.ban_record(client=client_record, by=manager, kind="ban", reason="Threats",
                              starts_on=today - datetime.timedelta(days=10), review_on=today)
    due = [item for item in due_for(manager) if item.kind == "ban_review"]
    assert [(item.detail, item.overdue) for item in due] == [(ban, False)]
    assert not [item for item in due_for(keyworker) if item.kind == "ban_review"]
    client.force_login(manager)
    assert "Review the ban of" in client.get(reverse("diary:today")).content.decode()
    url = reverse("safeguarding:ban_review", args=[ban.pk])
    response = client.post(url, {"review_on": today.isoformat(), "note": "Still a risk"})
    assert "The next review is a day to come." in response.content.decode()
    response = client.post(url, {"review_on": (today + datetime.timedelta(days=28)).isoformat(),
                                 "note": "Still a risk"})
    assert response.status_code == 302
    ban.refresh_from_db()
    assert ban.review_on == today + datetime.timedelta(days=28) and ban.lifted_at is None
    assert ban.history.first().history_change_reason == "Reviewed: Still a risk"
    assert not [item for item in due_for(manager) if item.kind == "ban_review"]
