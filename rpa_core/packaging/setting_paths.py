"""Which settings are paths, and making them absolute before a step starts.

A step runs in the robot's folder (as Robocorp's rcc runs a task), so a relative path in a setting would
otherwise change meaning. The rule: a setting whose name ends in ``_file``, ``_folder``, ``_dir``, ``_path``
or ``_workbook`` holds a path; a non-empty relative text value of such a setting, wherever it came from (robot
default, profile, environment, ``--set``), is resolved against the operator's working directory (where ``rpa``
runs) when the runner writes the step's variable file. URLs (``scheme://...``) are left alone.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

PATH_SUFFIXES = ("_file", "_folder", "_dir", "_path", "_workbook")


def is_path_setting(name: str) -> bool:
    """True when the setting's name says it holds a path (``report_folder``, ``master_data_workbook``)."""
    return name.lower().endswith(PATH_SUFFIXES)


def absolute_paths(values: Mapping[str, Any], base: Path | None = None) -> dict[str, Any]:
    """``values`` with each path setting's relative text made absolute against ``base`` (default: cwd)."""
    root = (base or Path.cwd()).resolve()
    resolved = dict(values)
    for name, value in values.items():
        if not is_path_setting(name) or not isinstance(value, str) or not value.strip() or "://" in value:
            continue
        path = Path(value)
        if not path.is_absolute():
            resolved[name] = str(root / path)
    return resolved
