import datetime
import io
import re

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client as BrowserClient
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from clients import selectors, services
from clients.models import Allocation, Client, InductionItem
from tests.factories import (
    AllocationFactory,
    ClientFactory,
    KeyworkSessionFactory,
    client_with_keyworker,
)

TODAY = timezone.localdate
DAY = datetime.timedelta(days=1)


def _details(client_record, **changes):
    data = {
        "version": client_record.version, "first_name": client_record.first_name,
        "last_name": client_record.last_name, "preferred_name": "", "date_of_birth": "1980-05-17",
        "phone": "", "email": "", "address": "", "emergency_contact_name": "",
        "emergency_contact_relationship": "", "emergency_contact_phone": "", "languages": "",
        "cultural_needs": "", "gp_name": "", "gp_practice": "", "gp_phone": "",
        "consent_date": "", "consent_scope": "", "alerts": "", "document_language": "en-gb",
    }
    data.update(changes)
    return data


def _png(size=(8, 8)):
    buffer = io.BytesIO()
    Image.new("RGB", size, "red").save(buffer, "PNG")
    return buffer.getvalue()


def test_caseload_lists_the_keyworkers_clients_with_alerts(client, keyworker, client_record,
                                                           colleagues_client):
    client.force_login(keyworker)
    page = client.get(reverse("home")).content.decode()
    assert "Dee Harper" in page
    assert "Do not visit alone" in page
    assert "Rob Quinn" not in page


def test_caseload_shows_cover_with_the_handover_note(client, colleague, client_record,
                                                     keyworker):
    AllocationFactory(client=client_record, worker=colleague, kind="cover", start=TODAY(),
                      end=TODAY() + 7 * DAY, handover_note="Benefits letter due")
    client.force_login(colleague)
    page = client.get(reverse("home")).content.decode()
    assert "Dee Harper" in page
    assert "Cover" in page
    assert "Benefits letter due" in page
    assert f"for {keyworker}" in page


def test_empty_caseload_says_what_to_do_next(client, keyworker):
    client.force_login(keyworker)
    assert "No clients on your caseload yet" in client.get(reverse("home")).content.decode()


def test_client_list_searches_by_name_and_reference(client, manager, client_record,
                                                    colleagues_client):
    client.force_login(manager)
    page = client.get(reverse("clients:list"), {"q": "harp"}).content.decode()
    assert "Dee Harper" in page and "Rob Quinn" not in page
    page = client.get(reverse("clients:list"), {"q": colleagues_client.reference}).content.decode()
    assert "Rob Quinn" in page and "Dee Harper" not in page


def test_client_list_filters_by_keyworker_and_hides_archived_by_default(
        client, manager, keyworker, client_record, colleagues_client, site):
    ClientFactory(site=site, first_name="Gone", last_name="Person", status="discharged",
                  ended_on=TODAY())
    client.force_login(manager)
    page = client.get(reverse("clients:list"), {"keyworker": keyworker.pk}).content.decode()
    assert "Dee Harper" in page and "Rob Quinn" not in page
    assert "Gone Person" not in client.get(reverse("clients:list")).content.decode()
    page = client.get(reverse("clients:list"), {"status": "all"}).content.decode()
    assert "Gone Person" in page


def test_client_list_is_paginated(client, manager, site):
    for n in range(30):
        ClientFactory(site=site, last_name=f"Zed{n:02d}")
    client.force_login(manager)
    page = client.get(reverse("clients:list")).content.decode()
    assert "Page 1 of 2" in page
    assert "30 clients" in page


def test_referral_form_keeps_what_was_typed_and_explains_errors(client, manager, site):
    client.force_login(manager)
    response = client.post(reverse("clients:create"), {
        "site": site.pk, "referred_on": TODAY().isoformat(), "first_name": "Ann",
        "last_name": "Lee", "date_of_birth": (TODAY() + DAY).isoformat(),
    })
    page = response.content.decode()
    assert response.status_code == 200
    assert "The date of birth cannot be in the future." in page
    assert 'value="Ann"' in page
    assert not Client.objects.exists()


