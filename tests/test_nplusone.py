"""The N+1 guard is on for every request the test suite makes, and it fails the test."""

import pytest
from django.conf import settings
from django.http import HttpResponse
from zeal.errors import NPlusOneError
from zeal.middleware import zeal_middleware

from staff.models import User


def test_the_guard_watches_every_request_of_the_suite():
    assert settings.MIDDLEWARE[0] == "zeal.middleware.zeal_middleware"


def test_a_page_that_queries_once_per_row_fails_its_test(rf, keyworker, colleague):
    def staff_page(request):
        return HttpResponse(", ".join(f"{user}: {list(user.sites.all())}"
                                      for user in User.objects.all()))

    with pytest.raises(NPlusOneError, match="staff.User.sites"):
        zeal_middleware(staff_page)(rf.get("/"))


def test_the_same_page_with_a_prefetch_passes(rf, keyworker, colleague):
    def staff_page(request):
        return HttpResponse(", ".join(f"{user}: {list(user.sites.all())}"
                                      for user in User.objects.prefetch_related("sites")))

    assert zeal_middleware(staff_page)(rf.get("/")).status_code == 200
