"""Pages of the audit app: staying signed in, who opened a client's file, subject access."""

from django.core.paginator import Paginator
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
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    return render(request, "audit/client_access.html", {"client": client, "page": page})


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
