"""A fork's keyword overrides: ``local/keywords.resource`` and ``local/keywords.py`` beat keywords of the same name.

A municipality that forks a robot changes behaviour here instead of editing the robot's files, so an upstream
merge never meets its change (``local/`` is never merged). The runner hands :class:`LocalKeywords` to Robot
Framework as a pre-run modifier: every local keyword becomes a keyword of the suite file itself, which Robot
Framework 7 prefers over any resource or library keyword, also when a shared resource's keyword calls it.
A Python library's keywords get a one-line wrapper that calls them through the library (``LocalKeywords.X``).

:func:`find_overrides` lists each override, the keyword it replaces and whether their arguments differ, which
is what an upstream release that changed the replaced keyword's arguments looks like.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from robot.api import SuiteVisitor
from robot.utils import normalize

from rpa_core.errors import ConfigError
from rpa_core.paths import SHARED_KEYWORDS_DIR, display_path

LOCAL_DIR = "local"
LOCAL_RESOURCE = "keywords.resource"
LOCAL_LIBRARY = "keywords.py"
LIBRARY_ALIAS = "LocalKeywords"
MODIFIER = "rpa_core.packaging.overrides.LocalKeywords"


@dataclass(frozen=True)
class KeywordInfo:
    """A keyword as a robot developer finds it: name, arguments, file and line."""

    name: str
    args: tuple[str, ...]
    source: Path
    lineno: int

    def where(self) -> str:
        shown = display_path(self.source)
        return f"{shown}:{self.lineno}" if self.lineno else shown


@dataclass(frozen=True)
class Override:
    """One local keyword and the keyword of the same name it replaces (None: it replaces nothing)."""

    keyword: KeywordInfo
    replaces: KeywordInfo | None

    @property
    def arguments_differ(self) -> bool:
        return self.replaces is not None and self.replaces.args != self.keyword.args


def local_files(robot_dir: Path) -> list[Path]:
    """The fork's override files that exist, resource first."""
    folder = Path(robot_dir) / LOCAL_DIR
    return [path for path in (folder / LOCAL_RESOURCE, folder / LOCAL_LIBRARY) if path.is_file()]


def keywords_of(path: Path) -> list[KeywordInfo]:
    """The keywords a resource, suite or library file defines, read by libdoc (nothing is run)."""
    from robot.libdocpkg import LibraryDocumentation

    try:
        doc = LibraryDocumentation(str(path))
    except Exception as exc:  # libdoc raises DataError and friends for a broken file: name it
        raise ConfigError(f"{path}: cannot read its keywords: {str(exc).splitlines()[0]}") from None
    return [
        KeywordInfo(kw.name, tuple(str(arg) for arg in kw.args), Path(kw.source or path), kw.lineno or 0)
        for kw in doc.keywords
    ]


def _replaceable(robot_dir: Path, task_files: list[Path]) -> dict[str, KeywordInfo]:
    """Keywords a local one may replace, by normalised name: the robot's task and resource files, then shared."""
    robot_dir = Path(robot_dir)
    files = [*task_files]
    for path in sorted(robot_dir.rglob("*.resource")):
        parts = path.relative_to(robot_dir).parts
        if parts[0] != LOCAL_DIR and not any(part.startswith(".") for part in parts):
            files.append(path)
    files += sorted(SHARED_KEYWORDS_DIR.glob("*.resource"))
    found: dict[str, KeywordInfo] = {}
    for path in files:
        for keyword in keywords_of(path):
            found.setdefault(normalize(keyword.name, ignore="_"), keyword)
    return found


def find_overrides(robot_dir: Path, task_files: list[Path]) -> list[Override]:
    """Each local keyword and what it replaces among the robot's and the shared keywords."""
    targets = _replaceable(robot_dir, task_files)
    return [
        Override(keyword, targets.get(normalize(keyword.name, ignore="_")))
        for path in local_files(robot_dir)
        for keyword in keywords_of(path)
    ]


class LocalKeywords(SuiteVisitor):
    """Pre-run modifier: the fork's local keywords become the suite file's own, so they take precedence.

    Used by the runner as ``--prerunmodifier rpa_core.packaging.overrides.LocalKeywords;<robot>/local``.
    """

    def __init__(self, local_dir: str) -> None:
        from robot.running import ResourceFileBuilder

        self.local_dir = Path(local_dir)
        resource_path = self.local_dir / LOCAL_RESOURCE
        self.resource = ResourceFileBuilder().build(resource_path) if resource_path.is_file() else None
        library_path = self.local_dir / LOCAL_LIBRARY
        self.library = library_path if library_path.is_file() else None
        self.library_keywords = [kw.name for kw in keywords_of(library_path)] if self.library else []

    def start_suite(self, suite) -> None:
        if suite.resource is None or not suite.has_tests:
            return
        own = suite.resource
        if self.library is not None:
            own.imports.library(str(self.library), alias=LIBRARY_ALIAS)
            for name in self.library_keywords:
                self._replace(own, name)
                wrapper = own.keywords.create(name=name, args=("@{args}", "&{kwargs}"))
                wrapper.body.create_keyword(f"{LIBRARY_ALIAS}.{name}", args=("@{args}", "&{kwargs}"))
        if self.resource is not None:
            for item in self.resource.imports:
                own.imports.append(self._absolute(item))
            for keyword in self.resource.keywords:
                self._replace(own, keyword.name)
                own.keywords.append(keyword.deepcopy())

    @staticmethod
    def _replace(own, name: str) -> None:
        key = normalize(name, ignore="_")
        for existing in [kw for kw in own.keywords if normalize(kw.name, ignore="_") == key]:
            own.keywords.remove(existing)

    def _absolute(self, item):
        """An import of the local resource, with a path relative to local/ made absolute for the suite file."""
        copy = item.deepcopy()
        candidate = self.local_dir / item.name
        if not Path(item.name).is_absolute() and candidate.exists():
            copy.name = str(candidate.resolve())
        return copy
