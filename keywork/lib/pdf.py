"""Render a template to a PDF with WeasyPrint, reading nothing but the project's own files.

A document is HTML from a Django template, so user text is escaped like on any page and
can never add markup. The fetcher below is the only way WeasyPrint may load anything: it
serves the project's static files (stylesheet, vendored fonts) and inline PNG images
(drawn signatures), and refuses every other URL, so a PDF can never make the server call
the network or read a file outside `static/`. Fonts come from `static/vendor/` through
`@font-face`, never from the machine's own font directories.

A run of characters with no space longer than any word (a pasted link, a name written as
one word) gets a place to break every few characters before rendering, so that it wraps
inside its box instead of running off the page. CSS could do it (`overflow-wrap:
anywhere`), but WeasyPrint then lays out the rest of the paragraph again for each line it
breaks, and a pasted blob of 100,000 characters took minutes.
"""

import atexit
import base64
import binascii
import ctypes
import logging
import mimetypes
import re
import threading
from functools import cache, lru_cache
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.exceptions import SuspiciousFileOperation
from django.http import HttpResponse
from django.template.loader import render_to_string

# The base URL documents are rendered against. `.invalid` can never resolve (RFC 2606):
# it only gives `{% static %}` paths an absolute form the fetcher recognises.
ORIGIN = "https://keywork.invalid"
INLINE_PNG = "data:image/png;base64,"

# No word a person writes is this long (in characters, an HTML entity counting as one): a
# longer run gets a zero-width space, invisible and not copied with the text, every
# BREAK_EVERY characters, where a line may break.
LONG_RUN = 25
BREAK_EVERY = 12
ZERO_WIDTH_SPACE = "\u200b"
# The document as markup (a tag, a comment, a whole stylesheet or script: kept as it is)
# or text between tags; user text is escaped, so a text never holds a "<".
_MARKUP_OR_TEXT = re.compile(
    r"(<(?:style|script)\b.*?</(?:style|script)\s*>|<!--.*?-->|<[^>]*>)|([^<]+)",
    re.S | re.I)
_CHARACTER = re.compile(r"&#?\w+;|\S")
_LONG_RUN = re.compile(rf"(?:&#?\w+;|\S){{{LONG_RUN},}}")

# WeasyPrint logs every rendering step at INFO; its warnings (a CSS rule it cannot use,
# a refused URL) still show.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)


class RefusedFetch(ValueError):
    """A document asked for something other than a static file or an inline PNG."""


@lru_cache(maxsize=64)
def _static_bytes(name):
    """The bytes of the static file `name` (in static/, or collected), or None."""
    try:
        path = finders.find(name)
        if not path and staticfiles_storage.exists(name):
            path = staticfiles_storage.path(name)
    except SuspiciousFileOperation:
        return None
    if not path:
        return None
    with open(path, "rb") as file:
        return file.read()


def fetch(url):
    """(bytes, content type) for the URLs a document may use; RefusedFetch for any other."""
    if url.startswith(INLINE_PNG):
        try:
            return base64.b64decode(url[len(INLINE_PNG):], validate=True), "image/png"
        except (binascii.Error, ValueError) as error:
            raise RefusedFetch("Inline image is not valid base64.") from error
    parts = urlsplit(url)
    prefix = "/" + settings.STATIC_URL.lstrip("/")
    if f"{parts.scheme}://{parts.netloc}" == ORIGIN and parts.path.startswith(prefix):
        name = unquote(parts.path[len(prefix):])
        body = _static_bytes(name)
        if body is not None:
            return body, mimetypes.guess_type(name)[0] or "application/octet-stream"
    raise RefusedFetch(f"PDF rendering only reads the project's static files, not {url!r}.")


@cache
def _weasyprint():
    """WeasyPrint, imported on first use: it takes most of a second to import, and only
    the processes that print need it."""
    import weasyprint
    from weasyprint.text.fonts import FontConfiguration
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class StaticOnlyFetcher(URLFetcher):
        def fetch(self, url, headers=None):
            body, content_type = fetch(url)
            return URLFetcherResponse(url, body=body, headers={"Content-Type": content_type})

    atexit.register(_forget_fonts)
    return weasyprint.HTML, FontConfiguration, StaticOnlyFetcher


_fonts = threading.local()


def _font_configuration():
    """This thread's WeasyPrint font configuration, made on its first document and given to
    every one after. WeasyPrint's default, a new one per document, loads Fontconfig's
    fonts and the @font-face fonts (static/css/pdf.css) anew each time, and Pango keeps
    what they take: each gunicorn worker grew by 15 MB over 54 PDFs, about a quarter of a
    megabyte a PDF (4 Dec 2026; 2 MB with one configuration, and each PDF a third
    quicker). One configuration adds each @font-face once (it skips a face it already
    holds) and caches only per style. Per thread, since Pango's objects are not shared
    between threads."""
    configuration = getattr(_fonts, "configuration", None)
    if configuration is None:
        configuration = _fonts.configuration = _weasyprint()[1]()
    return configuration


def _forget_fonts():
    """Let the main thread's font configuration go while the interpreter still stands: it
    deletes the folder of @font-face files it wrote, which it could not do at the very
    end, once the modules it calls are gone."""
    _fonts.configuration = None


def _break_run(match):
    characters = _CHARACTER.findall(match.group(0))
    return ZERO_WIDTH_SPACE.join("".join(characters[start:start + BREAK_EVERY])
                                 for start in range(0, len(characters), BREAK_EVERY))


def breakable(html):
    """`html` with a place to break every BREAK_EVERY characters in each run of text of
    LONG_RUN characters or more with no space; tags, attributes, styles and scripts as
    they were."""
    return _MARKUP_OR_TEXT.sub(
        lambda match: match.group(1) or _LONG_RUN.sub(_break_run, match.group(2)), html)


def html_to_pdf(html):
    """The PDF of an HTML string, as bytes: tagged (its structure, headings, lists and
    tables, readable by a screen reader), in the language of the page's `lang`, long runs
    of text made breakable."""
    try:
        return _write_pdf(html)
    finally:
        _give_memory_back()


def _write_pdf(html):
    html_class, _configuration_class, fetcher = _weasyprint()
    document = html_class(string=breakable(html), base_url=ORIGIN + "/",
                          url_fetcher=fetcher())
    return document.write_pdf(font_config=_font_configuration(), pdf_tags=True)


def _find_malloc_trim():
    """glibc's malloc_trim; None elsewhere (musl, macOS, Windows)."""
    try:
        return getattr(ctypes.CDLL(None), "malloc_trim", None)
    except (OSError, TypeError):
        return None


_malloc_trim = _find_malloc_trim()


def _give_memory_back():
    """Hand the memory a document's layout took, now free, back to the system. glibc keeps
    freed memory for the process to reuse; after a PDF (a register's layout takes tens of
    megabytes for a moment) a web worker kept much of it for good."""
    if _malloc_trim is not None:
        _malloc_trim(0)


def render_pdf(template_name, context, *, request=None):
    """Render `template_name` with `context` and return the PDF as bytes."""
    return html_to_pdf(render_to_string(template_name, context, request=request))


def pdf_response(pdf, filename):
    """A download of the PDF bytes; never kept by a shared cache, since it is about a person."""
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response
