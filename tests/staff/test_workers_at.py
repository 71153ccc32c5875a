"""User.objects.workers_at(sites): the one home of "who can hold sessions and run groups
at these sites" (the booking, log, absence, group and safeguarding forms read it)."""

from staff.models import Site, User
from tests.factories import UserFactory


def test_the_active_keyworkers_and_managers_of_the_sites_by_name(
        site, other_site, keyworker, manager, administrator, other_site_keyworker):
    administrator.sites.add(site)
    UserFactory(role=User.Role.KEYWORKER, sites=[site], is_active=False)
    aaron = UserFactory(role=User.Role.KEYWORKER, first_name="A", last_name="Aa",
                        sites=[site])
    found = list(User.objects.workers_at([site]))
    assert found[0] == aaron
    assert set(found) == {aaron, keyworker, manager}
    names = [(u.first_name, u.last_name) for u in found]
    assert names == sorted(names)


def test_someone_at_two_of_the_sites_is_listed_once(site, other_site, other_site_keyworker):
    both = UserFactory(role=User.Role.MANAGER, sites=[site, other_site])
    found = list(User.objects.workers_at([site.pk, other_site.pk]))
    assert found.count(both) == 1
    assert other_site_keyworker in found


def test_it_takes_sites_their_ids_or_a_queryset_of_them(site, keyworker):
    for sites in ([site], [site.pk], Site.objects.filter(pk=site.pk)):
        assert list(User.objects.workers_at(sites)) == [keyworker]
