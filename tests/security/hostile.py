"""Tools for tests/security/test_hostile.py: the hostile values, a reader of the forms a page
shows, the POSTs built from them, a fingerprint of the client records, and a prober that
sends requests and notes everything that went wrong instead of stopping at the first.

The values are fixed, so that a failure can be tried again by hand: markup (a script
tag, an img with onerror), an SQL fragment, template syntax, 100,000 characters, a NUL
byte, right-to-left and combining characters, year 1 and year 9999, -1 and a number no
database column holds, a superscript digit, NaN, and nothing at all.
"""

import contextlib
import hashlib
import traceback
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urlencode, urljoin, urlsplit

from django.apps import apps
from django.conf import settings
from django.db import connection, transaction
from django.http import QueryDict
from django.urls import Resolver404, resolve

from tests.responses import body_of

SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'
SQL = "'; DROP TABLE clients_client; --"
TEMPLATE_VARIABLE = "{{ settings.SECRET_KEY }}"
TEMPLATE_TAG = "{% debug %}"
LONG = "A" * 100_000
# In a query string, 1,000: gunicorn refuses a request line over 4,094 bytes before Django
# sees it (and SQLite a LIKE pattern over 50,000).
LONG_QUERY = "A" * 1_000
NUL = "a\x00b"
RIGHT_TO_LEFT = "\u202eevil"
COMBINING = "e\u0301\u0301\u0301"
YEAR_1 = "0001-01-01"
YEAR_9999 = "9999-12-31"
LAST_MOMENT = "9999-12-31T23:59:59"
NEGATIVE = "-1"
HUGE = "99999999999999999999"
EMPTY = ""
# Two more that have broken Django apps: a digit str.isdigit() accepts and int() refuses,
# and a number that is not one.
UNICODE_DIGIT = "\u00b2"
NOT_A_NUMBER = "NaN"

# What may stand in a text field, in the order it is packed into one value (markup first,
# so that a short field still gets a tag).
MARKUP = [SCRIPT, IMG, TEMPLATE_VARIABLE, TEMPLATE_TAG, SQL, RIGHT_TO_LEFT, COMBINING]
# Wrong values for a choice, a hidden field, a checkbox: never an option the form offers.
OUT_OF_RANGE = [HUGE, UNICODE_DIGIT, SCRIPT, NEGATIVE, NUL, NOT_A_NUMBER, EMPTY]
# At most this many fields of one POST get the 100,000 characters: Django refuses a body
# over DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MB) as a whole, before any form could see it.
LONG_FIELDS = 8

# What must never be found in a page: the payloads as markup a browser would run, the
# secret key (a template evaluated user text), the context {% debug %} prints.
RAW_MARKUP = ["<script>alert(1)", "<img src=x onerror"]
DEBUG_OUTPUT = ["'True': True", "&#x27;True&#x27;: True"]

TEXT_TYPES = {"text", "search", "textarea", "password", "tel", "url", "email", ""}
NOT_SENT = {"file", "submit", "button", "reset", "image"}

PASSES = ["markup", "far", "early", "garbage"]


@dataclass
class Field:
    name: str
    kind: str  # an <input> type, or "textarea", "select"
    value: str = ""
    options: list = field(default_factory=list)
    chosen: list = field(default_factory=list)
    maxlength: int | None = None
    multiple: bool = False


@dataclass
class Form:
    action: str  # path and query string
    method: str
    multipart: bool
    fields: dict = field(default_factory=dict)  # name -> Field, in the page's order
    buttons: list = field(default_factory=list)  # (name, value) of named submit buttons
    files: list = field(default_factory=list)  # names of file inputs
    generic: bool = False  # made up by the test: no page showed this form

    @property
    def signature(self):
        return (urlsplit(self.action).path, self.method, tuple(self.fields), tuple(self.files))


