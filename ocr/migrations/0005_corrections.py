"""Corrections belong to the page (issue 11).

Regions were one set per run, and the result was the newest run's set: a re-run hid every edit.
Now Region holds the page's current regions (the newest reading with corrections on top), and
each run's own reading is kept in RunPage. Existing data is moved by migration 0006 (on
PostgreSQL, rows deleted in this migration's transaction would leave trigger events pending,
and the indexes made at its end refuse to be built then).

On SQLite, altering ocr_region rebuilds the table, which drops the triggers that keep the FTS5
tables of migration 0003 in step: they are made again at the end.
"""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

FTS_TABLES = ("ocr_region_fts", "ocr_region_trigram")


def _sqlite_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    for table in FTS_TABLES:
        for suffix in ("ai", "ad", "au"):
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_{suffix}")
        schema_editor.execute(
            f"CREATE TRIGGER {table}_ai AFTER INSERT ON ocr_region BEGIN "
            f"INSERT INTO {table}(rowid, text) VALUES (new.id, new.text); END"
        )
        schema_editor.execute(
            f"CREATE TRIGGER {table}_ad AFTER DELETE ON ocr_region BEGIN "
            f"INSERT INTO {table}({table}, rowid, text) VALUES ('delete', old.id, old.text); END"
        )
        schema_editor.execute(
            f"CREATE TRIGGER {table}_au AFTER UPDATE OF text ON ocr_region BEGIN "
            f"INSERT INTO {table}({table}, rowid, text) VALUES ('delete', old.id, old.text); "
            f"INSERT INTO {table}(rowid, text) VALUES (new.id, new.text); END"
        )
        schema_editor.execute(f"INSERT INTO {table}({table}) VALUES ('rebuild')")


class Migration(migrations.Migration):

    dependencies = [
        ('ocr', '0004_search_lexemes'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='DeletedRegion',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('polygon', models.JSONField()),
                ('text', models.TextField(blank=True, default='')),
                ('at', models.DateTimeField(auto_now_add=True)),
            ],
        ),
        migrations.CreateModel(
            name='RegionChange',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('version', models.PositiveIntegerField()),
                ('action', models.CharField(choices=[('read', 'Read'), ('edit', 'Edit'), ('draw', 'Draw'), ('split', 'Split'), ('merge', 'Merge')], max_length=16)),
                ('text', models.TextField(blank=True, default='')),
                ('polygon', models.JSONField()),
                ('order', models.PositiveIntegerField(blank=True, null=True)),
                ('at', models.DateTimeField(default=django.utils.timezone.now)),
            ],
            options={
                'ordering': ['-version', '-id'],
            },
        ),
        migrations.CreateModel(
            name='RunPage',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('regions', models.JSONField(default=list)),
            ],
        ),
        migrations.AlterModelOptions(
            name='region',
            options={'ordering': ['page__index', 'order', 'id']},
        ),
        migrations.RemoveConstraint(
            model_name='region',
            name='region_unique_order',
        ),
        migrations.AddField(
            model_name='page',
            name='run',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='ocr.run'),
        ),
        migrations.AddField(
            model_name='page',
            name='verified',
            field=models.BooleanField(default=False),
        ),
        migrations.AddField(
            model_name='page',
            name='verified_at',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='page',
            name='verified_by',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddField(
            model_name='region',
            name='corrected_at',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='region',
            name='corrected_by',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AlterField(
            model_name='region',
            name='run',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='regions', to='ocr.run'),
        ),
        migrations.AlterField(
            model_name='region',
            name='source',
            field=models.CharField(choices=[('ocr', 'Ocr'), ('text_layer', 'Text Layer'), ('person', 'Person')], default='ocr', max_length=16),
        ),
        migrations.AddIndex(
            model_name='region',
            index=models.Index(fields=['page', 'order'], name='region_page_order'),
        ),
        migrations.AddIndex(
            model_name='region',
            index=models.Index(fields=['score'], name='region_score'),
        ),
        migrations.AddField(
            model_name='deletedregion',
            name='page',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='deleted_regions', to='ocr.page'),
        ),
        migrations.AddField(
            model_name='deletedregion',
            name='user',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddField(
            model_name='regionchange',
            name='region',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='changes', to='ocr.region'),
        ),
        migrations.AddField(
            model_name='regionchange',
            name='user',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddField(
            model_name='runpage',
            name='page',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='readings', to='ocr.page'),
        ),
        migrations.AddField(
            model_name='runpage',
            name='run',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='pages', to='ocr.run'),
        ),
        migrations.AddConstraint(
            model_name='runpage',
            constraint=models.UniqueConstraint(fields=('run', 'page'), name='runpage_unique'),
        ),
        migrations.RunPython(_sqlite_triggers, migrations.RunPython.noop),
    ]
