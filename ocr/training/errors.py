"""Errors a training raises; their messages are shown to the person who started it."""

from __future__ import annotations


class TrainingError(Exception):
    """A training that cannot run or finish, with a message fit for a user."""


class TrainingCancelled(TrainingError):
    """The caller asked the loop to stop (see `should_stop` of the training functions)."""
