"""Keywork settings: one file, every deployment choice read from the environment.

Safe by default: DEBUG is off and SECRET_KEY must be given unless DEBUG is on.
`make run` sets development values; see README.md for every variable.
"""

import datetime
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VERSION = "0.1.0"

env = environ.Env()

DEBUG = env.bool("DEBUG", default=False)

SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "Set the SECRET_KEY environment variable (a long random string); "
            "it is required when DEBUG is off."
        )
    SECRET_KEY = "development-only-secret-key-never-use-in-production"

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_htmx",
    "simple_history",
    "axes",
    "csp",
    "django_otp",
    "django_otp.plugins.otp_static",
    "django_otp.plugins.otp_totp",
    "two_factor",
]
# Keywork's own apps, in STYLE.md's order: each imports only from the apps before it.
# safeguarding (bans), attendance (the door register) and activities (groups) sit between
# clients and stages: the door register warns of bans, and the ladder counts group registers.
LOCAL_APPS = ["staff", "clients", "safeguarding", "attendance", "activities", "stages", "plans",
              "diary", "messaging", "portal", "supervision"]
# audit reads every app's records (access log, subject access, retention), so it is last.
LOCAL_APPS.append("audit")
# imports writes into clients, diary and plans and asks audit who else holds a client's rows.
LOCAL_APPS.append("imports")
INSTALLED_APPS += LOCAL_APPS

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Pages gzip-compressed when the browser asks (WhiteNoise, above, serves static files
    # already compressed). Before every middleware that reads or changes the response
    # body, as Django's docs order it. BREACH: Django masks the CSRF token on every
    # response and, since 4.2, this middleware adds up to 100 random bytes to each
    # compressed response (its gzip header's file name), so a page's length says nothing
    # about a secret in it.
    "django.middleware.gzip.GZipMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # django-otp's OTPMiddleware, reading the authenticator device by a query written once.
    "audit.middleware.DeviceMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Ends idle and over-long sessions before LoginRequiredMiddleware asks for a login.
    "audit.middleware.SessionLimitsMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    # Managers and administrators (and keyworkers where their site asks) need a code too.
    "audit.middleware.TwoFactorRequiredMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # After (so inside) CSPMiddleware: SVG charts get their own policy before it runs.
    "audit.middleware.SecurityHeadersMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Writes the access log after each page of client records (audit.access).
    "audit.middleware.AccessLogMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "keywork.urls"
WSGI_APPLICATION = "keywork.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
            # templates/bootstrap5/field.html: every form's fields, drawn in Python.
            "libraries": {"keywork_fields": "keywork.lib.forms"},
        },
    },
]
# Django's form renderer with the commonest widgets (inputs, text areas, selects) drawn in
# Python: the same HTML, a tenth to a third of a form page's time less (keywork/lib/forms.py).
FORM_RENDERER = "keywork.lib.forms.FormRenderer"

# Database: PostgreSQL when DATABASE_URL is set, else a SQLite file under var/.
if env.str("DATABASE_URL", default=""):
    DATABASES = {"default": env.db("DATABASE_URL")}
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
else:
    SQLITE_PATH = Path(env.str("SQLITE_PATH", default=str(BASE_DIR / "var" / "keywork.sqlite3")))
    SQLITE_PATH.parent.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": SQLITE_PATH,
            # Kept open between requests, as for PostgreSQL: opening the file and setting
            # the pragmas below took about 6 ms of each request (healthz, measured with wrk).
            "CONN_MAX_AGE": env.int("CONN_MAX_AGE", default=60),
            "CONN_HEALTH_CHECKS": True,
            "OPTIONS": {
                # Writers take the lock when their transaction starts and wait up to
                # `timeout` seconds for it, so concurrent saves queue instead of failing
                # with "database is locked"; WAL lets readers go on meanwhile.
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": (
                    "PRAGMA journal_mode=WAL;"
                    "PRAGMA synchronous=NORMAL;"
                    "PRAGMA foreign_keys=ON;"
                ),
            },
            # The tests' database is a file under var/ too (pytest-xdist adds each worker's
            # suffix), not SQLite's in-memory database: with that, Django's live server
            # shares the test's one connection with its request threads, and a page's
            # request (the bell's) reading while the test read hung the suite (CI, 4 Dec 2026).
            "TEST": {"NAME": str(SQLITE_PATH.parent / "test-keywork.sqlite3")},
        }
    }