def test_referral_form_sent_without_its_date_has_no_hidden_field_described_as_in_error(
        client, manager, site):
    """The referral date's default is today, so Django added a hidden copy of it, and on an
    error gave that hidden input the error's aria-describedby: invalid HTML (the Nu HTML
    Checker, in the accessibility crawl, found it)."""
    client.force_login(manager)
    page = client.post(reverse("clients:create"), {
        "site": site.pk, "referred_on": "", "initial-referred_on": TODAY().isoformat()
    }).content.decode()
    assert 'aria-describedby="id_referred_on_error"' in page
    assert "initial-referred_on" not in page


def test_manager_refers_a_client(client, manager, site):
    client.force_login(manager)
    response = client.post(reverse("clients:create"), {
        "site": site.pk, "referred_on": TODAY().isoformat(), "first_name": "Ann",
        "last_name": "Lee", "referral_source": "Outreach"}, follow=True)
    assert "Referral saved: Ann Lee is DC1-00001." in response.content.decode()


def test_edit_refuses_a_second_save_from_a_stale_form(client, keyworker, client_record):
    client.force_login(keyworker)
    stale = _details(client_record, phone="111")
    client.post(reverse("clients:edit", args=[client_record.pk]), _details(client_record,
                                                                          phone="222"))
    response = client.post(reverse("clients:edit", args=[client_record.pk]), stale)
    page = response.content.decode()
    assert "Someone else saved this while you were editing it" in page
    assert 'value="111"' in page
    client_record.refresh_from_db()
    assert client_record.phone == "222"


def test_photo_must_be_an_image(client, keyworker, client_record):
    client.force_login(keyworker)
    upload = SimpleUploadedFile("me.png", b"not an image at all", content_type="image/png")
    response = client.post(reverse("clients:edit", args=[client_record.pk]),
                           _details(client_record, photo=upload))
    assert "Upload a valid image" in response.content.decode()
    client_record.refresh_from_db()
    assert not client_record.photo


