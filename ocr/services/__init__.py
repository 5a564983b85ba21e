"""Every write, split by concern. Views and tasks parse their input, then call one of these."""

from .apps import create_app, create_workflow, delete_app, delete_workflow, update_app
from .inputs import (
    create_inputs,
    delete_input,
    enqueue_run,
    ingest_limits,
    reading_options,
    start_run,
)
from .regions import VersionConflict, edit_region
from .tokens import regenerate_token, revoke_token

__all__ = [
    "VersionConflict",
    "create_app",
    "create_inputs",
    "create_workflow",
    "delete_app",
    "delete_input",
    "delete_workflow",
    "edit_region",
    "enqueue_run",
    "ingest_limits",
    "reading_options",
    "regenerate_token",
    "revoke_token",
    "start_run",
    "update_app",
]
