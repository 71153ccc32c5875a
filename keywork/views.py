"""Project-wide views: the health check and the styled CSRF failure page."""

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


@login_not_required
@never_cache
@require_GET
def healthz(request):
    """For load balancers and monitoring: is the database reachable, which version runs."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return JsonResponse({"database": "unreachable", "version": settings.VERSION}, status=503)
    return JsonResponse({"database": "ok", "version": settings.VERSION})


@login_not_required
def csrf_failure(request, reason=""):
    return render(request, "403_csrf.html", status=403)
