"""The ending letter: what a client keeps when their stay ends (plans:ending_letter_pdf)."""

import pytest
from django.urls import reverse
from django.utils import timezone

from clients import services as client_services
from clients.models import Client
from stages import services as stage_services
from tests.plans.test_pdf import is_tagged, pdf_text

SUMMARY = "You came to us without a home and you leave with your own flat."


@pytest.fixture
def ended(site, client_record, keyworker, manager, full_plan):
    site.phone = "0161 496 0000"
    site.uses_ladder = True
    site.save()
    stage_services.ladder_start(client=client_record, by=manager, on=client_record.admitted_on)
    client_services.client_end(client=client_record, status=Client.Status.MOVED_ON,
                               ended_on=timezone.localdate(), destination="Own tenancy, Elm Road",
                               reason="Ready", end_kind=Client.EndKind.PLANNED,
                               closing_summary=SUMMARY, by=manager)
    return client_record


def test_the_letter_says_what_the_client_did_and_how_to_come_back(client, manager, ended,
                                                                  full_plan):
    client.force_login(manager)
    response = client.get(reverse("plans:ending_letter_pdf", args=[ended.pk]))
    assert response["Content-Type"] == "application/pdf"
    assert is_tagged(response.content)
    text = pdf_text(response.content, "pdf-ending-letter")
    admitted = ended.admitted_on.strftime("%-d %B %Y")
    ended_on = ended.ended_on.strftime("%-d %B %Y")
    for expected in ["Your time with us", "Dear Dee", f"From {admitted} to {ended_on}",
                     "Your keyworker was Kim Lowe.", "You reached Probation on the stages ladder",
                     "Get my own flat", SUMMARY, "Own tenancy, Elm Road",
                     "Call Riverside Day Centre on 0161 496 0000", ended.reference]:
        assert expected in text, expected


def test_there_is_no_letter_while_the_client_is_still_here(client, manager, client_record):
    client.force_login(manager)
    response = client.get(reverse("plans:ending_letter_pdf", args=[client_record.pk]))
    assert response.status_code == 404


@pytest.mark.parametrize(("role", "status"), [
    ("colleague", 403), ("other_site_manager", 404), ("administrator", 404)])
def test_only_those_who_hold_the_file_get_the_letter(client, request, ended, role, status):
    client.force_login(request.getfixturevalue(role))
    assert client.get(reverse("plans:ending_letter_pdf", args=[ended.pk])).status_code == status
