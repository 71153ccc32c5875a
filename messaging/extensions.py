"""What messaging adds to lower apps, registered from MessagingConfig.ready(): the client
file's "Reminders" section (consent, the last message, links to change and to the log),
and a notice to the client when the diary moves or cancels a booked session. It also
hears django-anymail's tracking signal: Postmark's delivery reports of e-mails."""

from anymail.signals import tracking
from anymail.webhooks.postmark import PostmarkTrackingWebhookView

from clients.extensions import FileSection, register_file_section
from diary import hooks as diary_hooks
from messaging import selectors, services


def _section(request, client):
    data = selectors.file_reminders(client)
    data["client"] = client
    return data


def _email_tracked(sender, event, esp_name, **kwargs):
    """Postmark's event about an e-mail, normalized by anymail (messaging:email_status)."""
    message_id = event.message_id if isinstance(event.message_id, str) else ""
    if not message_id or "\x00" in message_id or len(message_id) > 100:
        return  # not the id of anything we sent
    services.email_event(provider_id=message_id, event_type=event.event_type,
                         reject_reason=event.reject_reason)


def register():
    register_file_section(FileSection(
        key="messaging_reminders", template="messaging/includes/reminders_section.html",
        load=_section, order=25, column="side"))
    if services.session_notices not in diary_hooks.session_changed:
        diary_hooks.session_changed.append(services.session_notices)
    tracking.connect(_email_tracked, sender=PostmarkTrackingWebhookView,
                     dispatch_uid="messaging_email_tracked")
