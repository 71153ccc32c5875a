"""Writes to staff records that must be checked and audited."""

from django.db import transaction

from staff.models import User


@transaction.atomic
def user_deactivate(*, user, by):
    """Deactivate a member of staff (they are logged out at once; the record stays).

    Refused with a ValidationError while they still hold clients (User.clean): their
    caseload is transferred first.
    """
    user = User.objects.select_for_update().get(pk=user.pk)
    user.is_active = False
    user.full_clean()
    user._history_user = by
    user.save()
    return user


@transaction.atomic
def profile_update(*, user, by, languages, gender, skills):
    """Record what a member of staff tells matching: the languages they speak, their
    gender (optional) and their specialisms."""
    user = User.objects.select_for_update().get(pk=user.pk)
    user.languages, user.gender, user.skills = languages, gender, list(skills)
    user.full_clean()
    user._history_user = by
    user.save()
    return user
