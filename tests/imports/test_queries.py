"""The import pages run a fixed number of queries, however many imports and problems."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from imports import files, sample, services

LIST_QUERIES = 6
DETAIL_QUERIES = 5


def _preview(manager, bad_rows):
    rows = [{**files.example("clients"), "old_reference": f"R{n}", "date_of_birth": "99/99/1999"}
            for n in range(bad_rows)] or [files.example("clients")]
    upload = SimpleUploadedFile("clients.csv", sample.as_csv("clients", rows))
    return services.batch_preview(uploads={"clients": upload}, by=manager)


@pytest.mark.parametrize("size", [1, 6])
def test_the_import_list_runs_a_fixed_number_of_queries(client, manager, keyworker,
                                                        django_assert_max_num_queries, size):
    for _n in range(size):
        _preview(manager, 0)
    client.force_login(manager)
    with django_assert_max_num_queries(LIST_QUERIES):
        response = client.get(reverse("imports:list"))
    assert response.content.decode().count("Import ") >= size


@pytest.mark.parametrize("bad_rows", [2, 120])
def test_an_imports_page_runs_a_fixed_number_of_queries(client, manager, keyworker,
                                                        django_assert_max_num_queries,
                                                        bad_rows):
    batch = _preview(manager, bad_rows)
    client.force_login(manager)
    with django_assert_max_num_queries(DETAIL_QUERIES):
        response = client.get(reverse("imports:detail", args=[batch.pk]))
    page = response.content.decode()
    assert f"{bad_rows} problems" in page
    assert "Row 2: date of birth 99/99/1999 is not a date (use DD/MM/YYYY)." in page
