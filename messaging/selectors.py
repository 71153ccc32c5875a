"""What the reminders pages, the job and the notices read about a client's messages."""

from dataclasses import dataclass

from django.db.models import OuterRef, Subquery

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


@dataclass(frozen=True)
class LastMessage:
    kind: str
    status: str
    at: object


def file_reminders(client):
    """The client file's section, in one query: the consent, and the last message with its
    status (a message is only ever written under a consent, and a consent is never
    deleted, so a client without one has no message)."""
    last = ClientMessage.objects.filter(client=OuterRef("client")).order_by("-created_at",
                                                                            "-pk")
    consent = (ReminderConsent.objects.filter(client=client).select_related("recorded_by")
               .annotate(last_kind=Subquery(last.values("kind")[:1]),
                         last_status=Subquery(last.values("status")[:1]),
                         last_at=Subquery(last.values("created_at")[:1])).first())
    message = None
    if consent is not None and consent.last_kind:
        message = LastMessage(ClientMessage.Kind(consent.last_kind).label,
                              ClientMessage.Status(consent.last_status).label,
                              consent.last_at)
    return {"consent": consent, "last": message}
