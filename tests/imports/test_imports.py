"""Importing clients, past sessions and plans: preview, import in one go, undo."""

import io

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from clients import services as client_services
from clients.models import Allocation, Client
from diary.models import KeyworkSession
from imports import files, sample, services
from imports.management.commands.import_sample import row_counts
from imports.models import ImportBatch
from plans.models import Action, Plan
from tests.factories import KeyworkSessionFactory, UserFactory

CLIENT_HEADER = ",".join(files.header("clients"))


def _csv(kind, rows):
    return SimpleUploadedFile(f"{kind}.csv", sample.as_csv(kind, rows))


def _client(**values):
    row = dict(files.example("clients"))
    row.update(values)
    return row


@pytest.fixture
def small_sample(site, keyworker, manager):
    UserFactory(username="keyworker2", sites=[site])
    return sample.generate(clients=30, sessions=600, sites=("DC1",),
                           workers={"DC1": ["keyworker", "keyworker2", "manager"]})


def test_the_sample_imports_in_one_go_and_undo_leaves_the_row_counts_as_before(
        small_sample, manager):
    before = row_counts()
    batch = services.batch_preview(
        uploads={kind: _csv(kind, rows) for kind, rows in small_sample.items()}, by=manager)
    assert batch.error_count == 0
    assert row_counts() == before, "the preview writes nothing of the records"
    services.batch_import(batch=batch, by=manager)
    assert Client.objects.count() == 30
    assert KeyworkSession.objects.count() == 600
    assert Action.objects.count() == len(small_sample["plans"])
    assert row_counts() != before
    services.batch_undo(batch=batch, by=manager)
    assert row_counts() == before
    assert ImportBatch.objects.get().status == ImportBatch.Status.UNDONE


def test_the_preview_says_each_rows_problem_in_plain_words_and_writes_nothing(
        manager, keyworker, other_site_keyworker):
    rows = [_client(old_reference="A1", date_of_birth="31/02/1980"),
            _client(old_reference="A2", keyworker="faraway"),
            _client(old_reference="A3")]
    batch = services.batch_preview(uploads={"clients": _csv("clients", rows)}, by=manager)
    upload = batch.files.get()
    assert upload.errors == [
        [2, "Row 2: date of birth 31/02/1980 is not a date (use DD/MM/YYYY)."],
        [3, "Row 3: keyworker 'faraway' does not work at Riverside Day Centre."],
    ]
    assert Client.objects.count() == 0
    with pytest.raises(ValidationError, match="2 rows have problems"):
        services.batch_import(batch=batch, by=manager)
    assert Client.objects.count() == 0, "all or nothing: the good row is not imported either"


def test_a_manager_cannot_import_into_another_site(manager, other_site):
    batch = services.batch_preview(
        uploads={"clients": _csv("clients", [_client(site="HH1", keyworker="")])}, by=manager)
    assert batch.files.get().errors == [
        [2, "Row 2: site 'HH1' is not one of the sites you import into."]]


def test_sessions_and_plans_name_clients_by_their_old_reference(manager, keyworker):
    clients = [_client(old_reference="OLD-7")]
    sessions = [dict(files.example("sessions"), client_reference="OLD-7"),
                dict(files.example("sessions"), client_reference="NOBODY")]
    plans = [dict(files.example("plans"), client_reference="OLD-7")]
    batch = services.batch_preview(uploads={
        "clients": _csv("clients", clients), "sessions": _csv("sessions", sessions),
        "plans": _csv("plans", plans)}, by=manager)
    assert [e for f in batch.files.all() for e in f.errors] == [
        [3, "Row 3: client 'NOBODY' is not in the clients file nor in Keywork at your sites."]]