def test_photo_too_large_is_refused(client, keyworker, client_record, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(keyworker)
    big = _png() + b"\0" * (2 * 1024 * 1024 + 1)
    upload = SimpleUploadedFile("me.png", big, content_type="image/png")
    response = client.post(reverse("clients:edit", args=[client_record.pk]),
                           _details(client_record, photo=upload))
    assert "the largest allowed is 2.0" in response.content.decode()


def test_photo_is_served_only_to_staff_who_may_see_the_client(client, keyworker, colleague,
                                                              other_site_keyworker,
                                                              client_record, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(keyworker)
    upload = SimpleUploadedFile("me.png", _png(), content_type="image/png")
    client.post(reverse("clients:edit", args=[client_record.pk]),
                _details(client_record, photo=upload))
    url = reverse("clients:photo", args=[client_record.pk])
    assert client.get(url).status_code == 200
    client.force_login(colleague)
    response = client.get(url)
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"
    client.force_login(other_site_keyworker)
    assert client.get(url).status_code == 404


def test_colleague_sees_only_the_summary(client, colleague, client_record):
    client_record.phone = "07700 900999"
    client_record.save()
    client.force_login(colleague)
    page = client.get(reverse("clients:detail", args=[client_record.pk])).content.decode()
    assert "Dee Harper" in page
    assert "Do not visit alone" in page
    assert "07700 900999" not in page
    assert "Allocation history" not in page


def test_archived_client_is_read_only(client, manager, client_record):
    client_record.status = Client.Status.DISCHARGED
    client_record.ended_on = TODAY()
    client_record.save()
    client.force_login(manager)
    page = client.get(reverse("clients:detail", args=[client_record.pk])).content.decode()
    assert "This record is archived" in page
    assert reverse("clients:edit", args=[client_record.pk]) not in page
    response = client.post(reverse("clients:edit", args=[client_record.pk]),
                           _details(client_record, first_name="Changed"), follow=True)
    assert "archived and read-only" in response.content.decode()
    client_record.refresh_from_db()
    assert client_record.first_name == "Dee"


def test_manager_admits_a_referral(client, manager, site):
    referral = ClientFactory(site=site, status="referred", admitted_on=None)
    client.force_login(manager)
    response = client.post(reverse("clients:admit", args=[referral.pk]),
                           {"admitted_on": TODAY().isoformat()}, follow=True)
    assert "is now admitted" in response.content.decode()
    referral.refresh_from_db()
    assert referral.status == Client.Status.ADMITTED


def test_discharge_form_refuses_a_date_before_admission(client, manager, client_record):
    client.force_login(manager)
    response = client.post(reverse("clients:end", args=[client_record.pk]), {
        "status": "discharged", "ended_on": (client_record.admitted_on - DAY).isoformat(),
        "destination": "Unknown", "reason": "Left", "end_kind": "unplanned"})
    assert "cannot be before the admission" in response.content.decode()
    client_record.refresh_from_db()
    assert client_record.status == Client.Status.ACTIVE


def test_allocate_form_shows_caseload_against_limit_and_matching_needs(client, manager,
                                                                       client_record, colleague):
    client_record.cultural_needs = "Prefers a female keyworker"
    client_record.save()
    client.force_login(manager)
    page = client.get(reverse("clients:allocate", args=[client_record.pk])).content.decode()
    assert f"{colleague}: 12 places left" in page
    assert "Prefers a female keyworker" in page


def test_allocating_a_second_keyworker_without_reason_shows_the_message(client, manager,
                                                                        client_record, colleague):
    client.force_login(manager)
    response = client.post(reverse("clients:allocate", args=[client_record.pk]),
                           {"worker": colleague.pk, "reason": "", "over_limit_reason": ""})
    assert "This field is required." in response.content.decode()
    assert client_record.allocations.count() == 1


def test_cover_form_refuses_an_end_before_the_start(client, keyworker, client_record, colleague):
    client.force_login(keyworker)
    response = client.post(reverse("clients:cover", args=[client_record.pk]), {
        "worker": colleague.pk, "first_day": TODAY().isoformat(),
        "last_day": (TODAY() - DAY).isoformat(), "handover_note": "x"})
    assert "Cover cannot end before it starts." in response.content.decode()
    assert not client_record.allocations.filter(kind="cover").exists()


def test_keyworkers_page_shows_caseload_against_limit_and_sets_limits(client, manager, keyworker,
                                                                      client_record, site):
    client.force_login(manager)
    page = client.get(reverse("clients:keyworkers")).content.decode()
    assert "1 of 12" in page
    response = client.post(reverse("clients:keyworker_limit", args=[keyworker.pk]),
                           {"site": site.pk, f"w{keyworker.pk}-caseload_limit": "3"}, follow=True)
    assert "caseload limit is now 3" in response.content.decode()
    keyworker.refresh_from_db()
    assert keyworker.caseload_limit == 3


def test_keyworkers_page_shows_a_new_allocation_after_it_was_cached(client, manager, keyworker,
                                                                   client_record, site):
    """Its rows are kept in the cache (clients.selectors.keyworker_caseloads): a client
    allocated since counts at once."""
    client.force_login(manager)
    url = reverse("clients:keyworkers")
    assert "1 of 12" in client.get(url).content.decode()
    client_with_keyworker(site=site, keyworker=keyworker)
    assert "2 of 12" in client.get(url).content.decode()


def test_transfer_page_moves_a_caseload(client, manager, keyworker, colleague, site):
    clients = [client_with_keyworker(site=site, keyworker=colleague) for _ in range(2)]
    client.force_login(manager)
    url = reverse("clients:transfer", args=[colleague.pk]) + f"?site={site.pk}"
    response = client.post(url, {"clients": [c.pk for c in clients], "to_worker": keyworker.pk,
                                 "reason": "Sam is leaving"}, follow=True)
    assert "2 clients moved" in response.content.decode()
    assert Allocation.objects.current().primary().filter(worker=keyworker).count() == 2


def test_induction_tick_by_htmx_returns_the_checklist(client, keyworker, client_record):
    item = InductionItem.objects.create(site=client_record.site, text="Fire exits")
    client.force_login(keyworker)
    response = client.post(reverse("clients:induction_tick", args=[client_record.pk, item.pk]),
                           HTTP_HX_REQUEST="true")
    page = response.content.decode()
    assert "Fire exits" in page and "<html" not in page
    assert client_record.induction_ticks.get().done_by == keyworker


def test_a_post_without_a_csrf_token_changes_nothing(keyworker, client_record):
    browser = BrowserClient(enforce_csrf_checks=True)
    browser.force_login(keyworker)
    response = browser.post(reverse("clients:edit", args=[client_record.pk]),
                            _details(client_record, first_name="Forged"))
    assert response.status_code == 403
    client_record.refresh_from_db()
    assert client_record.first_name == "Dee"


def test_keyworker_filters_offer_only_the_chosen_sites_keyworkers(
        client, manager, keyworker, other_site, other_site_keyworker):
    """A manager of two sites who chooses one is offered that site's keyworkers in the
    client list's and the report's keyworker filters, not both sites'."""
    manager.sites.add(other_site)
    client.force_login(manager)
    for name in ("clients:list", "supervision:report"):
        form = client.get(reverse(name), {"site": other_site.pk}).context["form"]
        assert list(form.fields["keyworker"].queryset) == [other_site_keyworker], name
        form = client.get(reverse(name), {"site": ""}).context["form"]
        assert set(form.fields["keyworker"].queryset) == {keyworker, other_site_keyworker}, name


def _file(client, user, client_record):
    client.force_login(user)
    return client.get(reverse("clients:detail", args=[client_record.pk])).content.decode()


def _section_links(page):
    nav = re.search(r'<nav class="file-nav[^"]*" aria-label="Sections of the file">(.*?)</nav>',
                    page, re.S)
    return re.findall(r'<a class="nav-link" href="#([\w-]+)">([^<]+)</a>', nav.group(1))


def test_the_file_has_a_navigation_to_the_heading_of_each_section(client, keyworker,
                                                                   client_record):
    page = _file(client, keyworker, client_record)
    links = _section_links(page)
    labels = [label for _anchor, label in links]
    assert labels[0] == "Summary"
    assert {"Plan", "Sessions", "Details", "Allocation", "Progress", "Lifecycle"} <= set(labels)
    for anchor, _label in links:
        assert re.search(rf'<h[12] [^>]*id="{anchor}"', page), anchor


def test_the_day_s_actions_come_before_the_first_section(client, keyworker, client_record):
    an_hour_ago = timezone.now() - datetime.timedelta(hours=1)
    to_log = KeyworkSessionFactory(client=client_record, worker=keyworker, starts_at=an_hour_ago)
    page = _file(client, keyworker, client_record)
    top = page[:page.index("<section")]
    assert 'href="#contact-heading"><i class="bi bi-chat-dots" aria-hidden="true"></i> ' \
           'Log a contact</a>' in top
    file_url = reverse("clients:detail", args=[client_record.pk])
    assert f'href="{reverse("diary:log", args=[to_log.pk])}?next={file_url}"' in top
    assert "Log session" in top
    assert f'href="{reverse("diary:book")}?client={client_record.pk}"' in top


def test_an_archived_file_has_no_actions_at_the_top(client, manager, client_record):
    client_record.status = Client.Status.DISCHARGED
    client_record.ended_on = TODAY()
    client_record.save()
    page = _file(client, manager, client_record)
    assert "file-actions" not in page
    assert "Log a contact" not in page


def test_the_clients_name_keeps_its_own_direction_and_the_keyworkers_too(client, keyworker,
                                                                         client_record):
    client_record.preferred_name = "عبد الله"
    client_record.save()
    page = _file(client, keyworker, client_record)
    assert '<h1 class="h3 mb-1 client-name" id="client-heading" dir="auto">' \
           'Dee “عبد الله” Harper</h1>' in page
    assert "Keyworker: <bdi>Kim Lowe</bdi>" in page


def test_allocate_form_lists_the_best_match_first_with_the_matches_in_words(
        client, manager, client_record, colleague, keyworker):
    client_record.languages = "Polish, English"
    client_record.save()
    colleague.languages = "English, Polish"
    colleague.save()
    client.force_login(manager)
    page = client.get(reverse("clients:allocate", args=[client_record.pk])).content.decode()
    options = re.findall(r"<option value=\"\d+\"[^>]*>([^<]*)</option>", page)
    assert options[0] == f"{colleague}: Speaks Polish, English · 12 places left"
    assert options[1] == f"{keyworker}: 11 places left"


def test_cover_and_co_keyworker_forms_show_the_matches_too(client, manager, client_record,
                                                           colleague):
    colleague.languages = "Polish"
    colleague.save()
    client_record.languages = "Polish"
    client_record.save()
    client.force_login(manager)
    for name in ("clients:cover", "clients:co_keyworker"):
        page = client.get(reverse(name, args=[client_record.pk])).content.decode()
        assert f"{colleague}: Speaks Polish · 12 places left" in page


def test_a_clients_matching_preferences_are_saved_from_the_details_form(client, keyworker,
                                                                        client_record):
    client.force_login(keyworker)
    response = client.post(reverse("clients:edit", args=[client_record.pk]), _details(
        client_record, preferred_keyworker_gender="woman",
        support_wanted=["housing", "mental_health"]))
    assert response.status_code == 302
    client_record.refresh_from_db()
    assert client_record.preferred_keyworker_gender == "woman"
    assert sorted(client_record.support_wanted) == ["housing", "mental_health"]
    page = client.get(client_record.get_absolute_url()).content.decode()
    assert "Would rather have a keyworker who is" in page



def test_transfer_page_counts_caseloads_as_the_keyworkers_page_does(
        client, manager, keyworker, colleague, site):
    """The sizes beside each worker come from the keyworkers page's rows (kept in the
    cache), and a client allocated since counts at once."""
    client_with_keyworker(site=site, keyworker=colleague)
    client.force_login(manager)
    url = reverse("clients:transfer", args=[colleague.pk]) + f"?site={site.pk}"
    assert f"{keyworker}: 0 of 12 clients" in client.get(url).content.decode()
    client_with_keyworker(site=site, keyworker=keyworker)
    assert f"{keyworker}: 1 of 12 clients" in client.get(url).content.decode()


def test_the_allocation_pages_keep_each_workers_match_until_the_data_changes(
        client, manager, keyworker, colleague, site, django_assert_num_queries):
    """clients.selectors.matches_for: asked again, no query; no password hash in what is
    kept; a worker's new language shows on the page at once."""
    record = client_with_keyworker(site=site, keyworker=keyworker, languages="Polish")
    workers = services.keyworkers_at(site)
    first = selectors.matches_for(record, workers)
    assert first and all("password" in match.worker.get_deferred_fields() for match in first)
    with django_assert_num_queries(0):
        assert selectors.matches_for(record, workers) == first
    client.force_login(manager)
    url = reverse("clients:cover", args=[record.pk])
    assert f"{colleague}: Speaks Polish" not in client.get(url).content.decode()
    colleague.languages = "English, Polish"
    colleague.save()
    assert f"{colleague}: Speaks Polish" in client.get(url).content.decode()
