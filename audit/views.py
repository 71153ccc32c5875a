"""Pages of the audit app: staying signed in, who opened a client's file, subject access."""

from django.http import HttpResponse
from django.views.decorators.http import require_POST

from audit import sessions


@require_POST
def keepalive(request):
    """"Stay signed in" on the idle warning: counts as activity, answers 204."""
    sessions.touch(request, force=True)
    return HttpResponse(status=204)

