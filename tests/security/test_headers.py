"""Response headers and cookie settings that production relies on."""

import os
import subprocess
import sys
from pathlib import Path

from django.urls import reverse

ROOT = Path(__file__).resolve().parents[2]


def test_a_page_over_https_carries_every_security_header(client, keyworker):
    client.force_login(keyworker)
    response = client.get(reverse("home"), secure=True)
    headers = response.headers
    assert headers["Strict-Transport-Security"].startswith("max-age=31536000")
    assert "includeSubDomains" in headers["Strict-Transport-Security"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["X-Frame-Options"] == "DENY"
    assert "camera=()" in headers["Permissions-Policy"]
    assert headers["Cache-Control"] == "private, no-store"
    csp = headers["Content-Security-Policy"]
    for directive in ("default-src 'self'", "script-src 'self'", "style-src 'self'",
                      "frame-ancestors 'none'", "object-src 'none'", "base-uri 'none'"):
        assert directive in csp
    assert "unsafe" not in csp


def test_the_login_page_has_the_policy_too(client, db):
    response = client.get(reverse("login"))
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]


def test_htmx_is_told_not_to_inject_its_indicator_style(client, keyworker):
    client.force_login(keyworker)
    page = client.get(reverse("home")).content.decode()
    assert '<meta name="htmx-config" content=\'{"includeIndicatorStyles":false}\'>' in page


def test_production_settings_pass_the_deploy_check():
    env = {k: v for k, v in os.environ.items()
           if k not in {"DEBUG", "SECURE_SSL_REDIRECT", "SECURE_COOKIES", "NPLUSONE_GUARD",
                        "DJANGO_ALLOW_ASYNC_UNSAFE", "STATIC_MANIFEST"}}
    env |= {"SECRET_KEY": "x" * 20 + "-production-like-secret-key-0123456789abcdef",
            "DEBUG": "false"}
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
