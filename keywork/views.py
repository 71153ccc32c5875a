"""Project-wide views: where `/` lands, the health check, the glossary, the styled CSRF
failure page and the error page for a database that cannot be reached or refuses a write."""

import re
import sys

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.db import DatabaseError, InterfaceError, InternalError, OperationalError, connection
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template import loader
from django.utils.cache import add_never_cache_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.text import capfirst
from django.views import defaults
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_safe

from clients import views as clients_views
from staff import views as staff_views

# The database could not be reached or refused to write (a restart, a full disk, a
# read-only file, "database is locked"): trouble of the moment, where trying again later
# works. An IntegrityError or a ProgrammingError is a bug, and gets the plain 500 page.
UNAVAILABLE = (OperationalError, InternalError, InterfaceError)
# Form fields that are the form's own bookkeeping, not what the person wrote.
NOT_TYPED = {"csrfmiddlewaretoken", "version", "lock_version", "submit", "next"}
MANAGEMENT_FORM = ("-TOTAL_FORMS", "-INITIAL_FORMS", "-MIN_NUM_FORMS", "-MAX_NUM_FORMS")
SECRET_WORDS = ("password", "token", "otp")


def home(request):
    """Where a person lands after logging in and on `/`: where their work is. A keyworker's
    caseload; a manager's dashboard; anyone else the greeting page (also at `team`, from
    the menu)."""
    if request.user.is_keyworker:
        return clients_views.caseload(request)
    if request.user.is_manager:
        return redirect("supervision:dashboard")
    return staff_views.home(request)


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


@require_safe
def glossary(request):
    """The words of the product in plain language, from the help menu: every role, since
    it names no client. The stage-of-change ratings come from stages.models.Rating."""
    return render(request, "glossary.html")


@login_not_required
def csrf_failure(request, reason=""):
    return render(request, "403_csrf.html", status=403)


def server_error(request):
    """handler500. When the database could not be reached or refused the write, a 503
    that says so and shows the person what they had just sent; any other error gets the
    500 page. Rendered without the request, as Django's own 500 page is, so that nothing
    on it needs the database (no menu, no user): session.js then keeps the form's draft,
    as it does when a save lands on the login page, and puts it back in the form."""
    if not _unavailable(sys.exception()):
        return defaults.server_error(request)
    return _unavailable_page(request)


def bad_request(request, exception):
    """handler400. A session that could not be saved because the database had gone away
    mid-request (Django's SessionInterrupted, raised from the DatabaseError) is the
    database's trouble, not the request's: the 503 page (seen in the failover rehearsal)."""
    cause, depth = exception, 0
    while cause is not None and depth < 10:
        if _unavailable(cause):
            return _unavailable_page(request)
        cause, depth = cause.__cause__ or cause.__context__, depth + 1
    return defaults.bad_request(request, exception)


def _unavailable_page(request):
    if request.method == "POST":
        # Back to the page the form was on (session.js keeps its draft under that address).
        back = request.headers.get("Referer", "")
        if not url_has_allowed_host_and_scheme(back, {request.get_host()},
                                               require_https=request.is_secure()):
            back = request.path
        context = {"typed": _typed_text(request), "back": back}
    else:
        context = {"typed": None, "back": request.get_full_path()}
    page = loader.render_to_string("503.html", context)
    response = HttpResponse(page, status=503)
    response["Retry-After"] = "60"
    # The page may hold what was typed about a client: never kept by a browser or a proxy.
    add_never_cache_headers(response)
    return response


def _unavailable(error):
    """Django's own errors, or the driver's where Django does not wrap them: closing a
    server-side cursor (QuerySet.iterator(), a form's choices) on a connection the server
    has dropped raises psycopg's OperationalError itself (seen in the failover rehearsal,
    tests/load/test_failover.py)."""
    driver = connection.Database
    return isinstance(error, UNAVAILABLE + (driver.OperationalError, driver.InternalError,
                                            driver.InterfaceError))


def _typed_text(request):
    """[(label, text, rows)] for what the person wrote in the form they sent: every value
    with a letter in it (not ids, dates or times), leaving out the form's bookkeeping,
    passwords and codes; `rows` for a box that shows it whole."""
    typed = []
    for name, values in request.POST.lists():
        if (name in NOT_TYPED or name.endswith(MANAGEMENT_FORM)
                or any(word in name.lower() for word in SECRET_WORDS)):
            continue
        typed += [(_label(name), value, min(12, value.count("\n") + 1 + len(value) // 90))
                  for value in values if any(character.isalpha() for character in value)]
    return typed


def _label(name):
    """A field's name as a person reads it: "next_steps" is "Next steps", "actions-0-what"
    (the first row of a formset) is "Actions 1: what"."""
    if row := re.fullmatch(r"(\w+)-(\d+)-(\w+)", name):
        return (f"{capfirst(row[1].replace('_', ' '))} {int(row[2]) + 1}: "
                f"{row[3].replace('_', ' ')}")
    return capfirst(name.replace("_", " ").replace("-", " "))
