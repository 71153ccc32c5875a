"""What portal adds to lower apps, registered from PortalConfig.ready(): the client file's
"Their own page" section (on or off, the send-a-link button, the client's latest notes),
the unread notes on their keyworker's Today (diary.hooks.due_sources), and the page turned
off as the client's stay ends or they move site (clients.extensions.client_leaving)."""

from clients.access import Access
from clients.extensions import FileSection, register_client_leaving, register_file_section
from diary import hooks as diary_hooks
from portal import selectors, services


def _section(request, client):
    # Only on the full file: a client not marked with the access decided gets nothing.
    if getattr(client, "access", None) != Access.FULL:
        return None
    data = selectors.file_section(client)
    data["client"] = client
    return data


def register():
    register_file_section(FileSection(
        key="portal_page", template="portal/includes/file_section.html",
        load=_section, order=26, column="side"))
    if selectors.unread_for not in diary_hooks.due_sources:
        diary_hooks.due_sources.append(selectors.unread_for)
    register_client_leaving(services.access_close_for_leaving)
