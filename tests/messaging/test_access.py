"""Who may open each reminders URL: every role, GET and POST. The consent and the log are
the client's keyworker's and the site's managers'. The opt-out link is the one page
anyone may open without a login: its signature is the permission, and it stops only the
consent it was made for. Twilio's webhooks answer only what Twilio signed, Postmark's only
a POST with the webhook's secret (here set, and not sent)."""

import pytest
from django.urls import reverse

from messaging import services
from messaging.models import ClientMessage, ReminderConsent
from tests.clients.test_access import LOGIN, OK, ROLES, assert_outcome, sign_in

PUBLIC = "public"  # no login: 200 for everyone, the same page

MATRIX = {
    "messaging:messages": ((LOGIN, OK, 403, 404, OK, 404, 404),
                           (LOGIN, OK, 403, 404, OK, 404, 404)),
    "messaging:consent": ((LOGIN, OK, 403, 404, OK, 404, 404),
                          (LOGIN, OK, 403, 404, OK, 404, 404)),
    "messaging:opt_out": ((OK,) * 7, (OK,) * 7),
    "messaging:sms_status": ((405,) * 7, (403,) * 7),
    "messaging:sms_inbound": ((405,) * 7, (403,) * 7),
    "messaging:email_status": ((405,) * 7, (403,) * 7),
}


@pytest.fixture
def consent(client_record, keyworker):
    return services.consent_set(client=client_record, by=keyworker, consents=True,
                                channel="sms", phone="07700 900123")


def url_of(name, client_record, consent):
    if name == "messaging:opt_out":
        return reverse(name, args=[services.opt_out_token(consent)])
    if name in {"messaging:sms_status", "messaging:sms_inbound", "messaging:email_status"}:
        return reverse(name)
    return reverse(name, args=[client_record.pk])


@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize("name", MATRIX)
@pytest.mark.parametrize("role", ROLES)
def test_each_role_gets_only_what_the_access_rules_allow(client, request, settings,
                                                         client_record, consent, role, name,
                                                         method):
    settings.SMS_BACKEND, settings.TWILIO_AUTH_TOKEN = "twilio", "a-token"
    settings.ANYMAIL = settings.ANYMAIL | {"WEBHOOK_SECRET": "postmark:a-secret"}
    sign_in(client, request, role)
    expected = MATRIX[name][0 if method == "get" else 1][ROLES.index(role)]
    response = getattr(client, method)(url_of(name, client_record, consent))
    assert_outcome(response, expected, method)


def test_the_matrix_covers_every_messaging_url():
    from messaging.urls import urlpatterns

    assert {f"messaging:{p.name}" for p in urlpatterns} == set(MATRIX)


def _snapshot():
    return (list(ReminderConsent.objects.order_by("pk").values()),
            list(ClientMessage.objects.order_by("pk").values()))


@pytest.mark.parametrize("role", ["anonymous", "colleague", "other_site_keyworker",
                                  "other_site_manager", "administrator"])
def test_a_refused_consent_post_changes_nothing(client, request, client_record, consent,
                                                role):
    sign_in(client, request, role)
    before = _snapshot()
    client.post(reverse("messaging:consent", args=[client_record.pk]),
                {"consents": "no", "channel": "sms", "phone": ""})
    assert _snapshot() == before


@pytest.mark.parametrize("role", ["keyworker", "manager"])
def test_the_keyworker_and_the_manager_record_consent(client, request, client_record, role):
    user = sign_in(client, request, role)
    response = client.post(reverse("messaging:consent", args=[client_record.pk]),
                           {"consents": "yes", "channel": "sms", "phone": "07700 900123"})
    assert response.status_code == 302
    consent = ReminderConsent.objects.get(client=client_record)
    assert (consent.consents, consent.phone, consent.recorded_by) == (True, "+447700900123",
                                                                      user)


def test_the_opt_out_link_of_one_client_leaves_the_others(client, client_record, consent,
                                                           colleagues_client, colleague):
    robs = services.consent_set(client=colleagues_client, by=colleague, consents=True,
                                channel="email", email="rob@example.org")
    client.post(reverse("messaging:opt_out", args=[services.opt_out_token(consent)]))
    consent.refresh_from_db()
    robs.refresh_from_db()
    assert not consent.consents
    assert robs.consents
