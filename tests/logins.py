"""Logging in for real in tests: the two steps of the login form, and authenticator codes
computed the way the phone app does (django-otp's TOTP)."""

import time

from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice


def login_post(client, username, password, **extra):
    """The first step (username and password) of the login form."""
    return client.post(reverse("login"), {"auth-username": username, "auth-password": password,
                                          "login_view-current_step": "auth"}, **extra)


def token_post(client, token, **extra):
    return client.post(reverse("login"), {"token-otp_token": token,
                                          "login_view-current_step": "token"}, **extra)


def give_device(user, key=None):
    """`user`'s authenticator app (the demo's, for the demo staff), confirmed; "default" is
    the name django-two-factor-auth asks a code of."""
    fields = {"key": key} if key else {}
    device, _ = TOTPDevice.objects.get_or_create(user=user, name="default",
                                                 defaults={"confirmed": True, **fields})
    return device


def totp_token(device):
    """The code the app shows now, or the next one if now's was already used (a code
    works once): waits if even the next is too far ahead."""
    device.refresh_from_db()
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time()
    if totp.t() > device.last_t:
        return str(totp.token()).zfill(device.digits)
    wanted = device.last_t + 1
    while wanted > totp.t() + device.tolerance:
        time.sleep(1)
        totp.time = time.time()
    totp.time += device.step * (wanted - totp.t())
    return str(totp.token()).zfill(device.digits)