def test_imported_records_say_where_they_came_from_in_their_history(manager, keyworker):
    batch = services.batch_preview(uploads={
        "clients": _csv("clients", [_client()]),
        "sessions": _csv("sessions", [files.example("sessions")]),
        "plans": _csv("plans", [files.example("plans")])}, by=manager)
    services.batch_import(batch=batch, by=manager)
    client = Client.objects.get()
    assert client.reference == "DC1-00001"
    assert client.alert_list == ["Allergic to penicillin", "Ask before visiting"]
    assert Allocation.objects.get(client=client).worker == keyworker
    expected = f"Imported from clients.csv, batch {batch.pk}, row 2"
    assert client.history.get().history_change_reason == expected
    assert client.history.get().history_user == manager
    session = KeyworkSession.objects.get()
    assert session.status == KeyworkSession.Status.ATTENDED
    assert session.history.get().history_change_reason == (
        f"Imported from sessions.csv, batch {batch.pk}, row 2")
    plan = Plan.objects.get()
    assert plan.is_draft and plan.number == 1
    assert plan.history.get().history_change_reason.startswith("Imported from plans.csv")


def test_undo_is_refused_once_something_was_added_by_hand(manager, keyworker):
    batch = services.batch_preview(uploads={"clients": _csv("clients", [_client()])},
                                   by=manager)
    services.batch_import(batch=batch, by=manager)
    KeyworkSessionFactory(client=Client.objects.get(), worker=keyworker)
    batch.refresh_from_db()
    assert services.undo_blockers(batch) == [
        "1 keywork session was added to the imported clients since the import."]
    with pytest.raises(ValidationError):
        services.batch_undo(batch=batch, by=manager)
    assert Client.objects.count() == 1


def test_undo_is_refused_once_an_imported_record_was_changed(manager, keyworker):
    batch = services.batch_preview(uploads={"clients": _csv("clients", [_client()])},
                                   by=manager)
    services.batch_import(batch=batch, by=manager)
    client = Client.objects.get()
    client_services.client_update(client=client, version=client.version, by=manager,
                                  phone="01632 960000")
    batch.refresh_from_db()
    assert services.undo_blockers(batch) == [
        "1 change was made to imported clients since the import."]


def test_an_old_reference_cannot_be_imported_twice(manager, keyworker):
    first = services.batch_preview(uploads={"clients": _csv("clients", [_client()])},
                                   by=manager)
    services.batch_import(batch=first, by=manager)
    again = services.batch_preview(uploads={"clients": _csv("clients", [_client()])},
                                   by=manager)
    assert again.files.get().errors == [[2, (
        "Row 2: old reference 'OLD-0001' was imported before: undo that import first, or "
        "leave the row out.")]]


def test_an_xlsx_file_imports_like_a_csv(manager, keyworker):
    book = openpyxl.load_workbook(io.BytesIO(files.template("clients", "xlsx")))
    sheet = book.active
    assert [c.value for c in sheet[1]] == files.header("clients")
    content = io.BytesIO()
    book.save(content)
    upload = SimpleUploadedFile("clients.xlsx", content.getvalue())
    batch = services.batch_preview(uploads={"clients": upload}, by=manager)
    assert batch.error_count == 0
    assert batch.counts["clients"] == 1


GARBAGE = [
    ("clients.xlsx", b"\x00\x01 not a zip at all", "could not be read as a XLSX file"),
    ("clients.csv", b"\xff\xfe\x00garbage", "could not be read as a CSV file"),
    ("clients.exe", b"MZ", "is not a CSV or XLSX file"),
    ("clients.csv", b"name,age\nA,1\n", "has no column site, old_reference"),
    ("clients.csv", b"", "The submitted file is empty."),
]


@pytest.mark.parametrize(("name", "content", "message"), GARBAGE,
                         ids=[g[2][:20] for g in GARBAGE])
def test_a_file_that_cannot_be_read_gets_a_message_and_nothing_is_kept(
        client, manager, name, content, message):
    client.force_login(manager)
    response = client.post(reverse("imports:list"),
                           {"clients": SimpleUploadedFile(name, content)})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not ImportBatch.objects.exists()


