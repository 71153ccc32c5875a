"""The pages `make bench` drives, found by crawling the large site as each role.

In-process, with Django's test client against the bench database: starting at "/", each
role (a keyworker of the large site, a manager of it, an administrator) follows the
same-site links its pages show (<a href>, the htmx requests a page makes by itself
(data-hx-get) and the GET forms submitted as they stand), keeping the first URL reached of
each kind of page: the resolved URL's view name. So the ids are the large site's own, and a
new page is measured as soon as a page links to it.

Each kind found records what one request costs with a warm cache: its database queries
(CaptureQueriesContext) and its HTML, raw and as served gzip-compressed, with the bytes
of a cold cache (the compressed HTML and every stylesheet, script, icon and font it
loads, each as the server sends it compressed). A page that answers a redirect or an
error to a GET is reported, not driven. The URL names of the project that no crawl
reached are listed with the reason, so a reader knows what the bench does not measure.
"""

import gzip
import re
import time
from dataclasses import asdict, dataclass, field
from html.parser import HTMLParser
from urllib.parse import urlencode, urljoin, urlsplit

# Never followed: leaving the session, and the admin (its changelist is measured by hand,
# against the client list).
SKIPPED = ("logout",)
SKIPPED_NAMESPACES = ("admin:",)
# The host the bench serves (settings.ALLOWED_HOSTS allows it by default).
HOST = "127.0.0.1"
# What a browser asks for: the server picks the best it has.
ACCEPT_ENCODING = "gzip, br"
# A stylesheet's font: browsers fetch the first format of `src` they support. Every
# format counts: the documents page's stylesheet once named two TrueType fonts (1.4 MB)
# that a count of woff2 alone did not see.
FONT_URL = re.compile(
    r"url\(\s*['\"]?([^'\")]+\.(?:woff2|woff|ttf|otf))(?:[?#][^'\")]*)?['\"]?\s*\)")
FONT_SRC = re.compile(r"\bsrc\s*:\s*([^;}]+)")


def font_urls(css):
    """The font a browser fetches for each @font-face of `css`: the first of its `src`
    (the formats are listed best first, and every browser here reads woff2)."""
    return [found.group(1) for src in FONT_SRC.findall(css)
            if (found := FONT_URL.search(src))]


@dataclass
class Link:
    """A same-site URL a page shows: `hx` is the id an htmx request targets ("*" for an
    htmx request without a target), empty for a link followed by a person; `form`, a GET
    form submitted as it stands (its answer is read for links even when its kind is
    known: a report's export links show only once it has been asked for)."""

    url: str
    hx: str = ""
    form: bool = False


@dataclass
class Kind:
    """One kind of page as one role reaches it first, and what one request of it costs."""

    role: str
    view: str
    url: str
    hx: str = ""
    status: int = 0
    location: str = ""
    content_type: str = ""
    per_user: bool = False
    queries: int = 0
    html_bytes: int = 0
    gzip_bytes: int = 0
    cold_bytes: int = 0
    assets: list = field(default_factory=list)
    found_from: str = ""
    crawl_ms: float = 0.0
    after_write_ms: float = 0.0
    after_write_status: int = 0

    @property
    def name(self):
        return f"{self.role}:{self.view}"

    @property
    def driven(self):
        """Only a page that answers 200 to a GET is driven; a redirect or an error is
        reported as it answered."""
        return self.status == 200


