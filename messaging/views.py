"""The reminders pages: the consent and the messages sent (from the client file, for the
client's keyworker and the site's managers), the one-click opt-out (no login: the signed
link is the permission), Twilio's two webhooks (signed by Twilio) and Postmark's delivery
webhook (basic auth with ANYMAIL["WEBHOOK_SECRET"])."""

import logging

from anymail.exceptions import (
    AnymailConfigurationError,
    AnymailError,
    AnymailWebhookValidationFailure,
)
from anymail.webhooks.postmark import PostmarkTrackingWebhookView
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from twilio.request_validator import RequestValidator

from clients.access import client_for, client_page, not_a_client_page, require_open
from keywork.lib.forms import add_error
from messaging import providers, selectors, services, words
from messaging.forms import ConsentForm
from messaging.models import Channel, ReminderConsent

logger = logging.getLogger("keywork.messaging")

PAGE_SIZE = 25


@client_page()
def consent_edit(request, pk):
    client = client_for(request, pk)
    if response := require_open(request, client):
        return response
    consent = selectors.consent_of(client)
    initial = {}
    if consent is not None:
        initial = {"consents": "yes" if consent.consents else "no",
                   "channel": consent.channel, "phone": consent.phone,
                   "email": consent.email}
    form = ConsentForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.consent_set(client=client, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_error(form, error)
        else:
            messages.success(request, _("Consent to reminders saved."))
            return redirect(client)
    return render(request, "messaging/consent_form.html",
                  {"client": client, "form": form, "consent": consent})


@client_page()
def message_list(request, pk):
    client = client_for(request, pk)
    page = Paginator(selectors.messages_of(client), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "messaging/message_list.html",
                  {"client": client, "page": page, "consent": selectors.consent_of(client)})


@login_not_required
@not_a_client_page
def opt_out(request, token):
    """The link in every message. It shows nothing about the client, and the signature
    lets it stop only the consent it was made for."""
    consent = services.consent_from_token(token)
    if consent is None:
        raise Http404
    done = False
    if request.method == "POST":
        services.consent_withdraw(consent=consent, how=ReminderConsent.WithdrawnHow.LINK)
        done = True
    # In the language the client's messages speak: the link came in one of them.
    with words.speaking(words.language_of(consent.client)):
        return render(request, "messaging/opt_out.html", {"done": done})


def _twilio_request(request):
    """403 unless the request carries Twilio's signature of this address and its fields."""
    if settings.SMS_BACKEND != "twilio" or not settings.TWILIO_AUTH_TOKEN:
        raise PermissionDenied
    url = providers.public_url(request.get_full_path())
    signature = request.headers.get("X-Twilio-Signature", "")
    if not RequestValidator(settings.TWILIO_AUTH_TOKEN).validate(url, request.POST, signature):
        raise PermissionDenied


def _field(request, name, length):
    """A field of Twilio's POST, as text a database column can hold (no NUL byte, which
    Twilio never sends and PostgreSQL refuses)."""
    value = request.POST.get(name, "")
    return "" if "\x00" in value else value[:length]


def _twiml():
    return HttpResponse('<?xml version="1.0" encoding="UTF-8"?><Response></Response>',
                        content_type="text/xml")


@csrf_exempt
@login_not_required
@require_POST
def sms_status(request):
    """Twilio's delivery report for a text we sent."""
    _twilio_request(request)
    services.status_report(provider_id=_field(request, "MessageSid", 100),
                           status=_field(request, "MessageStatus", 20), channel=Channel.SMS,
                           error=_field(request, "ErrorCode", 20))
    return _twiml()


@csrf_exempt
@login_not_required
@require_POST
def sms_inbound(request):
    """A text to our number: STOP opts the sender out; anything else is kept on the
    client's message log and answered (once a day) that replies are not read."""
    _twilio_request(request)
    number, body = _field(request, "From", 20), _field(request, "Body", 1600)
    if services.is_stop(body):
        services.opt_out_by_reply(number=number, body=body)
    elif number:
        services.reply_received(number=number, body=body,
                                provider_id=_field(request, "MessageSid", 100))
    return _twiml()


_postmark_tracking = PostmarkTrackingWebhookView.as_view()


@csrf_exempt
@login_not_required
@require_POST
def email_status(request):
    """Postmark's delivery and bounce webhook, read by django-anymail's own view: it checks
    the basic auth against ANYMAIL["WEBHOOK_SECRET"] and sends anymail's `tracking` signal,
    which messaging.extensions hears. Refused (403) when no secret is set here, or the
    request's is wrong or missing."""
    if not settings.ANYMAIL.get("WEBHOOK_SECRET"):
        raise PermissionDenied
    try:
        return _postmark_tracking(request)
    except AnymailWebhookValidationFailure:
        raise PermissionDenied from None
    except (AnymailError, AnymailConfigurationError, KeyError, TypeError, ValueError):
        # Not one of Postmark's events (anymail reads the body once the secret is right),
        # or a fault of ours in hearing it: refused, and logged so that ours is seen.
        logger.exception("Postmark's webhook: the request was refused")
        return HttpResponseBadRequest()
