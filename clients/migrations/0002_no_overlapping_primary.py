"""Refuse overlapping primary allocations in the database itself, on both engines.

`end` is exclusive and NULL means open. Two primary allocations of one client overlap
when each starts before the other ends. PostgreSQL could use an exclusion constraint, but
that needs the btree_gist extension (superuser); a trigger needs nothing extra and reads
the same on SQLite.
"""

from django.db import migrations

OVERLAP = (
    "SELECT 1 FROM clients_allocation a WHERE a.client_id = NEW.client_id "
    "AND a.kind = 'primary' AND a.id <> NEW.id "
    "AND a.start < COALESCE(NEW.\"end\", '9999-12-31') "
    "AND NEW.start < COALESCE(a.\"end\", '9999-12-31')"
)
MESSAGE = "overlapping primary allocations for one client"

SQLITE = [
    f"""
    CREATE TRIGGER allocation_primary_no_overlap_{event}
    BEFORE {event} ON clients_allocation
    WHEN NEW.kind = 'primary' AND EXISTS ({OVERLAP.replace("a.id <> NEW.id", "a.id IS NOT NEW.id")})
    BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;
    """
    for event in ("INSERT", "UPDATE")
]
SQLITE_DROP = [f"DROP TRIGGER allocation_primary_no_overlap_{e};" for e in ("INSERT", "UPDATE")]

POSTGRES = [
    f"""
    CREATE FUNCTION allocation_primary_no_overlap() RETURNS trigger AS $$
    BEGIN
        IF NEW.kind = 'primary' AND EXISTS ({OVERLAP.replace("a.id <> NEW.id",
                                              "a.id IS DISTINCT FROM NEW.id")}) THEN
            RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'integrity_constraint_violation';
        END IF;
        RETURN NEW;
    END;
    $$ LANGUAGE plpgsql;
    """,
    """
    CREATE TRIGGER allocation_primary_no_overlap
    BEFORE INSERT OR UPDATE ON clients_allocation
    FOR EACH ROW EXECUTE FUNCTION allocation_primary_no_overlap();
    """,
]
POSTGRES_DROP = [
    "DROP TRIGGER allocation_primary_no_overlap ON clients_allocation;",
    "DROP FUNCTION allocation_primary_no_overlap();",
]


def forwards(apps, schema_editor):
    statements = POSTGRES if schema_editor.connection.vendor == "postgresql" else SQLITE
    for sql in statements:
        schema_editor.execute(sql)


def backwards(apps, schema_editor):
    statements = POSTGRES_DROP if schema_editor.connection.vendor == "postgresql" else SQLITE_DROP
    for sql in statements:
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("clients", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
