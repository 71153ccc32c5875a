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


def test_the_chosen_site_is_read_as_the_orm_reads_it_and_only_if_it_is_theirs(
        two_site_manager, site, other_site, django_assert_num_queries):
    from keywork.lib.sites import _one_of, sites_of
    from staff.models import Site

    closed = SiteFactory(is_active=False)
    two_site_manager.sites.add(closed)
    stranger = SiteFactory()
    open_only, every = sites_of(two_site_manager), sites_of(two_site_manager, active_only=False)
    with django_assert_num_queries(1) as captured:
        read = _one_of(open_only, other_site.pk)
    assert "ORDER BY" not in captured.captured_queries[0]["sql"]
    orm = Site.objects.get(pk=other_site.pk)
    assert type(read) is Site
    for field in Site._meta.concrete_fields:
        mine, theirs = getattr(read, field.attname), getattr(orm, field.attname)
        assert (mine, type(mine)) == (theirs, type(theirs)), field.name  # True, not 1
    assert (read._state.db, read._state.adding) == (orm._state.db, False)
    assert _one_of(open_only, site.pk) == site
    assert _one_of(open_only, closed.pk) is None and _one_of(every, closed.pk) == closed
    assert _one_of(open_only, stranger.pk) is None and _one_of(every, stranger.pk) is None
    with django_assert_num_queries(0):
        assert _one_of(every, "99999999999999999999") is None
        assert _one_of(every, "0") is None
    # Any other set of sites is asked through the ORM, as before.
    assert _one_of(Site.objects.filter(pk=stranger.pk), stranger.pk) == stranger
