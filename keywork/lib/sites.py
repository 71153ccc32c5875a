"""The site picker: which of their sites a page is about, remembered from page to page.

A manager of two houses who chooses Oak House on the keyworker list finds Oak House again
on the dashboard, the review list, the agencies and the diary settings, until they choose
another. Every page with a site choice asks `site_choice`.
"""

from django.http import Http404

from keywork.lib.every_request import SiteOfUser

SESSION_KEY = "site_id"
_NOT_CHOSEN = object()
_site_of_user = SiteOfUser()


def sites_of(user, *, active_only=True):
    """The user's sites (only the open ones, unless `active_only` is False), as a queryset
    in which `site_choice` finds the chosen one by a query written once."""
    sites = user.sites.filter(is_active=True) if active_only else user.sites.all()
    sites.keywork_sites_of = (user.pk, active_only)
    return sites


def _one_of(sites, site_id):
    site_id = str(site_id)
    if not (site_id.isascii() and site_id.isdecimal()):
        return None
    owner = getattr(sites, "keywork_sites_of", None)
    if owner is not None:
        user_id, active_only = owner
        return _site_of_user.get(user_id, int(site_id), active_only)
    return sites.filter(pk=int(site_id)).first()


def remember_site(request, site):
    """Remember `site` (None: all of them) as the one this person looks at."""
    value = site.pk if site is not None else None
    if request.session.get(SESSION_KEY, _NOT_CHOSEN) != value:
        request.session[SESSION_KEY] = value


def site_choice(request, sites, *, all_sites=False):
    """The site among `sites` (the user's) that the page is about.

    `?site=<id>` (or a posted `site`) chooses it and is remembered for every page with a
    site choice; without one, the site chosen last; else the first of `sites`. An id that
    is not one of `sites` (someone else's site, a mistyped address) is ignored when a page
    is read, and refused (404) when a form is posted: a save must never land on another
    site than the one asked for. No site at all: 404.

    A page that can show all of `sites` at once passes `all_sites=True`: None stands for
    all of them, is its default, and an empty `?site=` chooses it.
    """
    asked = request.GET.get("site")
    if asked is None:
        asked = request.POST.get("site")
    if asked == "" and all_sites:
        remember_site(request, None)
        return None
    if asked:
        if site := _one_of(sites, asked):
            remember_site(request, site)
            return site
        if request.method == "POST":
            raise Http404
    remembered = request.session.get(SESSION_KEY, _NOT_CHOSEN)
    if remembered is None and all_sites:
        return None
    if remembered not in (None, _NOT_CHOSEN) and (site := _one_of(sites, remembered)):
        return site
    if all_sites:
        return None
    if (site := sites.first()) is None:
        raise Http404
    return site
