"""The stale-edit guard: the second of two people editing one record keeps what they typed.

A form carries the `version` of the row it was opened at, in a hidden field. Saving goes
through `version_claim` inside the service's transaction: the row is locked, and if
someone saved it in between the save is refused with `StaleEdit`; else the row's version
moves on by one. The view puts the error on the form (`keywork.lib.forms.add_error`), which
shows the message over what the person typed and moves the hidden version on, so that
once they have compared, saving again goes through.
"""

from django.core.exceptions import ValidationError
from django.db.models import F
from django.utils.translation import gettext_lazy as _

MESSAGE = _(
    "Someone else saved this while you were editing it. What you typed is still in the form "
    "below: open the page in another tab to see their changes, then save yours again.")


class StaleEdit(ValidationError):
    """Somebody else saved the row after the form was opened.

    `current` is the row as stored now and `field` the name of its version field.
    """

    def __init__(self, message=MESSAGE, *, current, field="version"):
        super().__init__(message, code="stale")
        self.current = current
        self.field = field

    @property
    def current_version(self):
        return getattr(self.current, self.field)


def version_claim(queryset, pk, version, *, field="version"):
    """Lock row `pk` of `queryset` until the transaction ends and claim the next version.

    Returns the row as stored now, its `field` already one past `version` (in the database
    and on the returned instance). Raises StaleEdit when the row is no longer at `version`.
    Call it inside `transaction.atomic`, before anything else is written.
    """
    row = queryset.select_for_update(of=("self",)).get(pk=pk)
    if getattr(row, field) != version:
        raise StaleEdit(current=row, field=field)
    queryset.model._default_manager.filter(pk=pk).update(**{field: F(field) + 1})
    setattr(row, field, version + 1)
    return row
