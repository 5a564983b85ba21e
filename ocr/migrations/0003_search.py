"""Full-text search indexes (see ocr/search). Each vendor gets its own SQL, run from Python
because Django has no operation that means both a GIN index and an FTS5 table."""

from django.db import migrations

POSTGRES_FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    # A stored generated column rather than an index on the expression alone: ranking and
    # phrase rechecks need the vector of every matching row, and recomputing to_tsvector for
    # each made common words on a million regions cost 3x the latency budget. PostgreSQL
    # computes it in the same write as the text, so edits and deletions are searchable at once
    # with no trigger. The model does not declare it; ocr.search.postgres reads it by name.
    "ALTER TABLE ocr_region ADD COLUMN search_vector tsvector "
    "GENERATED ALWAYS AS (to_tsvector('english'::regconfig, text)) STORED",
    "CREATE INDEX region_text_fts ON ocr_region USING gin (search_vector)",
    # On the text folded for OCR confusions, as ocr.search.postgres.FoldedText spells it.
    "CREATE INDEX region_text_trgm ON ocr_region USING gin "
    "((replace(translate(lower(text), '015', 'ols'), 'rn', 'm')) gin_trgm_ops)",
]
# The extension stays: other things in the database may use it.
POSTGRES_REVERSE = [
    "DROP INDEX IF EXISTS region_text_trgm",
    "DROP INDEX IF EXISTS region_text_fts",
    "ALTER TABLE ocr_region DROP COLUMN IF EXISTS search_vector",
]

SQLITE_FORWARD = []
SQLITE_REVERSE = []
for table, tokenize in [
    ("ocr_region_fts", "porter unicode61"),
    ("ocr_region_trigram", "trigram"),
]:
    SQLITE_FORWARD += [
        f"CREATE VIRTUAL TABLE {table} USING fts5(text, content='ocr_region', "
        f"content_rowid='id', tokenize='{tokenize}')",
        # External content: the table stores only the index, the triggers keep it in step with
        # every insert, edit and deletion (cascades included) in the same transaction.
        f"CREATE TRIGGER {table}_ai AFTER INSERT ON ocr_region BEGIN "
        f"INSERT INTO {table}(rowid, text) VALUES (new.id, new.text); END",
        f"CREATE TRIGGER {table}_ad AFTER DELETE ON ocr_region BEGIN "
        f"INSERT INTO {table}({table}, rowid, text) VALUES ('delete', old.id, old.text); END",
        f"CREATE TRIGGER {table}_au AFTER UPDATE OF text ON ocr_region BEGIN "
        f"INSERT INTO {table}({table}, rowid, text) VALUES ('delete', old.id, old.text); "
        f"INSERT INTO {table}(rowid, text) VALUES (new.id, new.text); END",
        f"INSERT INTO {table}({table}) VALUES ('rebuild')",
    ]
    SQLITE_REVERSE += [
        f"DROP TRIGGER IF EXISTS {table}_ai",
        f"DROP TRIGGER IF EXISTS {table}_ad",
        f"DROP TRIGGER IF EXISTS {table}_au",
        f"DROP TABLE IF EXISTS {table}",
    ]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        statements = statements_by_vendor.get(schema_editor.connection.vendor)
        if statements is None:
            raise RuntimeError(
                f"Search has no index for {schema_editor.connection.vendor}; "
                "use PostgreSQL or SQLite."
            )
        for statement in statements:
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("ocr", "0002_documents_video_tracks"),
    ]

    operations = [
        migrations.RunPython(
            _run({"postgresql": POSTGRES_FORWARD, "sqlite": SQLITE_FORWARD}),
            _run({"postgresql": POSTGRES_REVERSE, "sqlite": SQLITE_REVERSE}),
        ),
    ]
