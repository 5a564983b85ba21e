"""Fuzzy search on PostgreSQL through a vocabulary of lexemes instead of a trigram index over
every region's text (see ocr/search/postgres.py).

On a million regions the trigram index on the text returned ~17,000 candidates for a common
word, each rechecked with word_similarity over its whole text and then scored again for the
ranking: p95 307 ms. The corpus holds only tens of thousands of distinct lexemes, so the
similar ones are found in a few milliseconds and the regions holding them through the same
tsvector index as exact search. Statement-level triggers keep the vocabulary complete for every
insert (COPY included) and edit, in the same transaction as the text.
"""

from django.db import migrations

# As ocr.search.highlight.fold spells it: lower case is already given (lexemes are lower case).
FOLD = "replace(translate({}, '015', 'ols'), 'rn', 'm')"

ADD_LEXEMES = f"""
INSERT INTO ocr_search_lexeme (lexeme, folded)
SELECT DISTINCT lexeme, {FOLD.format("lexeme")}
FROM {{source}}, unnest(tsvector_to_array(search_vector)) AS lexeme
-- One order for every writer: two transactions adding the same new lexemes in different
-- orders would otherwise wait on each other's unique-index entries and deadlock.
ORDER BY lexeme
ON CONFLICT (lexeme) DO NOTHING
"""

POSTGRES_FORWARD = [
    "CREATE TABLE ocr_search_lexeme (lexeme text PRIMARY KEY, folded text NOT NULL)",
    "CREATE INDEX search_lexeme_trgm ON ocr_search_lexeme USING gin (folded gin_trgm_ops)",
    f"""
    CREATE FUNCTION ocr_region_add_lexemes() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        {ADD_LEXEMES.format(source="new_regions")};
        RETURN NULL;
    END $$
    """,
    "CREATE TRIGGER ocr_region_lexemes_ai AFTER INSERT ON ocr_region "
    "REFERENCING NEW TABLE AS new_regions FOR EACH STATEMENT "
    "EXECUTE FUNCTION ocr_region_add_lexemes()",
    "CREATE TRIGGER ocr_region_lexemes_au AFTER UPDATE ON ocr_region "
    "REFERENCING NEW TABLE AS new_regions FOR EACH STATEMENT "
    "EXECUTE FUNCTION ocr_region_add_lexemes()",
    ADD_LEXEMES.format(source="ocr_region"),
    # Every write paid for this index; nothing reads it any more.
    "DROP INDEX IF EXISTS region_text_trgm",
]
POSTGRES_REVERSE = [
    "CREATE INDEX IF NOT EXISTS region_text_trgm ON ocr_region USING gin "
    "((replace(translate(lower(text), '015', 'ols'), 'rn', 'm')) gin_trgm_ops)",
    "DROP TRIGGER IF EXISTS ocr_region_lexemes_au ON ocr_region",
    "DROP TRIGGER IF EXISTS ocr_region_lexemes_ai ON ocr_region",
    "DROP FUNCTION IF EXISTS ocr_region_add_lexemes()",
    "DROP TABLE IF EXISTS ocr_search_lexeme",
]


def _run(statements):
    def run(apps, schema_editor):
        # SQLite keeps its FTS5 trigram table (migration 0003): nothing to do there.
        if schema_editor.connection.vendor == "postgresql":
            for statement in statements:
                schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("ocr", "0003_search"),
    ]

    operations = [
        migrations.RunPython(_run(POSTGRES_FORWARD), _run(POSTGRES_REVERSE)),
    ]
