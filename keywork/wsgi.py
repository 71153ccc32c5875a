"""WSGI entry point, e.g. `gunicorn keywork.wsgi`."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "keywork.settings")
application = get_wsgi_application()