def test_the_page_asks_for_a_file_when_none_is_given(client, manager):
    client.force_login(manager)
    response = client.post(reverse("imports:list"), {})
    assert "Choose at least one file to import." in response.content.decode()


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
@pytest.mark.parametrize("kind", ["clients", "sessions", "plans"])
def test_each_template_downloads_with_its_header_and_an_example_row(client, manager, kind,
                                                                     file_format):
    client.force_login(manager)
    response = client.get(reverse("imports:template", args=[kind, file_format]))
    assert response.status_code == 200
    rows = files.parse(response.content, file_format, kind, f"{kind}.{file_format}")
    assert len(rows) == 1


def test_the_pages_import_then_undo_with_a_confirmation(client, manager, keyworker):
    client.force_login(manager)
    response = client.post(reverse("imports:list"),
                           {"clients": _csv("clients", [_client()])}, follow=True)
    batch = ImportBatch.objects.get()
    assert "Ready to import" in response.content.decode()
    client.post(reverse("imports:run", args=[batch.pk]))
    assert Client.objects.count() == 1
    page = client.get(reverse("imports:undo", args=[batch.pk])).content.decode()
    assert "cannot be taken back" in page
    assert Client.objects.count() == 1, "opening the confirmation undoes nothing"
    client.post(reverse("imports:undo", args=[batch.pk]))
    assert Client.objects.count() == 0
    assert "Undone by" in client.get(reverse("imports:detail", args=[batch.pk])).content.decode()


def test_a_session_of_a_client_whose_row_has_a_problem_says_so(manager, keyworker):
    batch = services.batch_preview(uploads={
        "clients": _csv("clients", [_client(first_name="")]),
        "sessions": _csv("sessions", [files.example("sessions")])}, by=manager)
    assert [e for f in batch.files.all() for e in f.errors][-1] == [
        2, "Row 2: client 'OLD-0001' has a problem on row 2 of the clients file."]


def test_a_problem_found_at_import_time_is_shown_on_the_imports_page(manager, keyworker):
    batch = services.batch_preview(uploads={"clients": _csv("clients", [_client()])},
                                   by=manager)
    keyworker.sites.clear()  # moved away between the preview and the import
    with pytest.raises(ValidationError):
        services.batch_import(batch=batch, by=manager)
    assert batch.files.get().errors == [
        [2, "Row 2: keyworker 'keyworker' does not work at Riverside Day Centre."]]
    assert ImportBatch.objects.get().status == ImportBatch.Status.PREVIEWED


@pytest.mark.parametrize(("text", "utc"), [
    ("15/07/2026 10:00", "2026-07-15 09:00"), ("15/01/2026 10:00", "2026-01-15 10:00"),
    ("29/03/2026 03:00", "2026-03-29 02:00"), ("25/10/2026 01:30", "2026-10-25 00:30")])
def test_a_session_start_is_read_as_uk_time(text, utc):
    assert files.parse_moment(text).strftime("%Y-%m-%d %H:%M") == utc


def test_a_batch_that_wrote_to_a_site_you_do_not_manage_is_not_yours_to_undo(
        manager, keyworker, administrator, site, other_site):
    from django.core.exceptions import PermissionDenied

    batch = services.batch_preview(uploads={"clients": _csv("clients", [_client()])},
                                   by=administrator)
    services.batch_import(batch=batch, by=administrator)
    batch.sites.add(other_site)  # as if it had written there too
    mine_only = UserFactory(username="dc1only", role="manager", sites=[site])
    with pytest.raises(PermissionDenied):
        services.batch_undo(batch=batch, by=mine_only)
    assert Client.objects.count() == 1


def test_imported_clients_are_numbered_after_one_who_moved_away(manager, keyworker, site,
                                                                 other_site):
    moved = client_services.client_refer(site=site, by=manager, first_name="Mo",
                                         last_name="Ved")
    client_services.client_move_site(client=moved, to_site=other_site, by=manager,
                                     on=moved.referred_on, handover_note="Moving on")
    batch = services.batch_preview(uploads={"clients": _csv("clients", [_client()])},
                                   by=manager)
    services.batch_import(batch=batch, by=manager)
    imported = Client.objects.exclude(pk=moved.pk).get()
    assert imported.number == 2 and imported.reference != moved.reference
