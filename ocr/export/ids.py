"""Element ids shared by the XML formats, stable across exports when database ids are known."""

from __future__ import annotations

from .document import ExportPage


def page_id(number: int) -> str:
    """Id of the page at 1-based position `number` in the document."""
    return f"page_{number}"


def region_id(page: ExportPage, number: int, position: int) -> str:
    """Id of a region: its database id when known, else its page and line positions.

    Database ids keep ids stable when lines are edited, added or removed elsewhere.
    """
    if page.region_ids is not None:
        return f"region_{page.region_ids[position]}"
    return f"p{number}_region_{position + 1}"
