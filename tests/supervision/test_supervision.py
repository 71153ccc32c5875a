import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from clients import services as client_services
from keywork.lib.stale import StaleEdit
from supervision import changes, services
from supervision.models import Supervision

TODAY = timezone.localdate


@pytest.fixture
def supervision(manager, keyworker, client_record):
    return services.supervision_start(manager=manager, keyworker=keyworker, held_on=TODAY())


def test_starting_lists_every_caseload_client(supervision, client_record):
    assert [d.client for d in supervision.discussions.all()] == [client_record]
    assert supervision.site == client_record.site


def test_a_keyworker_at_another_site_cannot_be_supervised(manager, other_site_keyworker):
    with pytest.raises(ValidationError):
        services.supervision_start(manager=manager, keyworker=other_site_keyworker,
                                   held_on=TODAY())


def test_actions_not_done_carry_forward(supervision, manager, keyworker):
    services.action_add(supervision=supervision, by=manager, what="Book GP review",
                        who="keyworker", by_when=TODAY() + datetime.timedelta(days=7))
    done = services.action_add(supervision=supervision, by=manager, what="Send rota",
                               who="manager", by_when=TODAY())
    services.action_done(action=done, by=manager)
    services.supervision_sign(supervision=supervision, by=manager)
    services.supervision_confirm(supervision=supervision, by=keyworker)
    following = services.supervision_start(manager=manager, keyworker=keyworker,
                                           held_on=TODAY())
    assert [a.what for a in following.actions.all()] == ["Book GP review"]
    assert following.actions.get().carried_from.supervision == supervision


def test_locked_record_takes_only_addenda(supervision, manager, keyworker):
    services.supervision_sign(supervision=supervision, by=manager)
    with pytest.raises(ValidationError, match="add a note"):
        services.supervision_save(supervision=supervision, version=supervision.version,
                                  by=manager, notes={"workload": "x"}, discussions={})
    services.supervision_confirm(supervision=supervision, by=keyworker, comment="Agreed")
    assert supervision.status == Supervision.Status.LOCKED
    services.addendum_add(supervision=supervision, by=keyworker, text="GP review booked")
    assert supervision.addenda.count() == 1


def test_only_the_keyworker_confirms(supervision, manager, colleague):
    services.supervision_sign(supervision=supervision, by=manager)
    with pytest.raises(PermissionDenied):
        services.supervision_confirm(supervision=supervision, by=colleague)


def test_stale_notes_are_refused(supervision, manager):
    version = supervision.version
    services.supervision_save(supervision=supervision, version=version, by=manager,
                              notes={"workload": "Heavy"}, discussions={})
    with pytest.raises(StaleEdit):
        services.supervision_save(supervision=Supervision.objects.get(pk=supervision.pk),
                                  version=version, by=manager, notes={"workload": "Light"},
                                  discussions={})


@pytest.mark.parametrize("who", ["colleague", "other_site_manager", "other_site_keyworker",
                                 "administrator"])
def test_supervision_notes_are_hidden_from_everyone_else(client, request, supervision, who):
    client.force_login(request.getfixturevalue(who))
    assert client.get(reverse("supervision:detail", args=[supervision.pk])).status_code == 404


def test_the_keyworker_reads_and_confirms_in_the_browser_flow(client, supervision, manager,
                                                              keyworker):
    services.supervision_sign(supervision=supervision, by=manager)
    client.force_login(keyworker)
    page = client.get(reverse("supervision:detail", args=[supervision.pk])).content.decode()
    assert "Read the record, then confirm it" in page
    client.post(reverse("supervision:confirm", args=[supervision.pk]), {"comment": "OK"})
    supervision.refresh_from_db()
    assert supervision.is_locked


def test_changes_since_list_field_changes_with_before_and_after(client_record, manager):
    since = timezone.now()
    client_services.client_update(client=client_record, version=client_record.version,
                                  by=manager, phone="07700 900111", alerts="Carries a knife")
    found = changes.changes_since([client_record.pk], since)[client_record.pk]
    fields = {label: (before, after) for change in found for label, before, after in
              change.fields}
    assert fields["phone"] == ("—", "07700 900111")
    assert fields["alerts"] == ("Do not visit alone", "Carries a knife")


def test_changes_since_list_new_records_of_every_tracked_model(client_record, manager,
                                                               colleague):
    since = timezone.now()
    client_services.co_keyworker_set(client=client_record, worker=colleague, by=manager)
    found = changes.changes_since([client_record.pk], since)[client_record.pk]
    assert any(c.kind == "added" and c.what == "allocation" for c in found)


def test_every_client_record_model_is_tracked():
    names = {model._meta.label for model, _history, _path in changes.tracked_models()}
    assert {"clients.Client", "clients.Allocation", "stages.Assessment",
            "stages.NeedRating", "stages.Evidence"} <= names


