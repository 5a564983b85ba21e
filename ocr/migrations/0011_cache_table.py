"""The table of Django's database cache, where rate-limit counters live when no Redis is
configured: one store for every web process (settings.CACHES). Made whatever CACHES says, so
switching a deployment from Redis to the database needs no extra step."""

from django.core.management.commands.createcachetable import Command as CreateCacheTable
from django.db import migrations

TABLE = "legible_cache"


def create(apps, schema_editor):
    # Django's own DDL for the table; it does nothing when the table is there already.
    command = CreateCacheTable()
    command.verbosity = 0
    command.create_table(schema_editor.connection.alias, TABLE, dry_run=False)


def drop(apps, schema_editor):
    schema_editor.execute(f"DROP TABLE IF EXISTS {schema_editor.quote_name(TABLE)}")


class Migration(migrations.Migration):
    dependencies = [("ocr", "0010_page_previews")]
    operations = [migrations.RunPython(create, drop)]