class PageLinks(HTMLParser):
    """The same-site links, htmx GETs, GET forms (as submitted unchanged), POST targets
    and static files of one HTML page."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.links, self.posts, self.assets = [], [], []
        self._form = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        hx_get = attrs.get("data-hx-get") or attrs.get("hx-get")
        if hx_get and tag != "form":
            target = attrs.get("data-hx-target") or attrs.get("hx-target") or ""
            self.links.append(Link(hx_get, target[1:] if target.startswith("#") else "*"))
        for posted in ("data-hx-post", "hx-post"):
            if attrs.get(posted):
                self.posts.append(attrs[posted])
        if tag == "a" and attrs.get("href"):
            self.links.append(Link(attrs["href"]))
        elif tag == "link" and attrs.get("href") and set(
                (attrs.get("rel") or "").split()) & {"stylesheet", "icon"}:
            self.assets.append(attrs["href"])
        elif tag == "script" and attrs.get("src"):
            self.assets.append(attrs["src"])
        elif tag == "form":
            method = (attrs.get("method") or "get").lower()
            action = attrs.get("action") or ""
            if method == "post":
                self.posts.append(action)
            self._form = {"action": action, "fields": []} if method == "get" else None
        elif self._form is not None and attrs.get("name") and "disabled" not in attrs:
            if tag == "input" and (attrs.get("type") or "text") not in (
                    "submit", "button", "image", "reset", "file"):
                if attrs.get("type") not in ("checkbox", "radio") or "checked" in attrs:
                    self._form["fields"].append((attrs["name"], attrs.get("value") or ""))
            elif tag == "select":
                self._form["select"] = [attrs["name"], None, None]
        if tag == "option" and self._form is not None and self._form.get("select"):
            select = self._form["select"]
            value = attrs.get("value", "")
            if select[1] is None:
                select[1] = value
            if "selected" in attrs and select[2] is None:
                select[2] = value

    def handle_endtag(self, tag):
        if self._form is None:
            return
        if tag == "select" and self._form.get("select"):
            name, first, selected = self._form.pop("select")
            self._form["fields"].append((name, selected if selected is not None else first or ""))
        elif tag == "form":
            if self._form["fields"]:
                self.links.append(Link(self._form["action"].split("?")[0] + "?"
                                       + urlencode(self._form["fields"]), form=True))
            self._form = None


def same_site(href, base):
    """`href` as a path and query on this site, seen from the page at `base`; None for
    another site, a fragment of the same page or something that is not a page."""
    if href.startswith(("mailto:", "tel:", "javascript:", "data:")) or href.startswith("#"):
        return None
    parts = urlsplit(urljoin(base, href))
    if parts.scheme not in ("", "http", "https") or parts.netloc not in ("", HOST):
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


class Frontier:
    """The links still to follow, in the order found (breadth first: the nearest link of a
    kind is the one a person would follow), giving the first URL of each kind of page
    once, and each GET form's answer once more for its links. `kind_of(path)` is the
    resolved view name, or None."""

    def __init__(self, kind_of):
        self.kind_of = kind_of
        self.queue, self.seen, self.forms = [], set(), set()

    def add(self, found_from, links):
        self.queue += [(found_from, link) for link in links]

    def pop(self):
        """("kind", found from, view, Link) for a kind not yet met, ("form", ...) for a
        GET form's answer of a known kind, or None when there is nothing left."""
        while self.queue:
            found_from, link = self.queue.pop(0)
            view = self.kind_of(urlsplit(link.url).path)
            if view is None or skipped(view):
                continue
            if view not in self.seen:
                self.seen.add(view)
                return "kind", found_from, view, link
            if link.form and link.url not in self.forms:
                self.forms.add(link.url)
                return "form", found_from, view, link
        return None


def skipped(view):
    return view in SKIPPED or view.startswith(SKIPPED_NAMESPACES)


def view_name(path):
    from django.urls import Resolver404, resolve

    try:
        return resolve(path).view_name
    except Resolver404:
        return None


def url_names():
    """{name: view} for every named URL of the project, namespaced ("diary:today")."""
    from django.urls import URLPattern, URLResolver, get_resolver

    def walk(patterns, namespace=""):
        for entry in patterns:
            if isinstance(entry, URLResolver):
                yield from walk(entry.url_patterns,
                                f"{namespace}{entry.namespace}:" if entry.namespace
                                else namespace)
            elif isinstance(entry, URLPattern) and entry.name:
                yield namespace + entry.name, entry.callback

    return dict(sorted(walk(get_resolver().url_patterns)))


# Where each role's crawl starts: a client signed in to their own page (portal) has /me/,
# staff the home page.
START = {"client": "/me/"}