class FormReader(HTMLParser):
    """Every <form> of a page: its fields, their values and options, as a browser sends them."""

    def __init__(self, page_url):
        super().__init__(convert_charrefs=True)
        self.page_url = page_url
        self.forms = []
        self.links = []
        self._form = None
        self._select = None
        self._option = None
        self._textarea = None

    def handle_starttag(self, tag, attrs):
        a = {k: (v or "") for k, v in attrs}
        if tag == "a" and a.get("href"):
            self.links.append(urljoin(self.page_url, a["href"]))
        if tag == "form":
            self._form = Form(
                action=_path(urljoin(self.page_url, a.get("action") or self.page_url)),
                method=(a.get("method") or "get").lower(),
                multipart="multipart" in a.get("enctype", ""))
            self.forms.append(self._form)
            return
        form = self._form
        if form is None or "disabled" in a:
            return
        name = a.get("name")
        if tag == "input" and name:
            kind = a.get("type", "text").lower()
            if kind == "file":
                form.files.append(name)
            elif kind in {"submit", "image"}:
                form.buttons.append((name, a.get("value", "")))
            elif kind in {"radio", "checkbox"}:
                existing = form.fields.setdefault(name, Field(name, kind))
                existing.options.append(a.get("value", "on"))
                if "checked" in a:
                    existing.chosen.append(a.get("value", "on"))
                existing.multiple = kind == "checkbox" and len(existing.options) > 1
            elif kind not in NOT_SENT:
                form.fields[name] = Field(name, kind, a.get("value", ""),
                                          maxlength=_int(a.get("maxlength")))
        elif tag == "button" and name and a.get("type", "submit") == "submit":
            form.buttons.append((name, a.get("value", "")))
        elif tag == "textarea" and name:
            self._textarea = form.fields[name] = Field(name, "textarea",
                                                       maxlength=_int(a.get("maxlength")))
        elif tag == "select" and name:
            self._select = form.fields[name] = Field(name, "select", multiple="multiple" in a)
        elif tag == "option" and self._select is not None:
            self._option = [a.get("value"), "", "selected" in a]

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea.value += data
        if self._option is not None:
            self._option[1] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "option" and self._option is not None:
            self._close_option()
        elif tag == "select":
            if self._option is not None:
                self._close_option()
            self._select = None

    def _close_option(self):
        value, text, selected = self._option
        value = text.strip() if value is None else value
        self._select.options.append(value)
        if selected:
            self._select.chosen.append(value)
        self._option = None


def read_page(url, body):
    """(forms, links) of an HTML page."""
    reader = FormReader(url)
    reader.feed(body)
    reader.close()
    return reader.forms, reader.links


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _path(url):
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def url_name(path):
    """The URL pattern's name for a path ("clients:detail"), or None."""
    try:
        match = resolve(urlsplit(path).path)
    except Resolver404:
        return None
    return match.view_name


# The values a pass puts in each kind of field --------------------------------------------------


def plausible(f, today):
    """What a person would leave or type: the form's own value, else something ordinary."""
    if f.kind in {"select", "radio", "checkbox"}:
        if f.chosen:
            return list(f.chosen)
        if f.kind == "checkbox":
            return []
        usable = [o for o in f.options if o]
        return usable[:1] or f.options[:1]
    if f.value:
        return [f.value]
    return [{
        "date": today.isoformat(), "time": "10:00", "number": "1",
        "datetime-local": f"{today.isoformat()}T10:00", "email": "someone@example.org",
        "tel": "01632 960000", "url": "https://example.org/",
        "hidden": "",
    }.get(f.kind, "Plain words")]


def markup_for(f):
    """The markup payloads, packed into one value that fits the field."""
    value = "".join(MARKUP)
    if f.maxlength:
        value = value[:f.maxlength]
    return value


