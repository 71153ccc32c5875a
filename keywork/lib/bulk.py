"""Loading rows in bulk, with their history, faster than `bulk_create_with_history`.

For the large demo site (`seed_demo --clients 2000`: about a million rows with their
history) and the imports (`imports.services`). Django's `bulk_create` prepares every value
of every row through the field and the SQL compiler, and django-simple-history builds a
second model instance per row for its history; at this size that is minutes of CPU. Here
each row is a tuple read straight off the unsaved instances, with a converter only for the
types the database driver cannot take as they are (datetimes and dates on SQLite, JSON,
Decimal, files), and sent with `executemany` (COPY on PostgreSQL). The ids are given here
(after the table's largest), so the history rows can name them without reading the rows
back; PostgreSQL's sequence is then moved past them.

What `save()` would do and this does not: signals, `pre_save` (so `auto_now` fields must be
given a value; they are filled with now when empty), and model validation. Use it only for
data built by our own code.
"""

import json

from django.core.management.color import no_style
from django.db import connection, models
from django.utils import timezone

from keywork.lib import cache as page_cache

BATCH = 5_000
# Fields whose Python value the drivers (sqlite3, psycopg) take as it is.
PLAIN = (models.CharField, models.TextField, models.IntegerField, models.BooleanField,
         models.FloatField, models.ForeignKey)


def _converter(field):
    ops = connection.ops
    if isinstance(field, models.DateTimeField):
        return ops.adapt_datetimefield_value
    if isinstance(field, models.DateField):
        return ops.adapt_datefield_value
    if isinstance(field, models.JSONField):
        return lambda value: None if value is None else json.dumps(value, cls=field.encoder)
    if isinstance(field, models.DecimalField):
        return lambda value: ops.adapt_decimalfield_value(value, field.max_digits,
                                                          field.decimal_places)
    if isinstance(field, models.FileField):
        return lambda value: value.name or ""
    if field.choices:
        # TextChoices and IntegerChoices members, as the plain str or int they stand for.
        base = int if isinstance(field, models.IntegerField) else str
        return lambda value: None if value is None else base(value)
    if isinstance(field, PLAIN):
        return None
    # Anything else (UUIDs, and types added later) the way Django would send it.
    return lambda value: field.get_db_prep_save(value, connection)


def _auto_now(field, now):
    if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        return now if isinstance(field, models.DateTimeField) else now.date()
    return None


def _insert(model, fields, rows):
    table = connection.ops.quote_name(model._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    marks = ", ".join(["%s"] * len(fields))
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # COPY streams the rows in one statement: several times faster than an INSERT
            # a row, which is what executemany sends (psycopg's own cursor does COPY).
            # That cursor is below Django's: its errors are made Django's here (an import
            # refused by a constraint is then caught as with SQLite), and the page cache is
            # told of the write, which keywork.lib.cache sees only through Django's.
            with connection.wrap_database_errors, cursor.cursor.copy(
                    f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            page_cache.wrote(connection)
            return
        for start in range(0, len(rows), BATCH):
            cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})",  # noqa: S608
                               rows[start:start + BATCH])


def _rows(objects, fields, now):
    plan = [(f, f.attname, _converter(f), _auto_now(f, now)) for f in fields]
    rows = []
    for obj in objects:
        row = []
        for field, attname, convert, fill in plan:
            value = getattr(obj, attname)
            if value is None and field.many_to_one and field.is_cached(obj):
                # Built as Child(parent=parent) before the parent had its id.
                related = field.get_cached_value(obj)
                value = related.pk if related is not None else None
                setattr(obj, attname, value)
            if value is None and fill is not None:
                value = fill
                setattr(obj, attname, value)
            if convert is not None and value is not None:
                value = convert(value)
            row.append(value)
        rows.append(row)
    return rows


def insert_with_history(objects, model, *, user, reasons=None):
    """INSERT `objects` (unsaved instances of `model`) and one "created" history row each,
    by `user`, now, with `reasons` (one per object) as their `history_change_reason`.
    Gives each instance its id. Returns `objects`."""
    objects = list(objects)
    if not objects:
        return objects
    pk = model._meta.pk
    first = (model._default_manager.aggregate(top=models.Max(pk.attname))["top"] or 0) + 1
    for offset, obj in enumerate(objects):
        setattr(obj, pk.attname, first + offset)
    now = timezone.now()
    fields = list(model._meta.concrete_fields)
    _insert(model, fields, _rows(objects, fields, now))
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_sql(no_style(), [model]):
                cursor.execute(sql)
    _insert_history(objects, model, fields, user=user, now=now, reasons=reasons)
    return objects


def _insert_history(objects, model, fields, *, user, now, reasons=None):
    historical = model.history.model
    own = {f.attname for f in fields}
    columns, extra = [], []
    for field in historical._meta.concrete_fields:
        if field.name == "history_id":
            continue  # the database numbers the history rows
        columns.append(field)
        if field.attname in own:
            continue
        value = {"history_date": now, "history_type": "+", "history_user_id": user.pk,
                 "history_change_reason": None}
        if field.attname not in value:
            raise ValueError(f"{historical.__name__}.{field.attname}: no value to give it")
        extra.append(field.attname)
    kept = [f for f in fields if f.attname in {c.attname for c in columns}]
    rows = _rows(objects, kept, now)
    tail = [connection.ops.adapt_datetimefield_value(now), "+", user.pk, None]
    fixed = dict(zip(["history_date", "history_type", "history_user_id",
                      "history_change_reason"], tail, strict=True))
    ordered = kept + [f for f in columns if f.attname in extra]
    history_rows = [row + [fixed[name] for name in extra] for row in rows]
    if reasons is not None and "history_change_reason" in extra:
        at = len(kept) + extra.index("history_change_reason")
        for row, reason in zip(history_rows, reasons, strict=True):
            row[at] = reason
    _insert(historical, ordered, history_rows)