class Crawler:
    """One role's crawl: a test client logged in as `user` (the session written as the
    login view would, second factor given)."""

    def __init__(self, role, session_key, asset_sizes):
        from django.test import Client

        self.role = role
        self.client = Client(HTTP_HOST=HOST, HTTP_ACCEPT_ENCODING=ACCEPT_ENCODING)
        self.client.cookies["sessionid"] = session_key
        self.asset_sizes = asset_sizes  # shared between roles: a file is fetched once
        self.posted = set()

    def get(self, link):
        headers = {}
        if link.hx:
            headers["HX-Request"] = "true"
            if link.hx != "*":
                headers["HX-Target"] = link.hx
        return self.client.get(link.url, headers=headers)

    def crawl(self):
        kinds, frontier = [], Frontier(view_name)
        frontier.add("", [Link(START.get(self.role, "/"))])
        while step := frontier.pop():
            action, found_from, view, link = step
            if action == "form":
                response = self.get(link)
                if response.status_code == 200 and not response.streaming:
                    frontier.add(view, self.links_of(response, link))
                continue
            kind, page = self.measure(view, link)
            kind.found_from = found_from
            kinds.append(kind)
            if not found_from and kind.status not in (200, 302):
                raise RuntimeError(f"{self.role}: / answered {kind.status}; the crawl "
                                   "cannot start")
            if kind.location:
                target = same_site(kind.location, link.url)
                if target:
                    frontier.add(view, [Link(target)])
            elif page is not None:
                frontier.add(view, self.links_of(page, link))
        return kinds

    def measure(self, view, link):
        """(Kind, its parsed HTML or None): one request with the cache warmed by another
        before it, as on a working day, then one right after a write elsewhere: the data
        generation moved on (keywork.lib.cache), so nothing cached is served. On a working
        day someone saves every few seconds, so that is how a page often answers; wrk's
        repeated requests find it cached."""
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        from keywork.lib.cache import data_changed

        kind = Kind(role=self.role, view=view, url=link.url, hx=link.hx,
                    per_user=not urlsplit(link.url).query and not _has_ids(link.url))
        self.get(link)
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            response = self.get(link)
            body = b"".join(response.streaming_content) if response.streaming \
                else response.content
            kind.crawl_ms = round((time.perf_counter() - started) * 1000, 1)
        # Now: the next request starting clears the connection's log of queries.
        kind.queries = len(queries)
        data_changed()
        started = time.perf_counter()
        after = self.get(link)
        if after.streaming:
            b"".join(after.streaming_content)
        kind.after_write_ms = round((time.perf_counter() - started) * 1000, 1)
        kind.after_write_status = after.status_code
        kind.status = response.status_code
        kind.content_type = response.get("Content-Type", "").split(";")[0]
        if response.status_code in (301, 302, 303, 307, 308):
            kind.location = response["Location"]
        if response.status_code != 200:
            return kind, None
        wire = len(body)
        if response.get("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
        kind.html_bytes, kind.gzip_bytes = len(body), wire
        if kind.content_type != "text/html":
            kind.cold_bytes = wire
            return kind, None
        page = self.parse(body, link)
        kind.assets = sorted({same_site(a, link.url) for a in page.assets} - {None})
        kind.cold_bytes = wire + sum(self.asset_bytes(a) for a in kind.assets)
        return kind, page

    def parse(self, body, link):
        """The page's links and forms; the views its forms post to are noted."""
        page = PageLinks()
        page.feed(body.decode("utf-8", "replace"))
        self.posted |= {view_name(urlsplit(same_site(p, link.url) or "/").path)
                        for p in page.posts}
        return page

    def links_of(self, page, link):
        """The same-site Links of a parsed page, or of a response (a GET form's answer)."""
        if not isinstance(page, PageLinks):
            body = page.content
            if page.get("Content-Encoding") == "gzip":
                body = gzip.decompress(body)
            if not page.get("Content-Type", "").startswith("text/html"):
                return []
            page = self.parse(body, link)
        found = []
        for each in page.links:
            target = same_site(each.url, link.url)
            if target:
                found.append(Link(target, each.hx, each.form))
        return found

    def asset_bytes(self, path):
        """A static file's bytes as served compressed to a browser with a cold cache, and
        those of the fonts its stylesheet loads."""
        if path not in self.asset_sizes:
            response = self.client.get(path)
            body = b"".join(response.streaming_content) if response.streaming \
                else response.content
            size = len(body) if response.status_code == 200 else 0
            if response.get("Content-Type", "").startswith("text/css") and size:
                if response.get("Content-Encoding") == "gzip":
                    body = gzip.decompress(body)
                elif response.get("Content-Encoding") == "br":
                    import brotli

                    body = brotli.decompress(body)
                fonts = {same_site(url, path) for url in
                         font_urls(body.decode("utf-8", "replace"))} - {None}
                size += sum(self.asset_bytes(font) for font in sorted(fonts))
            self.asset_sizes[path] = size
        return self.asset_sizes[path]


def _has_ids(url):
    """Whether the URL names a record (its path has arguments): such a page is the
    crawling user's own link, driven as that user; a page without is everyone's own."""
    from django.urls import resolve

    match = resolve(urlsplit(url).path)
    return bool(match.args or match.kwargs)


def unreached_reason(name, view, posted):
    if name.startswith(SKIPPED_NAMESPACES):
        return "the admin (its client changelist is measured against the client list)"
    if name in SKIPPED:
        return "ends the session"
    if name in posted:
        return "a form's POST target (not a page)"
    if getattr(view, "login_required", True) is False:  # django's @login_not_required
        return "open without a login, not linked from a logged-in page"
    return "no page reached links to it (it needs a token, a POST, or data the large site lacks)"


def crawl(sessions):
    """{"kinds": [...], "unreached": [...], "seconds": ...} for {role: session key}."""
    started = time.monotonic()
    asset_sizes, kinds, posted = {}, [], set()
    for role, session_key in sessions.items():
        crawler = Crawler(role, session_key, asset_sizes)
        kinds += crawler.crawl()
        posted |= crawler.posted
    reached = {kind.view for kind in kinds}
    unreached = [{"name": name, "reason": unreached_reason(name, view, posted)}
                 for name, view in url_names().items() if name not in reached]
    return {"kinds": [as_dict(kind) for kind in kinds],
            "unreached": unreached, "assets": asset_sizes,
            "seconds": round(time.monotonic() - started, 1)}


def as_dict(kind):
    return asdict(kind) | {"name": kind.name, "driven": kind.driven}


def measure(role, name, session_key, url, hx="", asset_sizes=None):
    """The figures of one page the bench drives by hand (the client list's search, the
    door's htmx search), as the crawl records its kinds; `name` stands for the view."""
    crawler = Crawler(role, session_key, {} if asset_sizes is None else asset_sizes)
    kind, _page = crawler.measure(view_name(urlsplit(url).path), Link(url, hx))
    return as_dict(kind) | {"name": name}
