"""keywork.lib.sites: a manager of two sites chooses one once, and every page with a site
choice opens on it until they choose another; a site that is not theirs is never chosen."""

import pytest
from django.urls import reverse

from tests.factories import SiteFactory

# Every page with a site choice that shows one site at a time.
ONE_SITE_PAGES = ["clients:keyworkers", "plans:reviews", "plans:agreement_template",
                  "plans:agencies", "diary:settings", "stages:settings"]


@pytest.fixture
def two_site_manager(client, manager, other_site):
    manager.sites.add(other_site)
    client.force_login(manager)
    return manager


def _site_on(client, name, **params):
    response = client.get(reverse(name), params)
    assert response.status_code == 200
    return response.context["site"]


@pytest.mark.parametrize("chosen_on", ["clients:keyworkers", "plans:reviews", "diary:settings"])
def test_the_site_chosen_on_one_page_opens_every_other(client, two_site_manager, site,
                                                       other_site, chosen_on):
    assert _site_on(client, chosen_on, site=other_site.pk) == other_site
    for name in ONE_SITE_PAGES:
        assert _site_on(client, name) == other_site, name
    page = client.get(reverse("clients:keyworkers")).content.decode()
    assert "Keyworkers at Hope House" in page
    dashboard = client.get(reverse("supervision:dashboard"))
    assert dashboard.context["chosen"] == [other_site]
    assert f'<option value="{other_site.pk}" selected>' in dashboard.content.decode()


def test_the_client_list_and_the_report_open_on_the_chosen_site(client, two_site_manager,
                                                                 other_site):
    _site_on(client, "plans:reviews", site=other_site.pk)
    selected = f'<option value="{other_site.pk}" selected>Hope House</option>'
    assert selected in client.get(reverse("clients:list")).content.decode()
    assert selected in client.get(reverse("supervision:report")).content.decode()


def test_all_my_sites_on_the_dashboard_is_remembered_too(client, two_site_manager, site,
                                                         other_site):
    _site_on(client, "plans:reviews", site=other_site.pk)
    client.get(reverse("supervision:dashboard"), {"site": ""})
    chosen = client.get(reverse("supervision:dashboard")).context["chosen"]
    assert set(chosen) == {site, other_site}
    # A page that shows one site at a time opens on the first of theirs.
    assert _site_on(client, "clients:keyworkers") == chosen[0]


def test_a_site_chosen_on_the_diary_week_is_remembered(client, two_site_manager, other_site):
    assert client.get(reverse("diary:site_week", args=[other_site.pk])).status_code == 200
    assert _site_on(client, "diary:settings") == other_site


@pytest.mark.parametrize("name", ONE_SITE_PAGES)
def test_a_site_that_is_not_theirs_is_refused(client, two_site_manager, other_site, name):
    stranger = SiteFactory(name="Far Away House", code="FA1")
    _site_on(client, "plans:reviews", site=other_site.pk)
    # Asked for on a page: ignored, the page shows their own choice, which stays.
    assert _site_on(client, name, site=stranger.pk) == other_site
    assert _site_on(client, name) == other_site
    assert "Far Away House" not in client.get(reverse(name), {"site": stranger.pk}) \
        .content.decode()


@pytest.mark.parametrize("junk", ["abc", "-1", "99999999999999999999", "1.5", "٣"])
def test_a_made_up_site_id_is_not_a_server_error(client, two_site_manager, junk):
    first = two_site_manager.sites.first()
    for name in ONE_SITE_PAGES:
        assert _site_on(client, name, site=junk) == first
    assert client.get(reverse("supervision:dashboard"), {"site": junk}).status_code == 200


def test_a_save_posted_for_a_site_that_is_not_theirs_is_refused(client, two_site_manager):
    stranger = SiteFactory(name="Far Away House", code="FA1")
    response = client.post(reverse("diary:settings"), {
        "site": stranger.pk, "sessions_per_week": 1, "edit_window_days": 7})
    assert response.status_code == 404