def payload(form, pass_name, today, *, query=False):
    """The POST (or query) of `form` for one pass: a list of (name, value), names repeated
    where the pass repeats them.

    plain: what a person would send (the form's values, else ordinary ones);
    markup: every text field gets the markup payloads, the rest what a person would send,
            so that the form is saved and the text shown on every later page;
    far, early: dates in year 9999 or year 1, numbers huge or negative, the rest plausible;
    garbage: every field wrong (100,000 characters, NUL bytes, options the form does not
            offer, hidden values changed) and sent twice, the wrong value last; every
            third field missing.
    """
    pairs = []
    longs = 0
    for n, f in enumerate(form.fields.values()):
        if f.name == "csrfmiddlewaretoken":
            pairs.append((f.name, f.value))
            continue
        values = plausible(f, today)
        # "plain" keeps the plausible values; the other passes replace some.
        if pass_name == "markup" and f.kind in TEXT_TYPES - {"email", "url"}:
            values = [markup_for(f)]
        elif pass_name == "far":
            values = {"date": [YEAR_9999], "number": [HUGE], "time": ["23:59"],
                      "datetime-local": [f"{YEAR_9999}T23:59"]}.get(f.kind, values)
        elif pass_name == "early":
            values = {"date": [YEAR_1], "number": [NEGATIVE], "time": ["00:00"],
                      "datetime-local": [f"{YEAR_1}T00:00"]}.get(f.kind, values)
        elif pass_name == "garbage" and n % 3 == 2:
            continue  # missing
        elif pass_name == "garbage":
            if f.kind in TEXT_TYPES and longs < (1 if query else LONG_FIELDS):
                wrong = LONG_QUERY if query else LONG
                longs += 1
            elif f.kind in TEXT_TYPES:
                wrong = NUL
            else:
                wrong = OUT_OF_RANGE[n % len(OUT_OF_RANGE)]
            # A multiple choice gets every wrong value at once.
            values = [*values[:1], *(OUT_OF_RANGE if f.multiple else [wrong])]
        pairs += [(f.name, v) for v in values]
    if form.buttons and pass_name != "plain":
        pairs.append(form.buttons[0])
    return pairs


def as_data(pairs):
    """The pairs as the test client's `data` (lists where a name repeats)."""
    data = {}
    for name, value in pairs:
        data.setdefault(name, []).append(value)
    return data


def form_body(form, pairs):
    """(data, content_type) for client.post, as a browser would encode this form."""
    if form.multipart:
        return as_data(pairs), None
    return urlencode(pairs), "application/x-www-form-urlencoded"


# The client records, fingerprinted ----------------------------------------------------------

# Apps whose tables hold what a refused request must not change. Logins (axes), sessions
# and the access log (audit) are written on purpose by refused requests.
GUARDED_APPS = ["staff", "clients", "stages", "plans", "diary", "portal", "supervision", "auth"]


def guarded_tables():
    tables = []
    for label in GUARDED_APPS:
        for model in apps.get_app_config(label).get_models():
            tables.append(model._meta.db_table)
            tables += [f.m2m_db_table() for f in model._meta.local_many_to_many
                       if f.remote_field.through._meta.auto_created]
    return sorted(set(tables))


def fingerprint(tables):
    """{table: digest of every row}, read with one query per table."""
    digests = {}
    with connection.cursor() as cursor:
        for table in tables:
            # Table names from the models, never from a request.
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)} "  # noqa: S608
                           "ORDER BY 1")
            digests[table] = hashlib.sha1(repr(cursor.fetchall()).encode(),
                                          usedforsecurity=False).hexdigest()
    return digests


def changed(before, after):
    return sorted(t for t in before if before[t] != after[t])


# Sending requests and noting what went wrong -------------------------------------------------


def is_markup(response):
    kind = response.get("Content-Type", "")
    return "html" in kind or "svg" in kind or "xml" in kind


def unsafe_in(text):
    """What in a page's text shows that hostile input was not escaped or was evaluated."""
    lowered = text.lower()
    found = [p for p in RAW_MARKUP if p in lowered]
    found += [p for p in DEBUG_OUTPUT if p in text]
    if settings.SECRET_KEY in text:
        found.append(settings.SECRET_KEY)
    return found


