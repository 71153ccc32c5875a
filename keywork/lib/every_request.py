"""Rows read on every request, by a query written once.

Each request of someone signed in reads their user (Django's ModelBackend.get_user), for
those who gave a code, their device (django-otp's middleware), and on most pages the site
they chose (keywork.lib.sites). Asked
through the ORM, each was built and compiled afresh: 0.5 to 1 ms a request of the 2.5 ms
a page served from the cache takes (measured with bench/profile.py and a loop of each,
5 Dec 2026). Here the SQL is written once from the model's columns and read back through
`read_one`, which turns the row into a model instance as the ORM would (the database's
converters applied: SQLite's dates, booleans).
"""

from django.apps import apps
from django.contrib.auth import get_user_model
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
        if not _in_range(pk):
            return None
        using = router.db_for_read(self.model)
        return read_one(self.model, using, self.sql(using), [pk])


_converters = {}


def _converters_of(model, alias):
    """([field attnames], [(column index, column, converters)]) of the model's columns, the
    converters as the ORM's compiler finds them (the database's own, then the field's:
    SQLite's dates and booleans)."""
    key = (model, alias)
    if key not in _converters:
        connection = connections[alias]
        found = []
        for index, field in enumerate(model._meta.concrete_fields):
            column = field.get_col(model._meta.db_table)
            functions = (connection.ops.get_db_converters(column)
                         + column.get_db_converters(connection))
            if functions:
                found.append((index, column, functions))
        _converters[key] = ([f.attname for f in model._meta.concrete_fields], found)
    return _converters[key]


def read_one(model, alias, sql, params):
    """The instance of `model` from the first row of `sql`, which selects the model's
    concrete columns in order; None without a row. Read as the ORM would turn a row into
    an instance (its converters, `from_db`), without RawQuerySet matching the columns to
    the fields again at each read: 0.16 against 0.28 ms (5 Dec 2026)."""
    connection = connections[alias]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return None
    values = list(row)
    names, converters = _converters_of(model, alias)
    for index, column, functions in converters:
        for function in functions:
            values[index] = function(values[index], column, connection)
    instance = model.from_db(alias, names, values)
    if apps.is_installed("zeal"):
        _read_alone(instance)
    return instance


def _read_alone(instance):
    """Tell the N+1 guard (django-zeal, installed for the tests: NPLUSONE_GUARD) that this
    row was read alone, as it learns of a queryset's single row; it does not see a raw
    query's, and would take the user's sites, read on several lines of a request, for a
    query repeated over a list."""
    from zeal.listeners import n_plus_one_listener
    from zeal.patch import get_instance_key

    n_plus_one_listener.ignore(get_instance_key(instance))


class SiteOfUser:
    """`SiteOfUser().get(user_id, site_id, active_only)`: the site with that id if it is
    one of the user's (and open, when `active_only`), else None. The site picker asks this
    on most pages (keywork.lib.sites): through the ORM, a join built and compiled afresh,
    0.5 ms against 0.14 ms written once (5 Dec 2026)."""

    def __init__(self):
        self._sql = {}

    def sql(self, alias, active_only):
        key = (alias, active_only)
        if key not in self._sql:
            quote = connections[alias].ops.quote_name
            field = _sites_field()
            through, site = field.remote_field.through._meta, field.related_model._meta
            table = quote(site.db_table)
            columns = ", ".join(f"{table}.{quote(f.column)}" for f in site.concrete_fields)
            user_column = quote(through.get_field(field.m2m_field_name()).column)
            site_column = quote(through.get_field(field.m2m_reverse_field_name()).column)
            active = (f" AND {table}.{quote(site.get_field('is_active').column)} = %s"
                      if active_only else "")
            # Names from the models' own definitions, quoted; the ids are parameters.
            self._sql[key] = (
                f"SELECT {columns} FROM {table} INNER JOIN {quote(through.db_table)} "  # noqa: S608
                f"ON {quote(through.db_table)}.{site_column} = {table}.{quote(site.pk.column)} "
                f"WHERE {quote(through.db_table)}.{user_column} = %s "
                f"AND {table}.{quote(site.pk.column)} = %s{active}")
        return self._sql[key]

    def get(self, user_id, site_id, active_only):
        if not _in_range(site_id):
            return None
        site = _sites_field().related_model
        using = router.db_for_read(site)
        return read_one(site, using, self.sql(using, active_only),
                        [user_id, site_id, *([True] if active_only else [])])


def _sites_field():
    """The user's sites (a many-to-many field), found through the user model: keywork.lib
    imports no app (layers.toml)."""
    return get_user_model()._meta.get_field("sites")


def _in_range(pk):
    """Whether an integer id can be one: the ORM finds nothing for one out of the column's
    range, where the database itself would refuse it (SQLite: OverflowError)."""
    return not isinstance(pk, int) or 0 < pk < 2**63
