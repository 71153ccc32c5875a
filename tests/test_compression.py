"""Light pages (issue 18): a page's HTML and its static files travel compressed when the
browser says it can read them so."""

import gzip

import brotli
import pytest
from django.conf import settings as django_settings
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.management import call_command
from django.test import RequestFactory
from whitenoise.middleware import WhiteNoiseMiddleware


@pytest.mark.django_db
def test_a_page_is_served_gzip_compressed_when_the_browser_asks(client, keyworker):
    client.force_login(keyworker)
    plain = client.get("/")
    response = client.get("/", headers={"Accept-Encoding": "gzip, deflate, br"})
    assert response.status_code == 200
    assert response["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in response["Vary"]
    page = gzip.decompress(response.content)
    assert page.startswith(b"<!doctype html>")
    assert len(response.content) < len(page) / 2
    # BREACH: random padding (up to 100 bytes, as the gzip header's file name; Django 4.2+).
    assert response.content[3] & gzip.FNAME
    # The same page for a browser that did not ask (CSRF tokens and nonces aside).
    assert not plain.has_header("Content-Encoding")
    assert plain.content.count(b"<tr") == page.count(b"<tr")


@pytest.mark.django_db
def test_an_htmx_part_is_compressed_too(client, keyworker):
    client.force_login(keyworker)
    response = client.get("/help/glossary/", headers={"Accept-Encoding": "gzip",
                                                       "HX-Request": "true"})
    assert response["Content-Encoding"] == "gzip"
    assert b"</" in gzip.decompress(response.content)


def test_a_stylesheet_is_served_compressed_as_collected_for_production(settings, tmp_path):
    """collectstatic with production's storage (CompressedManifestStaticFilesStorage)
    writes each file gzip- and brotli-compressed beside it; WhiteNoise sends the best the
    browser reads. (One stylesheet collected: the whole of static/ takes minutes.)"""
    source, root = tmp_path / "static", tmp_path / "root"
    (source / "css").mkdir(parents=True)
    (source / "css/keywork.css").write_bytes(
        (django_settings.BASE_DIR / "static/css/keywork.css").read_bytes())
    settings.STATICFILES_DIRS = [source]
    settings.STATICFILES_FINDERS = ["django.contrib.staticfiles.finders.FileSystemFinder"]
    settings.STATIC_ROOT = root
    settings.STORAGES = {**settings.STORAGES, "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"}}
    settings.WHITENOISE_USE_FINDERS = False
    settings.WHITENOISE_AUTOREFRESH = False
    call_command("collectstatic", "--no-input", verbosity=0)
    url = staticfiles_storage.url("css/keywork.css")
    assert url != "/static/css/keywork.css"  # the hashed name, cached for a year
    original = (root / url.removeprefix(settings.STATIC_URL)).read_bytes()
    serve = WhiteNoiseMiddleware(lambda request: pytest.fail("not served as a static file"))

    def fetch(accept):
        response = serve(RequestFactory().get(url, headers={"Accept-Encoding": accept}))
        return response, b"".join(response.streaming_content)

    gzipped, body = fetch("gzip")
    assert gzipped["Content-Encoding"] == "gzip"
    assert gzip.decompress(body) == original
    assert len(body) < len(original) / 2
    best, body = fetch("gzip, deflate, br")
    assert best["Content-Encoding"] == "br"
    assert brotli.decompress(body) == original
    plain, body = fetch("")
    assert not plain.has_header("Content-Encoding")
    assert body == original