def excerpt(text, needle, width=80):
    at = text.lower().find(needle.lower())
    if at < 0:
        return ""
    return repr(text[max(at - width, 0):at + len(needle) + width])


@dataclass
class Outcome:
    status: int | None
    body: bytes = b""
    content_type: str = ""
    template: str | None = None  # the page's template, the first one rendered

    @property
    def html(self):
        return self.status == 200 and "html" in self.content_type


def n_plus_one_ignored():
    """The suite's N+1 guard (django-zeal) is for the pages as people use them, pinned by
    each app's query tests; here it would only report the rows hostile posts add."""
    try:
        from zeal import zeal_ignore
    except ImportError:
        return contextlib.nullcontext()
    return zeal_ignore()


@contextlib.contextmanager
def query_reads():
    """The set of the keys a request's code looks up in request.GET or request.POST (any
    QueryDict), while the block runs: the parameters a view reads, without a list."""
    keys = set()
    originals = {name: getattr(QueryDict, name)
                 for name in ("__getitem__", "_getlist", "__contains__")}

    def watch(name):
        original = originals[name]

        def watched(self, key, *args, **kwargs):
            if isinstance(key, str):
                keys.add(key)
            return original(self, key, *args, **kwargs)
        return watched

    for name in originals:
        setattr(QueryDict, name, watch(name))
    try:
        yield keys
    finally:
        for name, original in originals.items():
            setattr(QueryDict, name, original)


def where_raised(error):
    """The traceback's lines in Keywork's own code, and the line that raised."""
    frames = traceback.extract_tb(error.__traceback__)
    ours = [f for f in frames if str(settings.BASE_DIR) in f.filename
            and "/.venv/" not in f.filename and "/tests/" not in f.filename]
    shown = [*ours[-3:], frames[-1]] if frames else []
    return "".join(traceback.format_list(shown))


class Prober:
    """Sends requests for a test and keeps a list of problems, each naming the request
    (method, URL, URL name, role, pass) and what was wrong: a server error with its
    traceback, or hostile text found unescaped in the answer."""

    def __init__(self):
        self.problems = []
        self.requests = 0
        self.where = ""

    def html_to_pdf(self, html):
        """Stands in for WeasyPrint during a walk: the HTML a PDF would be drawn from is
        checked like a page (test_hostile_text_in_every_pdf_is_shown_as_text draws real
        ones)."""
        for found in unsafe_in(html):
            self.problems.append(f"{self.where}: {found} in the HTML of a PDF: "
                                 f"{excerpt(html, found)}")
        return b"%PDF-1.4\n%%EOF\n"

    def send(self, client, method, url, *, where, data=None, content_type=None, **extra):
        self.requests += 1
        self.where = where
        kwargs = dict(extra)
        if content_type:
            kwargs["content_type"] = content_type
        try:
            # In a savepoint: a database error fails this request alone, as it would on a
            # server, instead of the test's transaction.
            with transaction.atomic(), n_plus_one_ignored():
                response = getattr(client, method)(url, data, **kwargs)
        except Exception as error:  # every error is a finding, listed at the end
            self.problems.append(f"{where}: {type(error).__name__}: {error}\n"
                                 + where_raised(error))
            return Outcome(None)
        body = body_of(response)
        templates = getattr(response, "templates", None) or [None]
        outcome = Outcome(response.status_code, body, response.get("Content-Type", ""),
                          getattr(templates[0], "name", None))
        if response.status_code >= 500:
            self.problems.append(f"{where}: answered {response.status_code}")
        if is_markup(response):
            text = body.decode("utf-8", "replace")
            for found in unsafe_in(text):
                self.problems.append(f"{where}: {found} in the page: {excerpt(text, found)}")
        return outcome

    def note(self, problem):
        self.problems.append(problem)

