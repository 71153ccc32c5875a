"""What portal adds to lower apps, registered from PortalConfig.ready(): the client file's
"Their own page" section (on or off, the send-a-link button, the client's latest notes),
and the unread notes on their keyworker's Today (diary.hooks.due_sources)."""

from clients.access import Access
from clients.extensions import FileSection, register_file_section
from diary import hooks as diary_hooks
from portal import selectors


def _section(request, client):
    if getattr(client, "access", Access.FULL) != Access.FULL:
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
