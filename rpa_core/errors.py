"""Errors that mean "the user asked for something we cannot do": shown as one clear line, exit code 2."""

from __future__ import annotations


class UserError(Exception):
    """A mistake in input (file, field, URL, option) that the user can fix. Never shown as a traceback."""

    exit_code = 2


class ConfigError(UserError):
    """A manifest, profile or setting that is missing or invalid; the message names the file and field."""


class StoreUnavailableError(UserError):
    """The store URL is malformed, of an unknown kind, or the database cannot be reached."""
