"""Text recognizer adapters."""
