"""What messaging adds to lower apps, registered from MessagingConfig.ready(): the client
file's "Reminders" section (consent, the last message, links to change and to the log),
and a notice to the client when the diary moves or cancels a booked session."""

from clients.extensions import FileSection, register_file_section
from diary import hooks as diary_hooks
from messaging import selectors, services


def _section(request, client):
    data = selectors.file_reminders(client)
    data["client"] = client
    return data


def register():
    register_file_section(FileSection(
        key="messaging_reminders", template="messaging/includes/reminders_section.html",
        load=_section, order=25, column="side"))
    if services.session_notices not in diary_hooks.session_changed:
        diary_hooks.session_changed.append(services.session_notices)
