"""Later apps add caseload columns and file sections through clients.extensions."""

import pytest
from django.urls import reverse

from clients import extensions


@pytest.fixture
def registered(monkeypatch):
    calls = []

    def load_column(user, clients):
        calls.append(len(clients))
        return {c.pk: f"next-{c.pk}" for c in clients}

    column = extensions.CaseloadColumn(key="probe", heading="Probe", on_list=True,
                                       template="tests/probe_cell.html", load=load_column)
    section = extensions.FileSection(key="probe", template="tests/probe_section.html",
                                     load=lambda request, client: {"text": "section-text"},
                                     summary=True)
    monkeypatch.setattr(extensions, "caseload_columns", [column])
    monkeypatch.setattr(extensions, "file_sections", [section])
    return calls


@pytest.fixture(autouse=True)
def probe_templates(settings, tmp_path):
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "probe_cell.html").write_text("<i>{{ value }}</i>")
    (tmp_path / "tests" / "probe_section.html").write_text("<b>{{ data.text }}</b>")
    engine = dict(settings.TEMPLATES[0])
    engine["DIRS"] = [tmp_path, *engine["DIRS"]]
    # Assigning the whole setting (not mutating it) makes Django reload its template engines.
    settings.TEMPLATES = [engine]


def test_a_registered_column_is_loaded_once_for_the_whole_caseload(client, keyworker,
                                                                   client_record, registered):
    client.force_login(keyworker)
    page = client.get(reverse("home")).content.decode()
    assert "<th scope=\"col\">Probe</th>" in page
    assert f"<i>next-{client_record.pk}</i>" in page
    assert registered == [1]


def test_a_summary_section_shows_to_site_colleagues(client, colleague, client_record,
                                                    registered):
    client.force_login(colleague)
    page = client.get(reverse("clients:detail", args=[client_record.pk])).content.decode()
    assert "<b>section-text</b>" in page
