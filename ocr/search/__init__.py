"""Full-text search over an app's results: one interface, a backend per database vendor.

    hits = search(app, 'registers "quick brown" -draft lond*', fuzzy=True)

Only the regions of each input's result run are searched, video caption repeats left out.
Hits come in rank order, exact matches (rank >= 1) before fuzzy ones (rank < 1).
"""

from __future__ import annotations

from django.db import connection

from ocr.models import App

from .hits import Hit, Hits
from .query import parse

MAX_QUERY_LENGTH = 200

__all__ = ["MAX_QUERY_LENGTH", "Hit", "Hits", "search"]


def search(app: App, query: str, fuzzy: bool = False) -> Hits:
    parsed = parse(query[:MAX_QUERY_LENGTH])
    if connection.vendor == "postgresql":
        from . import postgres

        return postgres.search(app, parsed, fuzzy)
    from . import sqlite

    return sqlite.search(app, parsed, fuzzy)
