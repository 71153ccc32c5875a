"""A client's access log indexed in the page's order (client, newest first, id).

The log only grows, and every client page writes to it: on PostgreSQL the new index is
built CONCURRENTLY, before the old one is dropped (also concurrently), so that no page
waits on a lock while it builds. SQLite has no such thing and builds it in place."""

from django.contrib.postgres.operations import AddIndexConcurrently, RemoveIndexConcurrently
from django.db import migrations, models
from django.db.migrations.operations import AddIndex, RemoveIndex


def _plain_unless_postgres(operation, plain):
    """Run `operation` concurrently on PostgreSQL, as `plain` (its parent) elsewhere."""

    class Operation(operation):
        def database_forwards(self, app_label, schema_editor, from_state, to_state):
            runs = operation if schema_editor.connection.vendor == "postgresql" else plain
            runs.database_forwards(self, app_label, schema_editor, from_state, to_state)

        def database_backwards(self, app_label, schema_editor, from_state, to_state):
            runs = operation if schema_editor.connection.vendor == "postgresql" else plain
            runs.database_backwards(self, app_label, schema_editor, from_state, to_state)

    Operation.__name__ = operation.__name__
    return Operation


AddIndexQuietly = _plain_unless_postgres(AddIndexConcurrently, AddIndex)
RemoveIndexQuietly = _plain_unless_postgres(RemoveIndexConcurrently, RemoveIndex)


class Migration(migrations.Migration):

    atomic = False  # CREATE INDEX CONCURRENTLY cannot run in a transaction

    dependencies = [
        ('audit', '0002_purged_clients'),
    ]

    operations = [
        AddIndexQuietly(
            model_name='accessevent',
            index=models.Index(fields=['client', '-at', '-id'], name='access_client_newest'),
        ),
        RemoveIndexQuietly(
            model_name='accessevent',
            name='audit_acces_client__64ad25_idx',
        ),
    ]
