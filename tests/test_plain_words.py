"""Plain words (issue 15, item 7): every scale explained where it is used, the product's
jargon replaced, and a glossary every role can open from the help menu."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from stages import services as stage_services
from stages.models import SCORES, Need, Rating
from supervision import services as supervision_services
from tests.factories import KeyworkSessionFactory, draft_plan
from tests.responses import body_of


def _page(client, user, url, **params):
    client.force_login(user)
    response = client.get(url, params)
    assert response.status_code == 200
    return body_of(response).decode()


def test_every_rating_has_a_plain_description():
    assert {rating.description for rating in Rating}.isdisjoint({"", None})
    assert len({str(rating.description) for rating in Rating}) == len(Rating)
    assert {rating: rating.score for rating in Rating if rating.score is not None} == SCORES


def _shows_the_scale(page):
    assert "What the ratings mean" in page
    for rating in Rating:
        assert str(rating.description) in page, rating
    assert "counts 25%" in page  # Contemplation's score, beside its name


def test_the_assessment_form_explains_the_ratings_above_them(client, keyworker, client_record):
    page = _page(client, keyworker, reverse("stages:assessment_create", args=[client_record.pk]))
    _shows_the_scale(page)
    assert page.index("What the ratings mean") < page.index('type="radio"')


def test_the_assessment_results_explain_the_ratings(client, keyworker, client_record):
    assessment = stage_services.assessment_record(
        client=client_record, assessed_on=client_record.admitted_on, by=keyworker,
        ratings={need.pk: (Rating.ACTION, "") for need in Need.objects.in_use()})
    page = _page(client, keyworker,
                 reverse("stages:assessment_detail", args=[client_record.pk, assessment.pk]))
    _shows_the_scale(page)


@pytest.mark.parametrize("role", ["keyworker", "manager", "administrator"])
def test_the_help_menu_leads_every_role_to_the_glossary(client, request, role):
    user = request.getfixturevalue(role)
    home = _page(client, user, reverse("team"))
    assert f'href="{reverse("glossary")}"' in home
    page = _page(client, user, reverse("glossary"))
    assert "Words we use" in page


def test_the_glossary_explains_the_products_words(client, keyworker):
    page = _page(client, keyworker, reverse("glossary"))
    for term in ("Keywork", "Keyworker", "Co-keyworker", "Cover", "Support plan", "Action",
                 "Review", "Keywork agreement", "Stages ladder", "Stage of change",
                 "Support need", "Check-in", "Supervision", "Responsible for the case",
                 "Subject access", "Check code", "Added later", "Entered in error"):
        assert f">{term}" in page, term
    _shows_the_scale(page)  # read from stages.models.Rating, not written again


def test_the_glossary_is_only_read(client, keyworker):
    client.force_login(keyworker)
    assert client.post(reverse("glossary")).status_code == 405


def test_a_session_page_says_added_later_and_entered_in_error(client, keyworker, client_record):
    session = KeyworkSessionFactory(client=client_record, worker=keyworker, held=True,
                                    starts_at=timezone.now() - datetime.timedelta(days=1))
    page = _page(client, keyworker, reverse("diary:session", args=[session.pk]))
    for words in ("Added later", "Mark as entered in error", "Change the log",
                  "Can be changed until"):
        assert words in page, words
    for jargon in ("Addend", "Strike through", ">Correct<", "corrected"):
        assert jargon not in page, jargon


def test_a_locked_supervision_record_says_added_later(client, manager, keyworker,
                                                      client_record):
    supervision = supervision_services.supervision_start(
        manager=manager, keyworker=keyworker, held_on=timezone.localdate())
    supervision_services.supervision_sign(supervision=supervision, by=manager)
    supervision_services.supervision_confirm(supervision=supervision, by=keyworker)
    page = _page(client, manager, reverse("supervision:detail", args=[supervision.pk]))
    text = re.sub(r"<[^>]+>", " ", page)  # what a person reads, not the addresses
    assert "Added later" in text and "Add the note" in text
    assert "ddend" not in text


def test_signing_explains_the_check_code_not_a_fingerprint(client, keyworker, client_record):
    plan = draft_plan(client=client_record, by=keyworker)
    page = _page(client, keyworker, reverse("plans:sign", args=[plan.pk]))
    assert "check code made from exactly this text" in page
    assert f"check code {plan.digest()[:12]}" in page
    assert "fingerprint" not in page.lower()


def test_the_client_file_says_who_is_responsible_for_the_case(client, manager, client_record):
    page = _page(client, manager, client_record.get_absolute_url())
    assert "Responsible for the case" in page and "Case accountable" not in page
    form = _page(client, manager, reverse("supervision:accountability", args=[client_record.pk]))
    assert "Who is responsible for the case?" in form and "accountable" not in form


def test_the_outcomes_report_says_what_the_spread_means(client, manager):
    page = _page(client, manager, reverse("supervision:report"), period="quarter")
    assert "How much the changes differ (standard deviation)" in page
    assert "Spread" not in page
