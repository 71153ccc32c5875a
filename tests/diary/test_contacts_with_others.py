"""Contacts with others about the client (issue 17, item 7): a relative, a friend, a
professional from the site's agencies directory or someone else, logged on the client's
file; only a contact with the client counts as contact with the client."""

import datetime
import re

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from audit import retention, subject_access
from clients.models import Client
from diary import services
from diary.models import Contact
from keywork.lib import dates
from supervision.reports import outcome_report, period_for
from tests.factories import AgencyFactory, ContactFactory


@pytest.fixture
def shelter(site):
    return AgencyFactory(site=site, name="Shelter")


def log(client_record, by, **fields):
    return services.contact_log(client=client_record, by=by, kind=fields.pop("kind", "phone"),
                                note=fields.pop("note", "Rang about the flat"), **fields)


# The rule of who is named for each person -------------------------------------------------


def test_each_person_is_named_as_they_should_be(client_record, colleague, shelter):
    sister = log(client_record, colleague, with_whom="relative", person_name=" Sarah ",
                 relationship="sister")
    friend = log(client_record, colleague, with_whom="friend", person_name="Gary")
    landlord = log(client_record, colleague, with_whom="other", person_name="Mr Okafor",
                   relationship="landlord")
    patel = log(client_record, colleague, kind="email", with_whom="professional",
                agency=shelter, person_name="J. Patel")
    desk = log(client_record, colleague, with_whom="professional", agency=shelter)
    own = log(client_record, colleague)
    assert [c.with_label for c in (sister, friend, landlord, patel, desk, own)] == [
        "Sarah (sister)", "Gary (friend)", "Mr Okafor (landlord)", "Shelter — J. Patel",
        "Shelter", ""]
    assert own.with_whom == Contact.With.CLIENT and own.is_with_client
    assert not patel.is_with_client


@pytest.mark.parametrize(("fields", "field", "message"), [
    ({"with_whom": "professional"}, "agency", "Choose the agency the professional is from"),
    ({"with_whom": "relative", "person_name": "Sarah"}, "relationship",
     "Say who they are to the client"),
    ({"with_whom": "relative", "relationship": "sister"}, "person_name",
     "Give the name of the person"),
    ({"with_whom": "friend", "person_name": "   "}, "person_name", "Give the name"),
    ({"with_whom": "other", "person_name": "Mr Okafor"}, "relationship", "Say who they are"),
    ({"with_whom": "client", "person_name": "Sarah"}, "with_whom",
     "You named someone other than the client"),
    ({"with_whom": "friend", "person_name": "Gary", "agency": "shelter"}, "agency",
     "An agency is only for a contact with a professional"),
    ({"with_whom": "professional", "agency": "shelter", "relationship": "sister"},
     "relationship", "leave the relationship empty"),
    ({"with_whom": "professional", "agency": "elsewhere"}, "agency",
     "Choose an agency of the client's site"),
])
def test_a_person_not_named_as_they_should_be_is_refused_and_nothing_is_logged(
        client_record, colleague, shelter, other_site, fields, field, message):
    agencies = {"shelter": shelter, "elsewhere": AgencyFactory(site=other_site, name="Far")}
    if "agency" in fields:
        fields["agency"] = agencies[fields["agency"]]
    with pytest.raises(ValidationError) as refused:
        log(client_record, colleague, **fields)
    assert message in " ".join(refused.value.message_dict[field])
    assert not Contact.objects.exists()


def test_the_database_refuses_an_agency_contact_without_its_agency(client_record, colleague):
    with pytest.raises(IntegrityError), transaction.atomic():
        ContactFactory(client=client_record, by=colleague, with_whom="professional")
    with pytest.raises(IntegrityError), transaction.atomic():
        ContactFactory(client=client_record, by=colleague, with_whom="relative")


# The form on the client's file and summary ------------------------------------------------


def test_the_form_asks_with_whom_the_client_first_and_lists_the_sites_agencies(
        client, colleague, client_record, shelter, other_site, site):
    AgencyFactory(site=other_site, name="Far Away Trust")
    AgencyFactory(site=site, name="Closed Project", is_active=False)
    client.force_login(colleague)
    page = client.get(client_record.get_absolute_url()).content.decode()
    form = page[page.index('class="contact-form"'):]
    form = form[:form.index("</form>")]
    assert "<legend" in form and "With whom?" in form
    radios = re.findall(r'<input[^>]*name="with_whom"[^>]*>', form)
    assert len(radios) == len(Contact.With.values)
    assert [r for r in radios if "checked" in r] == [r for r in radios if 'value="client"' in r]
    assert ">Shelter</option>" in form
    assert "Far Away Trust" not in form and "Closed Project" not in form
    assert 'data-shown-for="with_whom:professional"' in form
    assert "js/contacts.js" in page