# Reports on a replica (keywork/lib/replica.py): with REPORTS_DATABASE_URL (a PostgreSQL
# streaming replica of DATABASE_URL), the outcome report and the exports read from it and
# every other read and every write stays on "default". Unset: no "reports" database.
# DATABASE_URL may name several servers for failover, libpq's way (README "Losing the
# database server"): postgres://u@db1:5432,db2:5432/keywork?target_session_attrs=read-write
if env.str("REPORTS_DATABASE_URL", default=""):
    DATABASES["reports"] = env.db("REPORTS_DATABASE_URL")
    DATABASES["reports"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
    DATABASES["reports"]["CONN_HEALTH_CHECKS"] = True
    # The tests' "reports" is the test database itself (Django's test mirror).
    DATABASES["reports"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["keywork.lib.replica.ReportsRouter"]

# Cache (page fragments, keywork/lib/cache.py): it must be shared by every process that
# serves pages. Redis when REDIS_URL is set, shared by every app server; else files under
# var/cache, shared by one machine's workers (CACHE_URL can name another Django cache,
# e.g. locmemcache:// for the tests). Sessions are kept in the database and read through
# this cache (SESSION_ENGINE below); audit.sessions.end_all_for deletes both copies.
if env.str("REDIS_URL", default=""):
    CACHES = {"default": env.cache_url(
        "REDIS_URL", backend="django.core.cache.backends.redis.RedisCache")}
else:
    CACHES = {"default": env.cache_url(
        "CACHE_URL", default=f"filecache://{BASE_DIR / 'var' / 'cache'}")}
    CACHES["default"].setdefault("OPTIONS", {}).setdefault("MAX_ENTRIES", 5000)
    # Culled now and then rather than listing the folder at every write (keywork.lib.filecache).
    if CACHES["default"]["BACKEND"] == "django.core.cache.backends.filebased.FileBasedCache":
        CACHES["default"]["BACKEND"] = "keywork.lib.filecache.FileCache"

# The N+1 guard: django-zeal fails a request that runs one query again for each row of a
# list. It patches the ORM, so only the test suite turns it on (NPLUSONE_GUARD in
# pyproject.toml); first in MIDDLEWARE, it watches the whole request, templates included.
if env.bool("NPLUSONE_GUARD", default=False):
    INSTALLED_APPS.append("zeal")
    MIDDLEWARE.insert(0, "zeal.middleware.zeal_middleware")
    ZEAL_RAISE = True

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "staff.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Argon2 first; older hashes are upgraded the next time their owner logs in.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]

# django-axes first, so that a locked-out username or address is refused before its
# password is even checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # Django's ModelBackend, reading the user on each request by a query written once.
    "staff.backends.UserBackend",
]
# Lockout after AXES_FAILURE_LIMIT failures for one username, or from one address, within
# the cool-off time; an administrator unlocks sooner from the staff list in /admin/.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = datetime.timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_ENABLE_ACCESS_FAILURE_LOG = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_CLIENT_IP_CALLABLE = "audit.network.client_ip"

# Sessions end after SESSION_IDLE_TIMEOUT seconds without a request, and SESSION_MAX_AGE
# seconds after login whatever happens (audit.middleware); the page warns
# SESSION_IDLE_WARNING seconds before the idle logout.
SESSION_IDLE_TIMEOUT = env.int("SESSION_IDLE_MINUTES", default=30) * 60
SESSION_MAX_AGE = env.int("SESSION_MAX_HOURS", default=12) * 3600
SESSION_IDLE_WARNING = 120
# A client signed in to their own page (portal, /me/: not a staff login) is signed out
# after PORTAL_IDLE_MINUTES without a request and PORTAL_MAX_HOURS after signing in.
PORTAL_IDLE_TIMEOUT = env.int("PORTAL_IDLE_MINUTES", default=20) * 60
PORTAL_MAX_AGE = env.int("PORTAL_MAX_HOURS", default=8) * 3600
SESSION_COOKIE_AGE = SESSION_MAX_AGE
# Sessions are written to the database and read from the shared cache (Redis, or one
# machine's files): a query saved on every request. The database keeps them, so a cache
# restart logs nobody out; ending someone's sessions deletes both (audit.sessions).
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

# Two-factor login (django-two-factor-auth): required for managers and administrators,
# and for keyworkers at sites that ask (audit.two_factor). Off only in unit tests that log
# in with force_login, which cannot give a code.
TWO_FACTOR_REQUIRED = env.bool("TWO_FACTOR_REQUIRED", default=True)
OTP_TOTP_ISSUER = "Keywork"
# The admin never shows anyone's authenticator secret (its key, its QR code): whoever saw
# it could make that person's codes.
OTP_ADMIN_HIDE_SENSITIVE_DATA = True
TWO_FACTOR_REMEMBER_COOKIE_AGE = None

# Clients are removed (counts kept) this many years after their record closed:
# `manage.py purge_expired`.
RETENTION_YEARS = env.int("RETENTION_YEARS", default=6)

# Point-in-time recovery on PostgreSQL: the folder the server's archive_command copies each
# WAL segment into (README "Backups and point-in-time recovery"). When set, `manage.py
# backup` also takes a base backup and prunes the WAL older than the oldest one kept, and
# `manage.py restore --to` replays the WAL to any minute since that base backup.
WAL_ARCHIVE_DIR = env.str("WAL_ARCHIVE_DIR", default="")

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
LANGUAGES = [("en-gb", "English")]
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True
LOCALE_PATHS = [BASE_DIR / "locale"]

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "var" / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(BASE_DIR / "var" / "media")))
# Evidence and portfolio files: never under a URL, served only through permission checks.
PRIVATE_MEDIA_ROOT = Path(env.str("PRIVATE_MEDIA_ROOT",
                                  default=str(BASE_DIR / "var" / "private")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        # Hashed, compressed files for production; the plain storage serves straight from
        # static/ in development and tests, where nobody has run collectstatic.
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if env.bool("STATIC_MANIFEST", default=not DEBUG)
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

CSRF_FAILURE_VIEW = "keywork.views.csrf_failure"

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# HTTPS only, remembered by browsers for a year (HSTS); /healthz stays reachable over
# plain HTTP for a load balancer's checks.
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True

# Content-Security-Policy: only our own files, no inline script or style anywhere (htmx
# is told not to add its indicator <style>, see base.html). data: images are the
# Bootstrap icons drawn in its CSS and the signature pad's picture.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if env.bool("BEHIND_HTTPS_PROXY", default=False) else None
)

# E-mail: printed to the console unless an SMTP server is configured.
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="keywork@localhost")

