"""Where the project's shared files are: beside the package in a source checkout or an editable install, or under
``<prefix>/share/rpa-core`` where a wheel installs them (pyproject's data-files)."""

from __future__ import annotations

import site
import sys
import sysconfig
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
_INSTALLED = Path("share") / "rpa-core" / "shared_keywords"


def _shared_keywords_candidates() -> list[Path]:
    prefixes = [sysconfig.get_path("data"), sys.prefix, site.getuserbase()]
    return [PROJECT_ROOT / "shared_keywords", *(Path(prefix) / _INSTALLED for prefix in prefixes if prefix)]


def find_shared_keywords_dir() -> Path:
    """The first folder of the candidates that holds the shared ``*.resource`` files (else the checkout's path)."""
    candidates = _shared_keywords_candidates()
    return next((folder for folder in candidates if any(folder.glob("*.resource"))), candidates[0])


SHARED_KEYWORDS_DIR = find_shared_keywords_dir()


def display_path(path: str | Path) -> str:
    """A path as the user typed it: relative to the working directory when inside it, else absolute."""
    resolved = Path(path).resolve()
    try:
        return resolved.relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return str(resolved)