def test_a_colleague_logs_a_phone_call_with_the_clients_sister(client, colleague,
                                                                client_record):
    client.force_login(colleague)
    url = reverse("diary:contact_log", args=[client_record.pk])
    response = client.post(url, {"with_whom": "relative", "person_name": "Sarah",
                                 "relationship": "sister", "kind": "phone",
                                 "note": "Worried about him; told her he is well."},
                           HTTP_HX_REQUEST="true")
    assert "Phone with Sarah (sister) logged at" in response.content.decode()
    contact = Contact.objects.get()
    assert (contact.with_whom, contact.person_name, contact.relationship) == (
        "relative", "Sarah", "sister")


def test_a_contact_with_a_professional_shows_on_the_file_with_the_agency(
        client, keyworker, client_record, shelter):
    client.force_login(keyworker)
    client.post(reverse("diary:contact_log", args=[client_record.pk]),
                {"with_whom": "professional", "agency": shelter.pk, "person_name": "J. Patel",
                 "kind": "email", "note": "Sent the housing application."})
    page = client.get(client_record.get_absolute_url()).content.decode()
    assert "E-mail with Shelter — J. Patel" in page
    assert "About the client" in page and "Sent the housing application." in page


def test_without_a_choice_the_contact_is_with_the_client(client, colleague, client_record):
    client.force_login(colleague)
    client.post(reverse("diary:contact_log", args=[client_record.pk]),
                {"kind": "drop_in", "note": "Asked about his post"}, HTTP_HX_REQUEST="true")
    assert Contact.objects.get().with_whom == Contact.With.CLIENT


def test_a_professional_without_an_agency_is_refused_in_the_fragment(client, colleague,
                                                                      client_record, other_site):
    far = AgencyFactory(site=other_site, name="Far Away Trust")
    client.force_login(colleague)
    url = reverse("diary:contact_log", args=[client_record.pk])
    response = client.post(url, {"with_whom": "professional", "kind": "phone",
                                 "note": "Rang the GP"}, HTTP_HX_REQUEST="true")
    assert "Choose the agency the professional is from" in response.content.decode()
    # Another site's agency is not a choice.
    response = client.post(url, {"with_whom": "professional", "agency": far.pk, "kind": "phone",
                                 "note": "Rang the GP"}, HTTP_HX_REQUEST="true")
    assert "Select a valid choice" in response.content.decode()
    assert not Contact.objects.exists()


# The one rule of what counts as contact with the client -----------------------------------


def test_only_contacts_with_the_client_count_as_contact_with_the_client(
        client_record, colleague, shelter, manager, site):
    log(client_record, colleague)
    log(client_record, colleague, kind="drop_in")
    log(client_record, colleague, with_whom="relative", person_name="Sarah",
        relationship="sister")
    log(client_record, colleague, with_whom="professional", agency=shelter)
    struck = log(client_record, colleague, with_whom="friend", person_name="Gary")
    services.contact_strike(contact=struck, by=colleague, reason="Wrong client")
    contacts = Contact.objects.filter(client=client_record)
    assert contacts.with_client().count() == 2
    assert contacts.liaison().count() == 3
    assert contacts.counted().liaison().count() == 2

    today = timezone.localdate()
    period = period_for("dates", start=today - 7 * dates.DAY, end=today)
    rows = dict(next(s for s in outcome_report(manager, [site.pk], period)
                     if s.key == "sessions").rows)
    assert rows["Other contacts with the client"] == 2
    assert rows["Liaison with others about the client"] == 2


# Subject access and retention -----------------------------------------------------------


def test_subject_access_shows_with_whom_each_contact_was(client_record, colleague, shelter):
    log(client_record, colleague, kind="email", with_whom="professional", agency=shelter,
        person_name="J. Patel", note="Sent the housing application")
    log(client_record, colleague, with_whom="relative", person_name="Sarah",
        relationship="sister", note="Sister rang")
    data = subject_access.collect(client_record)
    section = next(s for s in subject_access.readable(data)
                   if s["title"] == "Contacts between sessions")
    shown = str(section)
    for words in ("A professional (agency)", "Shelter", "J. Patel", "A relative", "Sarah",
                  "sister", "With whom"):
        assert words in shown, words


def test_retention_purges_contacts_with_others_and_keeps_the_agency(client_record, colleague,
                                                                    shelter):
    log(client_record, colleague, with_whom="professional", agency=shelter, person_name="Jo")
    log(client_record, colleague, with_whom="relative", person_name="Sarah",
        relationship="sister")
    ended = timezone.localdate() - datetime.timedelta(days=365 * 7)
    Client.objects.filter(pk=client_record.pk).update(
        status=Client.Status.DISCHARGED, referred_on=ended - datetime.timedelta(days=400),
        admitted_on=ended - datetime.timedelta(days=390), ended_on=ended)
    assert list(retention.expired()) == [client_record]
    retention.purge([client_record])
    assert not Contact.objects.exists() and not Contact.history.exists()
    assert type(shelter).objects.filter(pk=shelter.pk).exists()
