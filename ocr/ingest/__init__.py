"""Pure ingest: files -> page images, with limits checked before any heavy work. No Django here."""

from .images import SUPPORTED_FORMATS, InputInfo, inspect, iter_pages
from .limits import IngestError, Limits

__all__ = ["SUPPORTED_FORMATS", "IngestError", "InputInfo", "Limits", "inspect", "iter_pages"]
