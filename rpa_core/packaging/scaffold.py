"""``rpa robot new``: a new robot that runs against the sandbox from its first minute, made from templates.

The templates are the files under ``templates/robot/``, laid out as the robot is. A file's path and text may
name a few placeholders, written ``@@{name}`` (Robot Framework's ``${...}``, ``@{...}`` and ``%{...}`` stay as
they are):

- ``@@{name}``: the robot's name (its queue, the references of its work items, its reports);
- ``@@{package}``: its Python package, the name with ``-`` and ``.`` as ``_``;
- ``@@{library}``: the class of its keyword library, e.g. ``TilskudKeywords``;
- ``@@{owner}``: the municipality that maintains it; ``@@{profile}``: its profile, e.g. ``syddjurs``;
- ``@@{year}``: this year (the licence's copyright line).

In paths ``__package__`` and ``__profile__`` stand for those names; a template's name ends in ``.tmpl`` (so
neither ruff nor pytest reads a template as code) and ``dot-`` at the start of a name becomes ``.``.

    >>> package_name("fleks-tilskud.v2"), municipality_slug("Høje-Taastrup Kommune")
    ('fleks_tilskud_v2', 'hoeje-taastrup')
"""

from __future__ import annotations

import importlib.util
import keyword
import re
import string
import sys
from dataclasses import dataclass
from datetime import date
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

from pydantic import ValidationError

from rpa_core.errors import ConfigError
from rpa_core.packaging.fork import municipality_slug
from rpa_core.packaging.manifest import RobotInfo

DEFAULT_OWNER = "Eksempel Kommune"
MAX_NAME_LENGTH = 40
TEMPLATE_SUFFIX = ".tmpl"
# Folders of the robot itself: a package of the same name would stand in their way.
RESERVED_PACKAGES = frozenset({"tasks", "tests", "profiles", "local", "reports", "runs"})
_OWNER = re.compile(r"^[^\W_][\w .,'&()/-]*$")


class _Template(string.Template):
    """``@@{placeholder}``: a delimiter that Robot Framework, Python, TOML and Markdown never write."""

    delimiter = "@@"


@dataclass(frozen=True)
class Scaffold:
    """A robot just written: where it is, the files written (relative to it) and the names it was given."""

    directory: Path
    files: tuple[Path, ...]
    name: str
    package: str
    owner: str
    profile: str


def package_name(name: str) -> str:
    """The robot's Python package: its name with ``-`` and ``.`` replaced by ``_``."""
    return name.replace("-", "_").replace(".", "_")


def library_class(package: str) -> str:
    """The class of the robot's keyword library: ``fleks_tilskud`` -> ``FleksTilskudKeywords``."""
    return "".join(part[:1].upper() + part[1:] for part in package.split("_") if part) + "Keywords"


def _check_name(name: str) -> str:
    try:
        RobotInfo(name=name)
    except ValidationError as exc:
        raise ConfigError(f"robot name '{name}': {exc.errors()[0]['msg'].removeprefix('Value error, ')}") from None
    if len(name) > MAX_NAME_LENGTH:
        raise ConfigError(
            f"robot name '{name}': at most {MAX_NAME_LENGTH} characters (it names the queue, the package, the files)"
        )
    package = package_name(name)
    if not package[0].isalpha() or not package.isidentifier() or keyword.iskeyword(package):
        raise ConfigError(
            f"robot name '{name}': must start with a letter and not be a Python keyword, since its package "
            f"'{package}' must be importable"
        )
    if package in RESERVED_PACKAGES:
        raise ConfigError(f"robot name '{name}': '{package}' is a folder of every robot; choose another name")
    if package in sys.stdlib_module_names or _installed(package):
        raise ConfigError(
            f"robot name '{name}': its package '{package}' would hide the Python module of that name; "
            f"choose another name"
        )
    return package


def _installed(package: str) -> bool:
    """Whether ``import <package>`` already finds a module (a plain folder of that name does not count)."""
    try:
        spec = importlib.util.find_spec(package)
    except (ImportError, ValueError):
        return False
    return spec is not None and spec.origin not in (None, "namespace")


def _check_owner(owner: str) -> tuple[str, str]:
    owner = " ".join(owner.split())
    if not _OWNER.match(owner):
        raise ConfigError(
            f"--owner '{owner}': write the municipality's name with letters, digits, spaces and - . , ' & ( ) /, "
            f'e.g. "Syddjurs Kommune"'
        )
    slug = municipality_slug(owner)
    if not slug:
        raise ConfigError(f"--owner '{owner}': the name needs letters or digits besides the word Kommune")
    return owner, slug


def _check_directory(directory: Path) -> None:
    if directory.is_dir():
        if any(directory.iterdir()):
            raise ConfigError(f"folder '{directory}' exists and is not empty: choose another --dir, or empty it")
    elif directory.exists():
        raise ConfigError(f"'{directory}' exists and is not a folder: choose another --dir")


def template_root() -> Traversable:
    """The robot template's folder, as installed with rpa-core."""
    return resources.files("rpa_core.packaging") / "templates" / "robot"


def _templates(folder: Traversable, prefix: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], Traversable]]:
    found = []
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name == "__pycache__":
            continue
        if entry.is_dir():
            found += _templates(entry, (*prefix, entry.name))
        elif entry.name.endswith(TEMPLATE_SUFFIX):
            found.append(((*prefix, entry.name), entry))
    return found


def _target(parts: tuple[str, ...], mapping: dict[str, str]) -> Path:
    names = []
    for part in parts:
        part = part.removesuffix(TEMPLATE_SUFFIX).replace("__package__", mapping["package"])
        part = part.replace("__profile__", mapping["profile"])
        names.append("." + part.removeprefix("dot-") if part.startswith("dot-") else part)
    return Path(*names)


def _placeholders(name: str, owner: str, year: int | None) -> dict[str, str]:
    package = _check_name(name)
    owner, slug = _check_owner(owner)
    return {
        "name": name,
        "package": package,
        "library": library_class(package),
        "owner": owner,
        "profile": slug,
        "year": str(year or date.today().year),
    }


def _render(mapping: dict[str, str]) -> dict[Path, str]:
    files: dict[Path, str] = {}
    for parts, template in _templates(template_root()):
        try:
            text = _Template(template.read_text(encoding="utf-8")).substitute(mapping)
        except (KeyError, ValueError) as exc:  # a broken template is our bug: name it
            raise RuntimeError(f"robot template {'/'.join(parts)}: bad placeholder {exc}") from None
        files[_target(parts, mapping)] = text
    return files


def render(name: str, owner: str = DEFAULT_OWNER, *, year: int | None = None) -> dict[Path, str]:
    """The robot's files (path relative to the robot -> text) for ``name`` and ``owner``; nothing is written."""
    return _render(_placeholders(name, owner, year))


def scaffold_robot(
    name: str, directory: str | Path | None = None, owner: str = DEFAULT_OWNER, *, year: int | None = None
) -> Scaffold:
    """Write a new robot ``name`` into ``directory`` (default ``./<name>``), which must not exist or be empty.

    Every refusal (a name the manifest does not allow, a folder with files in it) is a one-line ConfigError, and
    nothing is written then.
    """
    mapping = _placeholders(name, owner, year)
    folder = Path(directory) if directory is not None else Path(name)
    _check_directory(folder)
    files = _render(mapping)
    folder.mkdir(parents=True, exist_ok=True)
    for relative, text in files.items():
        path = folder / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return Scaffold(
        directory=folder,
        files=tuple(files),
        name=name,
        package=mapping["package"],
        owner=mapping["owner"],
        profile=mapping["profile"],
    )
