"""Rows read on every request, by a query written once.

Each request of someone signed in reads their user (Django's ModelBackend.get_user) and,
for those who gave a code, their authenticator device (django-otp's middleware). Asked
through the ORM, each was built and compiled afresh: 0.5 to 1 ms a request of the 2.5 ms
a page served from the cache takes (measured with bench/profile.py and a loop of each,
5 Dec 2026). Here the SQL is written once from the model's columns and read back through
RawQuerySet, which turns the row into a model instance as the ORM would (the database's
converters applied: SQLite's dates, booleans).
"""

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import connections, router


class ByPk:
    """`ByPk(Model).get(pk)`: the model's row with that primary key, or None."""

    def __init__(self, model):
        self.model = model
        self._sql = {}

    def sql(self, alias):
        if alias not in self._sql:
            quote = connections[alias].ops.quote_name
            meta = self.model._meta
            columns = ", ".join(quote(field.column) for field in meta.concrete_fields)
            # Names from the model's own definition, quoted; the id is a parameter.
            self._sql[alias] = (f"SELECT {columns} FROM {quote(meta.db_table)} "  # noqa: S608
                                f"WHERE {quote(meta.pk.column)} = %s")
        return self._sql[alias]

    def get(self, pk):
        try:
            pk = self.model._meta.pk.to_python(pk)
        except (ValidationError, TypeError, ValueError):  # not an id: no row has it
            return None
        using = router.db_for_read(self.model)
        rows = list(self.model._default_manager.db_manager(using).raw(self.sql(using), [pk]))
        if rows and apps.is_installed("zeal"):
            _read_alone(rows[0])
        return rows[0] if rows else None


def _read_alone(instance):
    """Tell the N+1 guard (django-zeal, installed for the tests: NPLUSONE_GUARD) that this
    row was read alone, as it learns of a queryset's single row; it does not see a raw
    query's, and would take the user's sites, read on several lines of a request, for a
    query repeated over a list."""
    from zeal.listeners import n_plus_one_listener
    from zeal.patch import get_instance_key

    n_plus_one_listener.ignore(get_instance_key(instance))
