"""The client picker (clients.widgets, clients:pick): finding one client among hundreds as
a person types, without sending every client of the site to the page."""

import pytest
from django import forms
from django.urls import reverse

from clients.models import Client
from clients.widgets import ClientPicker, ClientPickerMultiple
from tests.factories import ClientFactory


def found(client, **params):
    response = client.get(reverse("clients:pick"), params)
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.django_db
def test_matches_the_start_of_a_name_or_the_reference_among_clients_the_person_may_see(
        client, keyworker, client_record, colleagues_client, other_site_client):
    client.force_login(keyworker)
    page = found(client, find="har")
    assert "Dee Harper" in page and "Rob Quinn" not in page
    assert f'<option value="{client_record.pk}">' in page  # offered, never chosen for them
    assert "Dee Harper" in found(client, find=client_record.reference)
    assert "Dee Harper" in found(client, find="d har")  # every word starts a name
    # Another site's client is not offered: the person cannot see them.
    assert "Far Away" not in found(client, find="far")
    assert "No client found" in found(client, find="far")
    # Nothing typed, nothing found (and nothing listed).
    page = found(client, find="")
    assert "Type part of a name" in page and "Harper" not in page


@pytest.mark.django_db
def test_a_site_narrows_it_and_an_administrator_finds_no_one(client, manager, administrator,
                                                             client_record, other_site):
    client.force_login(manager)
    assert "Dee Harper" in found(client, find="dee", site=client_record.site_id)
    assert "Dee Harper" not in found(client, find="dee", site=other_site.pk)
    assert "Dee Harper" in found(client, find="dee", site="not-a-number")
    client.force_login(administrator)
    assert "Dee Harper" not in found(client, find="dee")


@pytest.mark.django_db
def test_several_come_as_boxes_to_tick_named_as_the_field(client, keyworker, client_record):
    client.force_login(keyworker)
    page = found(client, find="dee", multiple="1", name="clients")
    assert f'type="checkbox" name="clients" value="{client_record.pk}"' in page
    # A made-up field name is not written into the page.
    assert 'name="client"' in found(client, find="dee", multiple="1", name='"><x')


class OneForm(forms.Form):
    client = forms.ModelChoiceField(queryset=Client.objects.all(), widget=ClientPicker())


class SeveralForm(forms.Form):
    clients = forms.ModelMultipleChoiceField(queryset=Client.objects.all(),
                                             widget=ClientPickerMultiple())


@pytest.mark.django_db
def test_the_form_shows_only_the_chosen_client_and_reads_no_other(
        client_record, colleagues_client, django_assert_num_queries):
    ClientFactory.create_batch(5, site=client_record.site)
    # Two: the field's own check of the value sent, and the chosen client's name.
    with django_assert_num_queries(2):
        html = str(OneForm(data={"client": client_record.pk})["client"])
    assert "Dee Harper" in html and "Rob Quinn" not in html
    assert f'<option value="{client_record.pk}" selected>' in html
    assert reverse("clients:pick") in html
    with django_assert_num_queries(0):
        html = str(OneForm()["client"])
    assert "Type part of a name" in html
    # A value that is not a client's id is shown as nothing chosen, and refused.
    form = OneForm(data={"client": "x'"})
    assert "Type part of a name" in str(form["client"])
    assert not form.is_valid()


@pytest.mark.django_db
def test_several_chosen_are_ticked_boxes_and_validate_as_before(client_record,
                                                                colleagues_client):
    form = SeveralForm(data={"clients": [client_record.pk, colleagues_client.pk]})
    html = str(form["clients"])
    assert html.count("checked") == 2 and "multiple=1" in html.replace("&amp;", "&")
    assert form.is_valid()
    assert set(form.cleaned_data["clients"]) == {client_record, colleagues_client}


@pytest.mark.django_db
def test_admitted_only_offers_no_one_still_referred(client, keyworker, client_record):
    client.force_login(keyworker)
    assert "Dee Harper" in found(client, find="dee", admitted="1")
    client_record.status = Client.Status.REFERRED
    client_record.save()
    assert "Dee Harper" in found(client, find="dee")
    assert "Dee Harper" not in found(client, find="dee", admitted="1")
    assert "admitted=1" in ClientPicker(admitted_only=True).find_url("client")


@pytest.mark.django_db
def test_a_form_that_chooses_its_site_sends_it_with_each_search(client, keyworker,
                                                                client_record, other_site):
    html = str(ClientPickerMultiple(site_field_id="id_site").render("clients", []))
    assert 'data-hx-include="#id_site"' in html
    client.force_login(keyworker)
    # The incident form's picker: its search carries the site chosen in the form.
    page = client.get(reverse("safeguarding:raise")).content.decode()
    assert 'data-hx-include="#id_site"' in page and 'id="id_site"' in page
    assert "Dee Harper" in found(client, find="dee", site=client_record.site_id)
    assert "Dee Harper" not in found(client, find="dee", site=other_site.pk)
