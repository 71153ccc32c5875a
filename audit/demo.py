"""Demo authenticator apps for `manage.py seed_demo`: managers and administrators must log
in with a code, so the demo manager and administrator get one whose secret README.md
publishes (like the demo password, for demo databases only: seed_demo needs DEBUG)."""

import base64

from django_otp.plugins.otp_totp.models import TOTPDevice

DEMO_TOTP_SECRET = "KEYWORKDEMOSECRETFORMANAGERSONLY"  # base32, as authenticator apps take it


def seed(ctx):
    key = base64.b32decode(DEMO_TOTP_SECRET).hex()
    for username in ("manager", "admin"):
        user = ctx["staff"].get(username)
        if user is not None:
            # django-two-factor-auth asks for the code of the device named "default".
            TOTPDevice.objects.update_or_create(
                user=user, name="default", defaults={"key": key, "confirmed": True})