def test_dashboard_numbers_link_to_their_lists(client, manager, client_record):
    client_record.admitted_on = TODAY() - datetime.timedelta(days=30)
    client_record.save()
    client.force_login(manager)
    page = client.get(reverse("supervision:dashboard")).content.decode()
    url = reverse("supervision:dashboard_list", args=["initial_missing"])
    assert url in page
    listed = client.get(url).content.decode()
    assert "Dee Harper" in listed


def test_every_kind_of_change_since_the_last_supervision_is_listed(
        client_record, keyworker, manager, site, monkeypatch):
    """One change of each kind the issue names, each found in the list."""
    from diary import services as diary
    from plans import services as plans
    from stages import services as stages
    from stages.models import Need
    from tests.factories import (
        AgencyFactory,
        KeyworkSessionFactory,
        consent_now,
        local_moment,
        signed_plan,
    )

    site.uses_ladder = True
    site.save()
    stages.ladder_start(client=client_record, by=manager, on=client_record.admitted_on)
    since = timezone.now()
    yesterday = TODAY() - datetime.timedelta(days=1)
    # A field changed, an alert raised.
    client_services.client_update(client=client_record, version=client_record.version,
                                  by=manager, phone="07700 900222", alerts="New alert")
    # A plan version signed, a review held, a referral made.
    plan = signed_plan(client=client_record, by=keyworker)
    plans.review_record(plan=plan, by=keyworker, held_on=TODAY(), client_view="Going well",
                        decision="continue",
                        next_review_on=TODAY() + datetime.timedelta(days=28))
    plans.referral_make(client=client_record, agency=AgencyFactory(site=site),
                        made_on=TODAY(), reason="Debt advice", by=keyworker,
                        new_consent=consent_now())
    # Sessions held and missed (one with a risk for the team), a contact.
    held = KeyworkSessionFactory(client=client_record, worker=keyworker,
                                 starts_at=local_moment(yesterday, 10))
    diary.session_log(session=held, version=held.version, by=keyworker, status="attended",
                      actual_start=held.starts_at, actual_minutes=50,
                      discussed="Budget", risks="Owes money to a neighbour")
    missed = KeyworkSessionFactory(client=client_record, worker=keyworker,
                                   starts_at=local_moment(yesterday, 14))
    diary.session_log(session=missed, version=missed.version, by=keyworker, status="dna")
    diary.contact_log(client=client_record, by=keyworker, kind="phone", note="Rang about rent")
    # An assessment (its score), a stage move.
    stages.assessment_record(client=client_record, assessed_on=TODAY(), by=keyworker,
                             ratings={n.pk: ("action", "") for n in Need.objects.in_use()})
    for task in stages.current_stage(client_record).stage.tasks.all():
        stages.evidence_record(client=client_record, task=task, by=keyworker, on=TODAY(),
                               what="Seen")
    stages.stage_promote(client=client_record, by=manager, note="Review")

    found = changes.changes_since([client_record.pk], since)[client_record.pk]
    kinds = {c.what for c in found}
    fields = {label for c in found for label, _before, _after in c.fields}
    assert {"phone", "alerts"} <= fields
    assert {"support plan version", "plan review", "referral", "keywork session", "contact",
            "assessment", "client stage"} <= kinds, kinds
    sessions = [c for c in found if c.what == "keywork session"]
    assert any("Did not attend" in after for c in sessions for _l, _b, after in c.fields)
    assert any(c.what == "keywork session" and c.fields for c in found)


def test_a_report_section_with_nothing_to_count_says_so_instead_of_an_empty_chart(
        client, site, manager, keyworker, client_record):
    import base64
    import re

    from diary.models import KeyworkSession
    from tests.factories import local_moment

    client.force_login(manager)
    url = reverse("supervision:report")
    page = client.get(url, {"period": "quarter"}).content.decode()
    assert "No sessions in this period." in page
    sessions = page[page.index('id="section-sessions"'):page.index('id="section-actions"')]
    assert "data:image/svg+xml" not in sessions

    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    for hour in (9, 10, 11):
        KeyworkSession.objects.create(client=client_record, worker=keyworker, booked_by=keyworker,
                                      starts_at=local_moment(yesterday, hour),
                                      expected_minutes=30)
    page = client.get(url, {"period": "dates", "start": yesterday.isoformat(),
                            "end": yesterday.isoformat()}).content.decode()
    assert "No sessions in this period." not in page
    sessions = page[page.index('id="section-sessions"'):page.index('id="section-actions"')]
    svg = base64.b64decode(re.search(r"data:image/svg\+xml;base64,([^\"]+)", sessions)[1])
    ticks = re.findall(r'class="tick">([^<]+)<', svg.decode())
    assert ticks == ["0", "1", "2", "3"]
