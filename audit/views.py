"""Pages of the audit app: staying signed in, who opened a client's file, subject access."""

from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_POST

from audit import access, sessions
from audit import subject_access as subject_access_export
from audit.models import AccessEvent
from clients.access import client_for, client_page, require_manager


@require_POST
def keepalive(request):
    """"Stay signed in" on the idle warning: counts as activity, answers 204."""
    sessions.touch(request, force=True)
    return HttpResponse(status=204)


@client_page()
def client_access(request, pk):
    """Who has opened this client's records: for the client's managers only."""
    client = client_for(request, pk)
    require_manager(request, client.site_id)
    events = (AccessEvent.objects.for_user(request.user).filter(client=client)
              .select_related("user"))
    return render(request, "audit/client_access.html", {
        "client": client, "page": LogPage(events, request.GET.get("page"))})


class LogPage:
    """One page of a log, newest first, `PER_PAGE` entries, without counting the log: a
    client's log only grows (every opening of their file adds a line), and counting it for
    "page 1 of N" took longer than the rest of the page once it held 50,000 lines. One row
    more than the page is read to know whether there are older ones."""

    PER_PAGE = 50
    # Past this no log reaches (five million lines): asked for, the page is empty without
    # asking the database, whose offsets are 64-bit.
    LAST = 100_000
    paginator = None  # no count: includes/pagination.html says "Page N", not "of M"

    def __init__(self, queryset, number):
        self.number = int(number) if str(number or "").isdecimal() and int(number) > 0 else 1
        start = (self.number - 1) * self.PER_PAGE
        rows = list(queryset[start:start + self.PER_PAGE + 1]) if self.number <= self.LAST \
            else []
        self.object_list = rows[:self.PER_PAGE]
        self.has_next = len(rows) > self.PER_PAGE
        self.has_previous = self.number > 1
        self.next_page_number = self.number + 1
        self.previous_page_number = self.number - 1


@client_page()
def subject_access(request, pk):
    """A manager makes the subject access ZIP for one client: GET explains, POST makes it."""
    client = client_for(request, pk)
    require_manager(request, client.site_id)
    if request.method != "POST":
        return render(request, "audit/subject_access.html", {"client": client})
    # On the primary, never the reports replica: the export must hold every record, the
    # one saved a second ago included, and a replica that has fallen behind would leave
    # it out without a word.
    archive = subject_access_export.export_zip(client, by=request.user)
    access.record(request, kind=AccessEvent.Kind.SUBJECT_ACCESS, client=client)
    response = HttpResponse(archive, content_type="application/zip")
    response["Content-Disposition"] = (
        f'attachment; filename="{subject_access_export.filename(client)}"')
    response["Cache-Control"] = "private, no-store"
    return response
