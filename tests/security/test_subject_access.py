"""Subject access: one ZIP with everything held about a client, none of it missed."""

import datetime
import io
import json
import subprocess
import zipfile

from django.apps import apps
from django.core.management import call_command
from django.urls import reverse

from audit import subject_access
from audit.models import AccessEvent
from clients.models import Client
from diary import services as diary_services
from staff.models import User
from stages import services as stage_services
from stages.models import Need, Rating
from tests.factories import ContactFactory, KeyworkSessionFactory, local_moment, signed_plan


def _client_field_paths(model, depth=3):
    """Independently of the export: does `model` reach clients.Client by foreign keys?"""
    if model is Client:
        return True
    if depth == 0:
        return False
    return any(
        (field.many_to_one or field.one_to_one) and field.concrete
        and field.related_model._meta.app_label not in {"staff", "auth", "contenttypes"}
        and _client_field_paths(field.related_model, depth - 1)
        for field in model._meta.get_fields())


def test_every_model_that_links_to_a_client_is_in_the_export():
    covered = {model for model, _ in subject_access.client_models()}
    missing = []
    for model in apps.get_models():
        if (model._meta.app_label in subject_access.NOT_CLIENT_DATA or model is AccessEvent
                or model.__name__.startswith("Historical")):
            continue
        if _client_field_paths(model) and model not in covered:
            missing.append(model._meta.label)
    assert not missing, missing
    assert len(covered) >= 15


def _export(client, manager, record):
    client.force_login(manager)
    response = client.post(reverse("audit:subject_access", args=[record.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    return archive, json.loads(archive.read("records.json"))


def test_the_export_holds_every_field_of_every_record_with_history_and_access_log(
        client, settings, db):
    settings.DEBUG = True
    call_command("seed_demo", verbosity=0)
    settings.DEBUG = False
    manager = User.objects.get(username="manager")
    # The demo client with the most sessions has a plan, an assessment, contacts, ...
    record = max(Client.objects.filter(site__code="HH1"),
                 key=lambda c: c.keywork_sessions.count())
    client.force_login(manager)
    client.get(reverse("clients:detail", args=[record.pk]))
    archive, document = _export(client, manager, record)

    assert document["client"]["reference"] == record.reference
    found = {label for label, rows in document["records"].items() if rows}
    for model, _ in subject_access.client_models():
        rows = document["records"][model._meta.label]
        for row in rows:
            assert set(row) == {f.attname for f in model._meta.concrete_fields}, model
    for label in ("clients.Client", "clients.Allocation", "diary.KeyworkSession",
                  "plans.Plan", "stages.Assessment"):
        assert label in found, label
    assert document["history"]["clients.Client"]
    assert any(entry["url_name"] == "clients:detail" for entry in document["access_log"])
    assert archive.read("summary.pdf").startswith(b"%PDF")
    # Nobody else's records slip in.
    assert {row["id"] for row in document["records"]["clients.Client"]} == {record.pk}
    others = [row for row in document["records"]["diary.KeyworkSession"]
              if row["client_id"] != record.pk]
    assert not others


def test_the_export_is_logged_and_for_managers_only(client, manager, keyworker, client_record):
    client.force_login(keyworker)
    assert client.post(reverse("audit:subject_access", args=[client_record.pk])).status_code \
        == 403
    _export(client, manager, client_record)
    assert AccessEvent.objects.filter(kind="subject_access", client=client_record,
                                      user=manager).exists()


def _summary_text(archive, tmp_path):
    pdf = tmp_path / "summary.pdf"
    pdf.write_bytes(archive.read("summary.pdf"))
    return subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                          text=True, check=True).stdout


def test_the_summary_pdf_shows_the_records_themselves_in_words(
        client, manager, keyworker, client_record, tmp_path):
    """A client cannot read JSON: the summary shows each record, not only how many."""
    plan = signed_plan(client=client_record, by=keyworker)
    goal = plan.goals.get()
    goal.text = "Get my own flat near my sister"
    goal.save()
    session = KeyworkSessionFactory(
        client=client_record, worker=keyworker, held=True,
        starts_at=local_moment(datetime.date(2026, 11, 24), 10),
        discussed="We filled in the bidding form together",
        risks="Said he had not eaten for two days")
    diary_services.addendum_add(session=session, by=keyworker,
                                text="He rang later: the form was sent")
    contact = ContactFactory(client=client_record, by=keyworker, note="Came in soaked")
    diary_services.contact_strike(contact=contact, by=keyworker, reason="Another client")
    need = Need.objects.in_use().first()
    ratings = {n.pk: (Rating.DETERMINED, "") for n in Need.objects.in_use()}
    ratings[need.pk] = (Rating.CONTEMPLATION, "Thinking about cutting down")
    stage_services.assessment_record(client=client_record, assessed_on=client_record.admitted_on,
                                     ratings=ratings, by=keyworker)

    archive, _document = _export(client, manager, client_record)
    text = " ".join(_summary_text(archive, tmp_path).split())

    assert "We filled in the bidding form together" in text  # the session's note
    assert "24 Nov 2026 10:00" in text  # its time, as London shows it
    assert "Added later" in text and "He rang later: the form was sent" in text
    assert "ddend" not in text  # the product's plain words, not the model's
    assert "Get my own flat near my sister" in text  # the goal
    assert "Action 1.1" in text
    assert f"{need.name} Contemplation Thinking about cutting down" in text  # a rating
    assert "Said he had not eaten for two days" in text  # risks together
    assert "Do not visit alone" in text
    assert "Came in soaked" in text
    assert "Entered in error. Marked on" in text and "Another client" in text
    assert "Kim Lowe" in text  # people by name, not by id


def test_the_summary_names_only_fields_the_export_holds():
    """A renamed field would break the summary only for a client with such a record."""
    exported = {model._meta.label: model for model, _ in subject_access.client_models()}
    exported[AccessEvent._meta.label] = AccessEvent
    layouts = [(label, columns) for label, (_title, columns) in subject_access.SECTIONS.items()]
    layouts += [(label, [link, *(columns or [])])
                for label, (link, _title, columns) in subject_access.CHILDREN.items()]
    layouts.append((AccessEvent._meta.label, subject_access.ACCESS_LOG_COLUMNS))
    for label, columns in layouts:
        assert label in exported, label
        names = {field.attname for field in exported[label]._meta.concrete_fields}
        assert set(columns or []) <= names, (label, set(columns or []) - names)
