"""Cached page fragments: dropped by any write, never shown to another user."""

import pytest
from django.urls import reverse

from clients.models import Client
from keywork.lib import cache


@pytest.mark.parametrize(("sql", "watched"), [
    ('INSERT INTO "clients_client" ("site_id") VALUES (%s)', True),
    ('UPDATE "diary_keyworksession" SET "status" = %s', True),
    ('DELETE FROM "plans_goal" WHERE "id" = %s', True),
    ('SELECT "clients_client"."id" FROM "clients_client"', False),
    ('UPDATE "django_session" SET "session_data" = %s', False),
    ('INSERT INTO "audit_accessevent" ("user_id") VALUES (%s)', False),
    ('INSERT INTO "axes_accessattempt" ("username") VALUES (%s)', False),
])
def test_writes_to_tables_pages_show_are_watched(sql, watched):
    assert cache.watched(sql) is watched


def test_any_write_moves_the_generation_even_a_queryset_update(client_record):
    before = cache.generation()
    Client.objects.filter(pk=client_record.pk).update(alerts="Allergic to penicillin")
    assert cache.generation() != before


def test_a_bulk_load_moves_the_generation_once_at_its_end(client_record):
    before = cache.generation()
    with cache.bulk_load():
        Client.objects.filter(pk=client_record.pk).update(alerts="Allergic to penicillin")
        assert cache.generation() == before
    assert cache.generation() != before
    # and writes after it move it again, one by one
    after = cache.generation()
    Client.objects.filter(pk=client_record.pk).update(alerts="Ring first")
    assert cache.generation() != after


def test_a_read_leaves_the_generation_alone(client_record):
    before = cache.generation()
    list(Client.objects.all())
    assert cache.generation() == before


def test_the_caseload_shows_a_change_made_after_it_was_cached(client, keyworker,
                                                              client_record):
    client.force_login(keyworker)
    assert "Do not visit alone" in client.get(reverse("home")).content.decode()
    Client.objects.filter(pk=client_record.pk).update(alerts="Ring before visiting")
    page = client.get(reverse("home")).content.decode()
    assert "Ring before visiting" in page
    assert "Do not visit alone" not in page


def test_a_cached_fragment_is_never_shown_to_another_user(client, keyworker, colleague,
                                                          client_record):
    client.force_login(keyworker)
    assert "Dee" in client.get(reverse("home")).content.decode()
    client.force_login(colleague)
    assert "Dee" not in client.get(reverse("home")).content.decode()


def test_forms_in_a_cached_fragment_carry_the_requests_own_csrf_token(client, keyworker,
                                                                      client_record):
    client.force_login(keyworker)
    url = reverse("clients:detail", args=[client_record.pk])
    client.get(url)
    page = client.get(url).content.decode()
    assert cache.CSRF_PLACEHOLDER not in page
    assert 'name="csrfmiddlewaretoken" value="' in page


def test_a_fragment_is_kept_only_until_its_time_is_up(client_record, travel):
    calls = []
    for _n in range(2):
        cache.cached("key", lambda: calls.append(1) or "value")
    assert len(calls) == 1
    cache.cached("short", lambda: calls.append(1) or "value", timeout=0)
    cache.cached("short", lambda: calls.append(1) or "value", timeout=0)
    assert len(calls) == 3
    travel(days=1)
    cache.cached("key", lambda: calls.append(1) or "value")
    assert len(calls) == 4


def test_a_fragment_is_kept_per_language(client_record):
    from django.utils import translation

    made = []
    for language in ("en-gb", "cy", "en-gb"):
        with translation.override(language):
            cache.cached("words", lambda: made.append(translation.get_language()) or "text")
    assert made == ["en-gb", "cy"]


@pytest.mark.parametrize(("sql", "watched"), [
    ('INSERT INTO "portal_signin" ("access_id") VALUES (%s)', False),
    ('UPDATE "portal_signin" SET "tries" = %s, "void_at" = %s WHERE "id" = %s', False),
    ('UPDATE "portal_portalaccess" SET "last_signed_in_at" = %s WHERE '
     '"portal_portalaccess"."id" = %s', False),
    ('UPDATE "portal_portalaccess" SET "is_on" = %s, "last_signed_in_at" = %s WHERE '
     '"portal_portalaccess"."id" = %s', True),
    ('UPDATE "portal_portalaccess" SET "phone" = %s WHERE "id" = %s', True),
])
def test_a_clients_sign_in_is_not_watched_but_their_page_is(sql, watched):
    assert cache.watched(sql) is watched


def test_a_client_asking_for_a_code_and_signing_in_keeps_the_staff_pages_cache(
        client_record, keyworker, monkeypatch):
    """Anyone may ask at /me/sign-in/: were its writes watched, each ask would empty every
    staff page's cache."""
    from portal import services

    monkeypatch.setattr(services, "_deliver",
                        lambda **kw: type("Sent", (), {"provider_id": "x", "error": "",
                                                       "failed": False})())
    access = services.access_set(client=client_record, by=keyworker, is_on=True,
                                 phone="07700 900123")
    before = cache.generation()
    [row] = services.code_send(channel="sms", address="+447700900123")
    services.code_check(address="+447700900123", code="12345")
    services.signed_in(access=access)
    row.refresh_from_db()
    assert row.tries == 1 and cache.generation() == before
