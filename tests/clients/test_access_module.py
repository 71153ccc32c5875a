"""clients.access: the rule, and the helpers pages call to apply it."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.contrib.messages.storage.fallback import FallbackStorage
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.test import RequestFactory

from clients import access
from clients.access import Access
from clients.models import Client
from tests.factories import AllocationFactory, ClientFactory


def request_by(user):
    request = RequestFactory().get("/")
    request.user = user
    request.session = {}
    request._messages = FallbackStorage(request)
    return request


@pytest.mark.parametrize(("at_site", "allocated", "as_manager", "as_keyworker"), [
    (True, True, Access.FULL, Access.FULL),
    (True, False, Access.FULL, Access.SUMMARY),
    (False, True, None, None),
    (False, False, None, None),
])
def test_decide(manager, keyworker, at_site, allocated, as_manager, as_keyworker):
    assert access.decide(manager, at_site=at_site, allocated=allocated) == as_manager
    assert access.decide(keyworker, at_site=at_site, allocated=allocated) == as_keyworker


def test_administrators_and_strangers_never_read_a_file(administrator):
    for user in (administrator, AnonymousUser()):
        assert access.decide(user, at_site=True, allocated=True) is None
        assert not access.clients_for(user).exists()


def test_clients_for_narrows_a_queryset_it_is_given(site, keyworker, client_record):
    other = ClientFactory(site=site)
    AllocationFactory(client=other, worker=keyworker)
    chosen = Client.objects.filter(pk=other.pk)
    assert list(access.clients_for(keyworker, Access.FULL, queryset=chosen)) == [other]


def test_the_one_client_question_is_compiled_once(keyworker, client_record,
                                                  django_assert_num_queries):
    access.access_level(keyworker, client_record)
    with django_assert_num_queries(1) as queries:
        assert access.access_level(keyworker, client_record) == Access.FULL
    assert "clients_allocation" in queries.captured_queries[0]["sql"]
    assert access._one_client_sql.cache_info().hits >= 1


def test_client_for_gives_the_client_with_its_level(keyworker, client_record):
    found = access.client_for(request_by(keyworker), client_record.pk)
    assert found == client_record
    assert found.access == Access.FULL


def test_a_colleague_gets_the_summary_and_no_more(colleague, client_record):
    request = request_by(colleague)
    assert access.client_access(request, client_record.pk, Access.SUMMARY) == Access.SUMMARY
    with pytest.raises(PermissionDenied):
        access.client_for(request, client_record.pk)


def test_another_sites_staff_are_told_nothing_exists(other_site_manager, client_record):
    with pytest.raises(Http404):
        access.client_for(request_by(other_site_manager), client_record.pk, Access.SUMMARY)


def test_require_client_asks_of_a_record_reached_by_its_own_id(colleague, keyworker,
                                                             client_record):
    assert access.require_client(request_by(keyworker), client_record) == Access.FULL
    with pytest.raises(PermissionDenied):
        access.require_client(request_by(colleague), client_record)


def test_require_manager(manager, keyworker, site, other_site):
    access.require_manager(request_by(manager))
    access.require_manager(request_by(manager), site)
    access.require_manager(request_by(manager), site.pk)
    with pytest.raises(Http404):
        access.require_manager(request_by(manager), other_site)
    with pytest.raises(PermissionDenied):
        access.require_manager(request_by(keyworker), site)


def test_require_open_sends_back_to_the_file_of_a_client_who_left(manager, site):
    left = ClientFactory(site=site, status=Client.Status.DISCHARGED)
    response = access.require_open(request_by(manager), left)
    assert response.status_code == 302
    assert response.url == left.get_absolute_url()
    assert access.require_open(request_by(manager), ClientFactory(site=site)) is None


def test_a_page_declares_its_client():
    @access.client_page("plans.Plan", download=True)
    def page(request, pk):
        return None

    @access.not_a_client_page
    def other(request, pk):
        return None

    def silent(request, pk):
        return None

    assert access.declaration_of(page) == access.ClientPage("plans.Plan", "pk", True, True)
    assert access.declaration_of(other) is None
    assert access.declaration_of(silent) is access.UNDECLARED
