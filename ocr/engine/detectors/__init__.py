"""Text detector adapters."""
