"""Where the project's shared files are, found from the installed package (a source checkout or editable install)."""

from __future__ import annotations

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SHARED_KEYWORDS_DIR = PROJECT_ROOT / "shared_keywords"
