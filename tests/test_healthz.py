from unittest import mock

from django.db import OperationalError


def test_healthz_answers_without_login(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"database": "ok", "version": "0.1.0"}


def test_healthz_is_503_when_the_database_is_down(client, db):
    with mock.patch("keywork.views.connection.cursor", side_effect=OperationalError("down")):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == "unreachable"
