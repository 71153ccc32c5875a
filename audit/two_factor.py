"""Who must log in with a second factor: managers and administrators always, keyworkers
at a site that asks for it (Site.keyworkers_use_two_factor). Everyone else may opt in."""

from django.conf import settings

REQUIRED = "keywork_two_factor_required"


def required_for(user):
    if not settings.TWO_FACTOR_REQUIRED or not user.is_authenticated:
        return False
    if user.is_manager or user.is_administrator:
        return True
    return user.sites.filter(keyworkers_use_two_factor=True).exists()


def required(request):
    """required_for(request.user), worked out once per session (a keyworker's sites
    would cost a query on every page)."""
    if not settings.TWO_FACTOR_REQUIRED:
        return False
    if REQUIRED not in request.session:
        request.session[REQUIRED] = required_for(request.user)
    return request.session[REQUIRED]
