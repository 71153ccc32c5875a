"""User.manages(site): the one test of "manager at this site"."""

import pytest

from staff.models import User
from tests.factories import UserFactory


def test_a_manager_manages_their_own_site_only(manager, site, other_site):
    assert manager.manages(site)
    assert not manager.manages(other_site)


def test_it_takes_a_site_or_its_id(manager, site, other_site):
    assert manager.manages(site.pk)
    assert not manager.manages(other_site.pk)


def test_keyworkers_and_administrators_manage_no_site(keyworker, administrator, site):
    administrator.sites.add(site)
    assert not keyworker.manages(site)
    assert not administrator.manages(site)


def test_a_manager_of_two_sites_manages_both(site, other_site):
    both = UserFactory(role=User.Role.MANAGER, sites=[site, other_site])
    assert both.manages(site) and both.manages(other_site)


def test_asking_again_costs_no_query(manager, site, other_site, django_assert_num_queries):
    with django_assert_num_queries(1):
        for _ in range(3):
            assert manager.manages(site)
            assert not manager.manages(other_site)


def test_a_keyworker_is_not_asked_for_their_sites(keyworker, site, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert not keyworker.manages(site)


def test_sites_fetched_with_the_user_are_used(manager, site, django_assert_num_queries):
    fetched = User.objects.prefetch_related("sites").get(pk=manager.pk)
    with django_assert_num_queries(0):
        assert fetched.manages(site)


def test_a_new_site_counts_from_the_next_request(manager, other_site):
    """The sites are read once per User object; each request loads its user afresh."""
    assert not manager.manages(other_site)
    manager.sites.add(other_site)
    assert User.objects.get(pk=manager.pk).manages(other_site)


@pytest.mark.parametrize("role", [User.Role.KEYWORKER, User.Role.MANAGER])
def test_works_at_is_about_the_sites_whatever_the_role(site, other_site, role):
    worker = UserFactory(role=role, sites=[site])
    assert worker.works_at(site)
    assert not worker.works_at(other_site.pk)
