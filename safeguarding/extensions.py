"""What safeguarding adds to the client file, registered from SafeguardingConfig.ready():
the alerts of open concerns and incidents the user may read (and, for the others, only
that a restricted record exists), the risks they name for the team, and the bans in
force. One loader, four queries, on the full file and on the summary alike: what it
shows is filtered by the user (safeguarding.access), not by the kind of page."""

from django.utils.translation import gettext_lazy as _

from clients.extensions import FileSection, register_file_section
from safeguarding import selectors


def _alerts(request, client):
    user = request.user
    data = selectors.file_alerts(user, client)
    data["may_raise"] = not client.is_archived and not user.is_administrator
    data["may_ban"] = not client.is_archived and user.manages(client.site_id)
    shown = data["incidents"] or data["restricted"] or data["risks"] or data["bans"]
    if not (shown or data["may_raise"] or data["may_ban"]):
        return None
    data["shown"] = bool(shown)
    return data


def register():
    register_file_section(FileSection(
        key="safeguarding_alerts", template="safeguarding/includes/file_section.html",
        load=_alerts, order=4, summary=True, nav=_("Safeguarding"),
        anchor="safeguarding-heading"))
