"""Errors the engine raises; callers catch EngineError and show its message to the user."""

from __future__ import annotations


class EngineError(Exception):
    """Something the engine cannot do, with a message fit for a user."""


class UnknownModelError(EngineError):
    """A gallery id that no model is registered under."""


class WorkflowError(EngineError):
    """An invalid workflow; `errors` maps a node id (or "workflow") to its problems."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        self.errors = {key: list(messages) for key, messages in errors.items()}
        # args must be what __init__ takes, so the error survives pickling (Celery results).
        super().__init__(self.errors)

    def __str__(self) -> str:
        lines = [message for messages in self.errors.values() for message in messages]
        return "invalid workflow: " + "; ".join(lines)
