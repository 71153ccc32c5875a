"""Signing in with a username and password, and reading the person back on each request."""

from django.contrib.auth.backends import ModelBackend

from keywork.lib.every_request import ByPk
from staff.models import User

_user_by_pk = ByPk(User)


class UserBackend(ModelBackend):
    """Django's ModelBackend, but for the user read on every request: the same row and the
    same rule (an inactive user is nobody), by a query written once (keywork.lib.every_request)."""

    def get_user(self, user_id):
        user = _user_by_pk.get(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None
