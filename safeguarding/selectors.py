"""Facts about safeguarding that more than one page shows."""

from safeguarding.models import Ban


def bans_in_force(client_ids, day):
    """{client id: [Ban]} for the bans keeping these clients out on `day`, newest first.

    One query whatever the number of clients; the door register warns with it at check-in
    and the client file shows it.
    """
    found = {}
    for ban in Ban.objects.in_force(day).filter(client_id__in=list(client_ids)).select_related(
            "decided_by").order_by("-starts_on", "-pk"):
        found.setdefault(ban.client_id, []).append(ban)
    return found
