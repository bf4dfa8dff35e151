"""Robocorp's local work-item files (rpaframework's ``FileAdapter`` format), read and written.

``devdata/work-items-in/<name>/work-items.json`` is a JSON list of items, each
``{"payload": {...}, "files": {"data.xlsx": "data.xlsx"}}``; a relative file path is relative to the folder that
holds work-items.json. An empty list is one empty item, as in FileAdapter. The output format is the same: a
work-items.json whose file paths name files written next to it (``devdata/work-items-out/<name>/``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rpa_core.errors import UserError

WORK_ITEMS_FILE = "work-items.json"


class DevdataError(UserError):
    """A work-items file (or folder) that cannot be read as work items; the message names the file and the place."""


@dataclass(frozen=True)
class DevItem:
    """One work item of a work-items file: its payload and its files (name -> absolute path)."""

    payload: dict[str, Any] = field(default_factory=dict)
    files: dict[str, Path] = field(default_factory=dict)

    def read_files(self) -> dict[str, bytes]:
        """The files' contents by name."""
        return {name: path.read_bytes() for name, path in self.files.items()}


def items_file(path: Path) -> Path:
    """The work-items.json that ``path`` (a folder or the file itself) names; DevdataError when there is none."""
    path = Path(path)
    if path.is_dir():
        candidate = path / WORK_ITEMS_FILE
        if not candidate.is_file():
            raise DevdataError(f"{path}: no {WORK_ITEMS_FILE} in this folder (a devdata/work-items-in/<name> folder)")
        return candidate
    if not path.is_file():
        raise DevdataError(f"{path} does not exist (give a folder with {WORK_ITEMS_FILE}, or the file itself)")
    return path


def parse_json(text: str, where: str) -> Any:
    """``text`` as JSON; DevdataError naming ``where`` and the line and column of a mistake."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise DevdataError(f"{where}: invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}") from None


def read_items(path: Path) -> list[DevItem]:
    """The work items of a work-items.json (or a folder holding one), their files resolved and checked."""
    source = items_file(path)
    try:
        text = source.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise DevdataError(f"{source} cannot be read: {exc}") from None
    data = parse_json(text, str(source))
    shape = 'a JSON list of work items, like [{"payload": {...}, "files": {"name.xlsx": "path"}}]'
    if not isinstance(data, list):
        raise DevdataError(f"{source}: expected {shape}, found a JSON {type(data).__name__}")
    if not data:
        return [DevItem()]
    return [_item(entry, number, source, shape) for number, entry in enumerate(data, start=1)]


def _item(entry: Any, number: int, source: Path, shape: str) -> DevItem:
    where = f"{source}: work item {number}"
    if not isinstance(entry, dict):
        raise DevdataError(f"{where} is a JSON {type(entry).__name__}; expected {shape}")
    unknown = sorted(set(entry) - {"payload", "files"})
    if unknown:
        raise DevdataError(f"{where}: unknown key(s) {', '.join(unknown)}; an item has only payload and files")
    payload = entry.get("payload") or {}
    if not isinstance(payload, dict):
        raise DevdataError(f"{where}: payload is a JSON {type(payload).__name__}; it must be an object of variables")
    files = entry.get("files") or {}
    if not isinstance(files, dict) or not all(isinstance(v, str) for v in files.values()):
        raise DevdataError(f'{where}: files must be an object of name -> path, like {{"data.xlsx": "data.xlsx"}}')
    resolved = {}
    for name, relative in files.items():
        file_path = Path(relative) if Path(relative).is_absolute() else source.parent / relative
        if not file_path.is_file():
            raise DevdataError(f"{where}: file '{name}' is not there ({file_path})")
        resolved[name] = file_path.resolve()
    return DevItem(payload, resolved)


def write_items(folder: Path, items: Iterable[tuple[Mapping[str, Any], Mapping[str, bytes]]]) -> Path:
    """Write ``(payload, files)`` items as FileAdapter writes its outputs: ``folder``/work-items.json, the files
    next to it under their own names (in ``item-<n>/`` when another item already has a file of that name).
    Returns the path of work-items.json."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    taken: set[str] = set()
    document = []
    for number, (payload, files) in enumerate(items, start=1):
        names = {}
        for name, content in files.items():
            relative = name if name not in taken else f"item-{number}/{name}"
            taken.add(relative)
            target = folder / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content)
            names[name] = relative
        document.append({"payload": dict(payload), "files": names})
    path = folder / WORK_ITEMS_FILE
    path.write_text(json.dumps(document, indent=4, ensure_ascii=False, default=str) + "\n", encoding="utf-8")
    return path
