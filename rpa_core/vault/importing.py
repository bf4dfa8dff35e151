"""Reading secrets to import into the vault: today's TOML secrets file and rpaframework's FileSecrets JSON."""

from __future__ import annotations

import json
import tomllib
from collections.abc import Iterable
from pathlib import Path

from rpa_core.errors import UserError


def read_import_file(path: Path) -> dict[str, dict[str, str]]:
    """Secrets from today's TOML secrets file (``[name]`` tables) or rpaframework's FileSecrets JSON
    (``{"name": {"field": "value"}}``); the format from the suffix (.toml, else JSON). No message shows a value."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(f"cannot read {path}: {getattr(exc, 'strerror', None) or 'not UTF-8 text'}") from None
    toml = path.suffix.lower() == ".toml"
    try:
        data = tomllib.loads(text) if toml else json.loads(text)
    except (tomllib.TOMLDecodeError, json.JSONDecodeError) as exc:
        where = f"line {exc.lineno}" if isinstance(exc, json.JSONDecodeError) else "its syntax"
        raise UserError(f"{path}: not valid {'TOML' if toml else 'JSON'} ({where})") from None
    if not isinstance(data, dict):
        raise UserError(f'{path}: must map secret names to their fields, e.g. {{"ydelse": {{"username": "..."}}}}')
    secrets: dict[str, dict[str, str]] = {}
    for name, values in data.items():
        if not isinstance(values, dict) or any(isinstance(v, dict | list) for v in values.values()):
            raise UserError(f"{path}: '{name}' must be a table of fields with text values")
        if name.lower() in (known.lower() for known in secrets):
            raise UserError(f"{path}: '{name}' appears twice (names are case-insensitive); keep one")
        secrets[name] = {str(field): str(value) for field, value in values.items()}
    return secrets


def fields_text(fields: Iterable[str]) -> str:
    """Field names for a message: ``username, password``."""
    return ", ".join(fields) or "no fields"
