"""The one exception the export package raises for bad requests."""


class ExportError(ValueError):
    """An export that cannot be made as asked: unknown format, bad option, empty document."""
