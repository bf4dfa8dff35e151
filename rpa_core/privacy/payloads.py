"""Citizens' names in work item payloads: which fields hold them, and registering them for masking.

A robot declares its name fields in robot.toml (``[privacy] name_fields = ["navn", "borger_navn"]``); the runner
passes them to each step in ``RPA_PRIVACY_NAME_FIELDS`` (comma separated). Without the variable the common
field names below apply. Field names compare case-insensitively, at any depth of the payload.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import Any

from rpa_core import context
from rpa_core.privacy.registry import register_name

DEFAULT_NAME_FIELDS = ("name", "navn", "full_name", "fulde_navn", "citizen_name", "borger_navn", "borgernavn")


def name_fields(environ: dict[str, str] | None = None) -> frozenset[str]:
    """The payload fields that hold a name: ``RPA_PRIVACY_NAME_FIELDS``, else :data:`DEFAULT_NAME_FIELDS`."""
    raw = (os.environ if environ is None else environ).get(context.PRIVACY_NAME_FIELDS)
    fields = DEFAULT_NAME_FIELDS if raw is None else [f.strip() for f in raw.split(",") if f.strip()]
    return frozenset(field.lower() for field in fields)


def register_payload_names(payload: Any, fields: Iterable[str] | None = None) -> int:
    """Register the string values of the payload's name fields (in nested dicts and lists too); how many."""
    wanted = name_fields() if fields is None else frozenset(f.lower() for f in fields)
    if not wanted:
        return 0
    count, stack = 0, [payload]
    while stack:
        value = stack.pop()
        if isinstance(value, dict):
            for key, inner in value.items():
                if isinstance(key, str) and key.lower() in wanted and isinstance(inner, str):
                    count += register_name(inner)
                else:
                    stack.append(inner)
        elif isinstance(value, list | tuple):
            stack.extend(value)
    return count
