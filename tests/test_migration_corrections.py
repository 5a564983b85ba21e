"""Upgrading keeps what was there: migrations 0005-0006 make the result run's regions (edits
included) the page's regions and keep every run's reading as its history."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("ocr", "0004_search_lexemes")]
AFTER = [("ocr", "0006_readings_per_run")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def test_it_keeps_the_result_and_every_runs_reading(django_user_model) -> None:
    old = _migrate(BEFORE)
    user = old.get_model("auth", "User").objects.create(username="upgrader")
    app = old.get_model("ocr", "App").objects.create(owner_id=user.pk, name="old")
    item = old.get_model("ocr", "Input").objects.create(app=app, name="scan", file="x.png")
    page = old.get_model("ocr", "Page").objects.create(
        input=item, index=0, width=100, height=100, image="p.png"
    )
    Run = old.get_model("ocr", "Run")
    Region = old.get_model("ocr", "Region")
    first = Run.objects.create(
        input=item, workflow_name="fast", workflow_nodes=[], status="succeeded"
    )
    second = Run.objects.create(
        input=item, workflow_name="default", workflow_nodes=[], status="succeeded"
    )
    box = [[0, 0], [50, 0], [50, 10], [0, 10]]
    Region.objects.create(run=first, page=page, order=0, polygon=box, text="old reading")
    Region.objects.create(
        run=second, page=page, order=0, polygon=box, text="edited text", edited=True, version=2
    )

    try:
        new = _migrate(AFTER)
        regions = list(new.get_model("ocr", "Region").objects.filter(page_id=page.pk))
        assert [(r.text, r.edited, r.version, r.run_id) for r in regions] == [
            ("edited text", True, 2, second.pk)
        ]
        assert new.get_model("ocr", "Page").objects.get(pk=page.pk).run_id == second.pk
        readings = {
            r.run_id: [x["text"] for x in r.regions]
            for r in new.get_model("ocr", "RunPage").objects.filter(page_id=page.pk)
        }
        assert readings == {first.pk: ["old reading"], second.pk: ["edited text"]}
        if connection.vendor == "sqlite":  # the FTS5 triggers survived the table's rebuild
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT rowid FROM ocr_region_fts WHERE ocr_region_fts MATCH 'edited'"
                )
                assert [row[0] for row in cursor.fetchall()] == [regions[0].pk]
                cursor.execute(
                    "UPDATE ocr_region SET text = 'changed again' WHERE id = %s", [regions[0].pk]
                )
                cursor.execute(
                    "SELECT rowid FROM ocr_region_fts WHERE ocr_region_fts MATCH 'changed'"
                )
                assert [row[0] for row in cursor.fetchall()] == [regions[0].pk]
    finally:
        _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
