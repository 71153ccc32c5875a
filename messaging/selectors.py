"""What the reminders pages, the job and the notices read about a client's messages."""

from messaging.models import ClientMessage, ReminderConsent


def consent_of(client):
    """The client's consent to reminders (ReminderConsent), or None when none is recorded."""
    return ReminderConsent.objects.filter(client=client).select_related("recorded_by").first()


def reachable(consent):
    """Reminders go to this consent now: agreed, and not withdrawn."""
    return consent is not None and consent.consents and bool(consent.address)


def messages_of(client):
    """Every message to the client, newest first (the log page, paginated)."""
    return ClientMessage.objects.filter(client=client).order_by("-created_at", "-pk")


def file_reminders(client):
    """The client file's section: the consent, and the last message with its status."""
    return {"consent": consent_of(client), "last": messages_of(client).first()}
