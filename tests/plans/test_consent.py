"""Consent to share: recorded one consent at a time, read through one selector
(plans.selectors.consent_for) by every referral to an agency, and named among what is due
before it expires."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from diary import selectors as diary_selectors
from plans import selectors, services
from plans.models import Agency, Consent, Referral
from tests.factories import AgencyFactory

DAY = datetime.timedelta(days=1)


def today():
    return timezone.localdate()


@pytest.fixture
def housing(site):
    return AgencyFactory(site=site, name="Housing Options", kind=Agency.Kind.HOUSING)


@pytest.fixture
def drugs(site):
    return AgencyFactory(site=site, name="Drug Service", kind=Agency.Kind.DRUG_ALCOHOL)


def _consent(client_record, keyworker, **fields):
    values = {"purpose": "Housing application", "how": Consent.How.IN_WRITING,
              "given_on": today() - 5 * DAY, "expires_on": today() + 90 * DAY}
    return services.consent_record(client=client_record, by=keyworker, **values | fields)


def test_consent_for_finds_a_consent_by_agency_or_by_kind(client_record, keyworker, housing,
                                                         drugs, site):
    other_drugs = AgencyFactory(site=site, name="Other drug service",
                                kind=Agency.Kind.DRUG_ALCOHOL)
    named = _consent(client_record, keyworker, agency=housing)
    by_kind = _consent(client_record, keyworker, agency_kind=Agency.Kind.DRUG_ALCOHOL)
    assert selectors.consent_for(client_record, housing) == named
    assert selectors.consent_for(client_record, other_drugs) == by_kind
    assert selectors.consent_for(client_record, AgencyFactory(site=site)) is None


def test_consent_for_ignores_expired_withdrawn_and_not_yet_given(client_record, keyworker,
                                                                  housing):
    consent = _consent(client_record, keyworker, agency=housing,
                       expires_on=today() + 3 * DAY)
    assert selectors.consent_for(client_record, housing, today() + 4 * DAY) is None
    assert selectors.consent_for(client_record, housing, today() - 6 * DAY) is None
    services.consent_withdraw(consent=consent, on=today(), by=keyworker, note="Changed mind")
    assert selectors.consent_for(client_record, housing) is None
    assert selectors.consent_for(client_record, housing, today() - DAY) == consent


@pytest.mark.parametrize(("fields", "message"), [
    ({}, "Choose one agency, or a kind"),
    ({"agency_kind": "housing", "expires_on": today() - DAY}, "already have expired"),
    ({"agency_kind": "housing", "given_on": today() + DAY}, "cannot be in the future"),
    ({"agency_kind": "housing", "purpose": "  "}, "Say what the information is shared for"),
    ({"agency_kind": "housing", "how": "on_behalf"}, "Say who gave consent"),
])
def test_a_bad_consent_is_refused(client_record, keyworker, fields, message):
    with pytest.raises(ValidationError, match=message):
        _consent(client_record, keyworker, **fields)
    assert not Consent.objects.exists()


def test_a_referral_without_consent_is_refused_with_a_clear_message(client_record, keyworker,
                                                                    housing):
    with pytest.raises(ValidationError, match="Dee has no consent in force to share "
                                              "information with Housing Options"):
        services.referral_make(client=client_record, agency=housing, made_on=today(),
                               reason="Flat", by=keyworker)
    assert not Referral.objects.exists()


def test_a_referral_goes_on_the_consent_in_force(client_record, keyworker, housing):
    consent = _consent(client_record, keyworker, agency=housing)
    referral = services.referral_make(client=client_record, agency=housing, made_on=today(),
                                      reason="Flat", by=keyworker)
    assert referral.consent == consent
    assert referral.shared_without == ""


def test_a_referral_records_consent_given_now(client_record, keyworker, housing):
    referral = services.referral_make(
        client=client_record, agency=housing, made_on=today(), reason="Flat", by=keyworker,
        new_consent={"how": "verbally", "expires_on": today() + 30 * DAY, "purpose": "Flat"})
    assert referral.consent.agency == housing
    assert referral.consent.given_on == today()
    assert selectors.consent_for(client_record, housing) == referral.consent


def test_sharing_without_consent_needs_a_reason_and_a_note(client_record, keyworker, housing):
    with pytest.raises(ValidationError, match="Say what makes it necessary"):
        services.referral_make(client=client_record, agency=housing, made_on=today(),
                               reason="Flat", by=keyworker, shared_without="safeguarding")
    referral = services.referral_make(client=client_record, agency=housing, made_on=today(),
                                      reason="At risk", by=keyworker,
                                      shared_without="safeguarding",
                                      shared_without_note="Raised with the safeguarding team")
    assert referral.consent is None
    assert referral.get_shared_without_display() == "A safeguarding duty (Care Act 2014)"


def test_the_referral_form_asks_for_consent_then_records_it(client, client_record, keyworker,
                                                           housing):
    client.force_login(keyworker)
    url = reverse("plans:referral_create", args=[client_record.pk])
    page = client.get(url).content.decode()
    assert "None: record the client" in page
    data = {"agency": housing.pk, "made_on": today().isoformat(), "reason": "Flat",
            "basis": "held"}
    page = client.post(url, data).content.decode()
    assert "Dee has no consent in force to share information with Housing Options" in page
    assert not Referral.objects.exists()
    page = client.post(url, data | {"basis": "now"}).content.decode()
    assert "Say how the client gave consent." in page
    response = client.post(url, data | {"basis": "now", "consent_how": "in_writing",
                                        "consent_expires_on": (today() + 60 * DAY).isoformat()})
    assert response.status_code == 302
    referral = Referral.objects.get()
    assert referral.consent.how == "in_writing"
    assert referral.consent.purpose == "Flat"


def test_the_consents_page_records_lists_and_withdraws(client, client_record, keyworker,
                                                      housing):
    client.force_login(keyworker)
    listing = reverse("plans:consents", args=[client_record.pk])
    assert "No consent to share is recorded" in client.get(listing).content.decode()
    response = client.post(reverse("plans:consent_create", args=[client_record.pk]), {
        "agency": housing.pk, "purpose": "Housing register", "how": "verbally",
        "given_on": today().isoformat(), "expires_on": (today() + 30 * DAY).isoformat()})
    assert response.status_code == 302
    consent = Consent.objects.get()
    page = client.get(listing).content.decode()
    assert "Housing register" in page and "In force" in page
    withdraw = reverse("plans:consent_withdraw", args=[consent.pk])
    assert withdraw in page
    assert "data-confirm=" in client.get(withdraw).content.decode()
    assert client.post(withdraw, {"on": today().isoformat()}).status_code == 302
    consent.refresh_from_db()
    assert consent.withdrawn_on == today() and consent.withdrawn_by == keyworker
    page = client.get(listing).content.decode()
    assert "Withdrawn" in page and withdraw not in page


def test_the_old_flat_consent_is_shown_as_recorded_before(client, client_record, keyworker):
    client_record.consent_to_share = True
    client_record.consent_date = today() - 100 * DAY
    client_record.consent_scope = "GP and housing"
    client_record.save()
    client.force_login(keyworker)
    page = client.get(reverse("plans:consents", args=[client_record.pk])).content.decode()
    assert "Recorded before consents were kept one by one" in page
    assert "GP and housing" in page


def test_a_consent_form_naming_both_an_agency_and_a_kind_is_refused(client, client_record,
                                                                    keyworker, housing):
    client.force_login(keyworker)
    page = client.post(reverse("plans:consent_create", args=[client_record.pk]), {
        "agency": housing.pk, "agency_kind": "money", "purpose": "x", "how": "verbally",
        "given_on": today().isoformat(),
        "expires_on": (today() + 30 * DAY).isoformat()}).content.decode()
    assert "Choose one agency, or a kind of agency (not both)." in page
    assert not Consent.objects.exists()


def test_expiring_and_expired_but_relied_on_consents_are_due(client, client_record, keyworker,
                                                             housing, drugs, travel):
    soon = _consent(client_record, keyworker, agency=housing, expires_on=today() + 10 * DAY)
    _consent(client_record, keyworker, agency_kind=Agency.Kind.MONEY,
             expires_on=today() + 60 * DAY)  # not yet due
    travel(days=-40)
    old = services.consent_record(client=client_record, by=keyworker, agency=drugs,
                                  purpose="Treatment", how="verbally", given_on=today(),
                                  expires_on=today() + 20 * DAY)
    services.referral_make(client=client_record, agency=drugs, made_on=today(),
                           reason="Detox", by=keyworker)
    travel.back()
    due = [item for item in diary_selectors.due_for(keyworker) if item.kind == "consent"]
    assert [(item.detail.pk, item.overdue) for item in due] == [(old.pk, True), (soon.pk, False)]
    client.force_login(keyworker)
    page = client.get(reverse("diary:today")).content.decode()
    assert "Renew Dee's consent to share with Housing Options" in page
    assert "Renew Dee's consent to share with Drug Service" in page
    # Renewed: neither is due any more.
    _consent(client_record, keyworker, agency=housing, given_on=today(),
             expires_on=today() + 200 * DAY)
    _consent(client_record, keyworker, agency=drugs, given_on=today(),
             expires_on=today() + 200 * DAY)
    assert not [i for i in diary_selectors.due_for(keyworker) if i.kind == "consent"]


def test_an_expired_consent_nothing_relies_on_is_not_due(client_record, keyworker, housing,
                                                         travel):
    travel(days=-40)
    _consent(client_record, keyworker, agency=housing, given_on=today(),
             expires_on=today() + 20 * DAY)
    travel.back()
    assert not [i for i in diary_selectors.due_for(keyworker) if i.kind == "consent"]