# Reminders to clients (messaging): texts through Twilio, e-mail through CLIENT_EMAIL_BACKEND
# (django-anymail's Postmark backend in production). Unset, both print to the console.
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")
SMS_BACKEND = env.str("SMS_BACKEND", default="console")  # "console" or "twilio"
TWILIO_ACCOUNT_SID = env.str("TWILIO_ACCOUNT_SID", default="")
TWILIO_AUTH_TOKEN = env.str("TWILIO_AUTH_TOKEN", default="")
TWILIO_FROM = env.str("TWILIO_FROM", default="")
TWILIO_API_URL = env.str("TWILIO_API_URL", default="https://api.twilio.com")
CLIENT_EMAIL_BACKEND = env.str("CLIENT_EMAIL_BACKEND", default=EMAIL_BACKEND)
CLIENT_FROM_EMAIL = env.str("CLIENT_FROM_EMAIL", default=DEFAULT_FROM_EMAIL)
ANYMAIL = {
    "POSTMARK_SERVER_TOKEN": env.str("POSTMARK_SERVER_TOKEN", default=""),
    "POSTMARK_API_URL": env.str("POSTMARK_API_URL", default="https://api.postmarkapp.com/"),
}
# "user:password" that Postmark's delivery and bounce webhook (messaging:email_status) must
# send as basic auth; unset, the webhook refuses everything.
if webhook_secret := env.str("ANYMAIL_WEBHOOK_SECRET", default=""):
    ANYMAIL["WEBHOOK_SECRET"] = webhook_secret

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}
