"""A plan brought in from paper: its scan kept as the signed original, counting as signed."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from clients.models import Client
from plans import selectors, services
from plans.models import DocumentAccess, PaperOriginal, Plan, Signature
from tests.factories import draft_plan, paper_plan
from tests.plans.test_pdf import pdf_text
from tests.stages.factories import pdf_upload, png_upload, use_private_root

TODAY = timezone.localdate
DAY = datetime.timedelta(days=1)


@pytest.fixture(autouse=True)
def private_root(settings, monkeypatch, tmp_path):
    use_private_root(settings, monkeypatch, tmp_path)


def _post(plan, **changes):
    return {"scan": pdf_upload("signed.pdf"), "signed_on": plan.starts_on.isoformat(),
            "client_name": "Dee Harper", "worker_name": "Kim Lowe"} | changes


def test_a_paper_plan_is_signed_by_both_and_overdue_for_review_at_once(client_record,
                                                                       keyworker):
    plan = paper_plan(client=client_record, by=keyworker)
    assert plan.is_current
    signatures = {s.role: s for s in plan.signatures.all()}
    assert {s.method for s in signatures.values()} == {Signature.Method.PAPER}
    assert signatures["client"].name == client_record.display_name
    assert timezone.localtime(signatures["client"].signed_at).date() == plan.starts_on
    assert plan.paper_original.signed_on == plan.starts_on
    assert selectors.plan_review(plan).overdue


def test_the_keyworker_uploads_a_scan_and_the_plan_page_shows_and_serves_it(
        client, client_record, keyworker):
    plan = draft_plan(client=client_record, by=keyworker)
    client.force_login(keyworker)
    page = client.get(plan.get_absolute_url()).content.decode()
    assert reverse("plans:paper_sign", args=[plan.pk]) in page
    response = client.post(reverse("plans:paper_sign", args=[plan.pk]), _post(plan))
    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.is_current
    page = client.get(plan.get_absolute_url()).content.decode()
    day = plan.starts_on.strftime("%-d %b %Y")
    assert f"Signed on paper on {day}: the signed original is held on file." in page
    response = client.get(reverse("plans:paper_file", args=[plan.pk]))
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    assert DocumentAccess.objects.filter(plan=plan, document="paper", by=keyworker).exists()


def test_the_printed_plan_says_it_was_signed_on_paper(client, client_record, keyworker):
    plan = paper_plan(client=client_record, by=keyworker)
    client.force_login(keyworker)
    response = client.get(reverse("plans:pdf", args=[plan.pk]))
    assert response.status_code == 200
    text = pdf_text(response.content, "plan-signed-on-paper")
    day = plan.starts_on.strftime("%-d %b %Y")
    assert f"Signed on paper on {day}: the signed original is held on file." in text


def test_an_image_scan_is_accepted(client_record, keyworker):
    plan = paper_plan(client=client_record, by=keyworker, scan=png_upload("scan.png"))
    assert plan.paper_original.file.name.endswith(".png")


@pytest.mark.parametrize(("scan", "message"), [
    (SimpleUploadedFile("plan.docx", b"PK\x03\x04 not a pdf"), "Upload a PDF, JPEG or PNG"),
    (SimpleUploadedFile("plan.pdf", b"<html>not a pdf</html>"), "content is not a PDF"),
    (SimpleUploadedFile("plan.pdf", b"%PDF-1.4\n" + b"0" * (5 * 1024 * 1024)),
     "the largest allowed is 5.0"),
], ids=["wrong type", "disguised", "too big"])
def test_a_bad_scan_is_refused_and_nothing_changes(client, client_record, keyworker, scan,
                                                   message):
    plan = draft_plan(client=client_record, by=keyworker)
    client.force_login(keyworker)
    response = client.post(reverse("plans:paper_sign", args=[plan.pk]), _post(plan, scan=scan))
    assert response.status_code == 200
    assert message in response.content.decode()
    plan.refresh_from_db()
    assert plan.is_draft
    assert not PaperOriginal.objects.exists() and not Signature.objects.exists()


def test_a_signing_day_in_the_future_is_refused(client_record, keyworker):
    plan = draft_plan(client=client_record, by=keyworker)
    with pytest.raises(Exception, match="cannot be in the future"):
        services.plan_paper_sign(plan=plan, by=keyworker, scan=pdf_upload(),
                                 signed_on=TODAY() + DAY, client_name="Dee", worker_name="Kim")
    assert Plan.objects.get(pk=plan.pk).is_draft


def test_a_review_date_before_the_paper_was_signed_is_refused(client_record, keyworker):
    plan = services.plan_start(client=client_record, by=keyworker,
                               starts_on=TODAY() - 60 * DAY, review_on=TODAY() - 30 * DAY)
    with pytest.raises(Exception, match="has passed"):
        services.plan_paper_sign(plan=plan, by=keyworker, scan=pdf_upload(),
                                 signed_on=TODAY() - 20 * DAY, client_name="Dee",
                                 worker_name="Kim")


def test_a_site_colleague_who_is_not_the_keyworker_cannot_record_a_paper_plan(
        client, client_record, keyworker, colleague, manager):
    plan = draft_plan(client=client_record, by=keyworker)
    client.force_login(manager)
    assert client.get(reverse("plans:paper_sign", args=[plan.pk])).status_code == 200
    client.force_login(colleague)
    response = client.post(reverse("plans:paper_sign", args=[plan.pk]), _post(plan))
    assert response.status_code == 403
    assert not PaperOriginal.objects.exists()


def test_the_retention_purge_removes_a_paper_plan_and_its_scan(
        client_record, keyworker, django_capture_on_commit_callbacks):
    from pathlib import Path

    from audit import retention

    plan = paper_plan(client=client_record, by=keyworker)
    scan = Path(plan.paper_original.file.path)
    assert scan.exists()
    Client.objects.filter(pk=client_record.pk).update(status="discharged", ended_on=TODAY())
    with django_capture_on_commit_callbacks(execute=True):
        retention.purge([client_record])
    assert not PaperOriginal.objects.exists() and not PaperOriginal.history.exists()
    assert not scan.exists()
