"""The crawl's pure parts: what a page links to, and one URL per kind of page."""

import pytest

from bench.crawl import Crawler, Frontier, Link, PageLinks, same_site, unreached_reason

KINDS = {
    "/": "home",
    "/clients/": "clients:list",
    "/clients/1/": "clients:detail",
    "/clients/2/": "clients:detail",
    "/reports/": "supervision:report",
    "/reports/export.csv": "supervision:report_export",
    "/logout/": "logout",
    "/admin/": "admin:index",
}


def crawl_order(frontier):
    steps = []
    while step := frontier.pop():
        steps.append(step)
    return steps


def test_the_first_link_of_each_kind_is_kept_and_the_others_dropped():
    frontier = Frontier(KINDS.get)
    frontier.add("home", [Link("/clients/2/"), Link("/clients/"), Link("/clients/1/?tab=x"),
                          Link("/nowhere/"), Link("/clients/")])
    assert crawl_order(frontier) == [("kind", "home", "clients:detail", Link("/clients/2/")),
                                     ("kind", "home", "clients:list", Link("/clients/"))]


def test_logout_and_the_admin_are_never_followed():
    frontier = Frontier(KINDS.get)
    frontier.add("home", [Link("/logout/"), Link("/admin/"), Link("/")])
    assert [view for _action, _from, view, _link in crawl_order(frontier)] == ["home"]


def test_a_get_forms_answer_is_read_once_more_for_its_links_though_its_kind_is_known():
    frontier = Frontier(KINDS.get)
    frontier.add("home", [Link("/reports/")])
    frontier.pop()
    frontier.add("supervision:report", [Link("/reports/?period=quarter", form=True),
                                        Link("/reports/?period=quarter", form=True),
                                        Link("/reports/?period=year")])
    assert crawl_order(frontier) == [
        ("form", "supervision:report", "supervision:report",
         Link("/reports/?period=quarter", form=True))]


def test_a_kind_found_from_two_pages_is_credited_to_the_first_breadth_first():
    frontier = Frontier(KINDS.get)
    frontier.add("home", [Link("/clients/")])
    frontier.add("clients:list", [Link("/clients/1/")])
    frontier.add("home", [Link("/clients/2/")])
    assert [(found, link.url) for _a, found, _v, link in crawl_order(frontier)] == [
        ("home", "/clients/"), ("clients:list", "/clients/1/")]


PAGE = """<!doctype html><html><head>
<link rel="stylesheet" href="/static/app.css"><link rel="icon" href="/static/i.svg">
<link rel="preconnect" href="/nowhere"><script src="/static/app.js"></script></head><body>
<a href="/clients/">Clients</a> <a href="https://example.org/">away</a> <a href="#top">top</a>
<a href="mailto:x@example.org">mail</a> <a href="http://127.0.0.1/clients/1/">one</a>
<span data-hx-get="/diary/today/count/" data-hx-trigger="load"></span>
<form method="get" action="/reports/" data-hx-get="/reports/" data-hx-target="#results">
  <select name="site"><option value="">All</option><option value="3" selected>BIG</option></select>
  <select name="period"><option value="quarter">Quarter</option>
    <option value="year">Year</option></select>
  <input type="checkbox" name="closed" value="1">
  <input type="checkbox" name="open" value="1" checked>
  <input name="q" value="smi"><input name="old" value="x" disabled>
  <input type="submit" name="go" value="Show"></form>
<form method="post" action="/clients/1/end/"><input name="why"></form>
<button data-hx-post="/diary/contacts/"></button>
</body></html>"""


def parsed():
    page = PageLinks()
    page.feed(PAGE)
    return page


def test_a_page_gives_its_links_its_htmx_requests_and_its_get_forms_as_submitted():
    links = parsed().links
    assert Link("/clients/") in links
    assert Link("/diary/today/count/", hx="*") in links
    assert Link("/reports/?site=3&period=quarter&open=1&q=smi", form=True) in links


def test_a_page_gives_the_static_files_it_loads_and_the_urls_it_posts_to():
    page = parsed()
    assert page.assets == ["/static/app.css", "/static/i.svg", "/static/app.js"]
    assert page.posts == ["/clients/1/end/", "/diary/contacts/"]


def test_only_this_sites_pages_are_followed():
    assert same_site("/clients/", "/") == "/clients/"
    assert same_site("edit/", "/clients/1/") == "/clients/1/edit/"
    assert same_site("http://127.0.0.1/clients/1/?a=b", "/") == "/clients/1/?a=b"
    for away in ("https://example.org/", "#top", "mailto:x@example.org", "javascript:void(0)"):
        assert same_site(away, "/") is None


def test_a_url_name_not_reached_says_why():
    def view():
        pass

    def open_view():
        pass

    open_view.login_required = False
    assert unreached_reason("admin:index", view, set()).startswith("the admin")
    assert unreached_reason("logout", view, set()) == "ends the session"
    assert unreached_reason("diary:contact_log", view, {"diary:contact_log"}) \
        == "a form's POST target (not a page)"
    assert unreached_reason("login", open_view, set()).startswith("open without a login")
    assert unreached_reason("plans:paper_file", view, set()).startswith("no page reached")


@pytest.mark.django_db
def test_a_page_is_timed_warm_and_again_right_after_a_write(client, keyworker):
    from keywork.lib.cache import generation

    client.force_login(keyworker)
    crawler = Crawler("keyworker", client.session.session_key, {})
    before = generation()
    kind, _page = crawler.measure("diary:today", Link("/diary/today/"))
    assert kind.status == 200 and kind.crawl_ms > 0 and kind.after_write_ms > 0
    assert kind.after_write_status == 200
    # The warm request's queries, counted before the second request cleared the log.
    assert kind.queries > 0
    # The data generation moved on between the two: nothing cached served the second.
    assert generation() != before


@pytest.mark.django_db
def test_a_client_signed_in_to_their_own_page_is_crawled_from_it(client_record, keyworker):
    """The bench's client role (bench.run.client_session_for): the crawl starts at /me/."""
    from bench.run import client_session_for
    from portal import services

    access = services.access_set(client=client_record, by=keyworker, is_on=True,
                                 phone="07700 900123")
    kinds = Crawler("client", client_session_for(access), {}).crawl()
    assert {kind.view: kind.status for kind in kinds}["portal:home"] == 200
    assert not any(kind.view and not kind.view.startswith("portal:") for kind in kinds)


def test_a_stylesheets_fonts_are_counted_in_every_format_the_first_of_each_face():
    from bench.crawl import font_urls

    css = """@font-face { font-family: A; src: url("../dejavu/DejaVuSans.ttf"); }
    @font-face { font-family: B; src: url(b.woff2) format("woff2"), url('b.woff') format("woff"); }
    .x { background: url(picture.svg); }"""
    assert font_urls(css) == ["../dejavu/DejaVuSans.ttf", "b.woff2"]
