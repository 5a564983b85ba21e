"""Pure ingest: files -> page images, with limits checked before any heavy work. No Django here."""

from .archive import extract_zip
from .images import SUPPORTED_FORMATS
from .inputs import inspect, iter_pages, sniff
from .limits import IngestError, Limits
from .options import Options
from .pages import IngestedPage, InputInfo

__all__ = [
    "SUPPORTED_FORMATS",
    "IngestError",
    "IngestedPage",
    "InputInfo",
    "Limits",
    "Options",
    "extract_zip",
    "inspect",
    "iter_pages",
    "sniff",
]
