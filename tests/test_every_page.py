"""What every page pays, whatever its data: a page with nothing of its own (the glossary)
asks the database only who is logged in, for each role."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse


@pytest.mark.parametrize("role", ["keyworker", "manager", "administrator"])
def test_a_page_with_no_data_of_its_own_asks_only_who_is_logged_in(db, client, request, role):
    user = request.getfixturevalue(role)
    client.force_login(user)
    client.get(reverse("glossary"))  # the menu's fragment cached, as after any first page
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("glossary"))
    assert response.status_code == 200
    tables = [query["sql"].split(" FROM ")[1].split()[0].strip('"') for query in queries]
    assert tables == ["staff_user"]
