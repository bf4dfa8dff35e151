"""Where an output work item's unique reference comes from: robot.toml ``[queue] reference``.

The value is a payload variable's name (``reference = "reference"``) or a template of payload fields by name
(``reference = "flexloen:{cpr}:{month}"``). Without a declaration an output is always a new item with a generated
reference; with one, a second output with the same reference is not created again but reported as a duplicate:
a WARN line starting with :data:`DUPLICATE_WARNING` in the step's log, which :func:`count_duplicates` counts.
"""

from __future__ import annotations

import re
import string
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from pathlib import Path
from typing import Any

# The runner writes the run's queue context here (in the run's artifacts folder) for the work-item adapter.
QUEUE_CONTEXT_FILE = "queue-context.json"
DUPLICATE_WARNING = "Duplicate work item reference"
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class ReferenceSourceError(ValueError):
    """A payload cannot give the declared reference (a missing or empty field); names the field, never a value."""


def _fields(source: str) -> list[str]:
    """The payload fields a template names; ValueError for anything but ``{name}`` placeholders."""
    try:
        parts = list(string.Formatter().parse(source))
    except ValueError as exc:
        raise ValueError(f"'{source}' is not a template of {{field}} names: {exc}") from None
    fields = []
    for _literal, name, spec, conversion in parts:
        if name is None:
            continue
        if not _NAME.fullmatch(name) or spec or conversion:
            raise ValueError(f"'{source}': '{{{name}}}' is not a payload field name (use {{name}}, e.g. {{cpr}})")
        fields.append(name)
    return fields


def check_reference_source(source: str) -> str:
    """``source`` when it is a payload variable name or a ``{field}`` template; else ValueError saying what is."""
    source = source.strip()
    if "{" in source or "}" in source:
        if not _fields(source):
            raise ValueError(f"'{source}' names no payload field")
        return source
    if not _NAME.fullmatch(source):
        raise ValueError(
            f"'{source}' is neither a payload variable name (like reference) nor a template (like 'flexloen:{{cpr}}')"
        )
    return source


def render_reference(source: str, payload: Mapping[str, Any]) -> str:
    """The reference ``source`` gives for ``payload``; ReferenceSourceError naming a missing or empty field."""
    names = _fields(source) if "{" in source else [source]
    values = {}
    for name in names:
        value = payload.get(name)
        if value is None or str(value).strip() == "":
            raise ReferenceSourceError(
                f"the work item's payload has no value for '{name}', which robot.toml [queue] reference "
                f'= "{source}" needs for the item\'s reference'
            )
        values[name] = value
    return source.format(**values) if "{" in source else str(values[source])


def count_duplicates(output_xml: Path) -> int:
    """How many duplicate-reference warnings a step's output.xml holds (0 when it has none or cannot be read)."""
    try:
        errors = ET.parse(output_xml).getroot().find("errors")
    except (OSError, ET.ParseError):
        return 0
    if errors is None:
        return 0
    return sum(1 for msg in errors.iter("msg") if (msg.text or "").startswith(DUPLICATE_WARNING))


def count_duplicate_lines(console_log: Path) -> int:
    """How many duplicate-reference warnings a Python step printed (``[ WARN ] Duplicate work item reference``)."""
    try:
        with console_log.open(encoding="utf-8", errors="replace") as lines:
            return sum(1 for line in lines if line.startswith(f"[ WARN ] {DUPLICATE_WARNING}"))
    except OSError:
        return 0
