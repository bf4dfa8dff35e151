"""Which files belong to a robot, their digest, and writing files only inside a robot's folder.

A robot's files are everything under its folder except local state and outputs: ``.git/``, ``__pycache__/``,
``*.pyc``, any ``.<tool>_cache/`` (pytest, ruff, Robocop) anywhere; ``.upstream/`` (a fork's merge base), ``local/``
and ``profiles/`` (a municipality's own), ``.rpa/``, ``runs/`` and ``reports/`` at the top. They are named by
sorted POSIX paths relative to the folder.

Path safety: a symlink anywhere among them (even one pointing inside), a name with ``..`` parts or an absolute
name, and anything that is neither a regular file nor a folder is refused with a ConfigError naming the path.
Every target is checked to ``resolve()`` to itself inside the destination folder before anything is written.
"""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Mapping
from pathlib import Path

from rpa_core.errors import ConfigError

EXCLUDED_ANYWHERE = frozenset({".git", "__pycache__", ".pytest_cache", ".ruff_cache", ".hypothesis", ".venv"})
EXCLUDED_AT_TOP = frozenset(
    {".upstream", ".upstream.new", ".upstream.old", "local", "profiles", ".rpa", "runs", "reports"}
)
EXCLUDED_SUFFIXES = (".pyc",)
UPSTREAM_DIR = ".upstream"
UPSTREAM_NOTE = "README"
NOTE_TEXT = (
    b"This folder is the merge base of the fork: a byte copy of the upstream robot's files as they were when the\n"
    b"robot was forked or last merged (robot.toml without its [upstream] table). `rpa robot fork` and\n"
    b"`rpa robot upstream merge` write it; never edit it by hand (`rpa robot upstream status` refuses an edited one).\n"
)

Files = dict[str, bytes]


def check_name(name: str, where: str) -> str:
    """``name`` if it is a safe relative POSIX path (no absolute name, no '', '.' or '..' parts)."""
    parts = name.split("/")
    if not name or name.startswith("/") or "\x00" in name or any(part in ("", ".", "..") for part in parts):
        raise ConfigError(f"{where}: refusing the path '{name}': only plain relative names are allowed (no '..')")
    return name


def _excluded_anywhere(part: str) -> bool:
    """A folder that is a tool's state wherever it lies: ``.git``, ``__pycache__``, any ``.<tool>_cache``."""
    return part in EXCLUDED_ANYWHERE or (part.startswith(".") and part.endswith("_cache"))


def is_robot_file(name: str) -> bool:
    """Whether ``name`` (a relative POSIX path) belongs to the robot's files."""
    parts = name.split("/")
    if parts[0] in EXCLUDED_AT_TOP or any(_excluded_anywhere(part) for part in parts):
        return False
    return not name.endswith(EXCLUDED_SUFFIXES)


def robot_files(root: Path, *, where: str | None = None) -> list[str]:
    """The robot's files under ``root``, sorted; unsafe entries are a ConfigError naming ``where`` and the path."""
    where = where or str(root)
    found: list[str] = []

    def walk(folder: Path, prefix: str, collect: bool) -> None:
        with os.scandir(folder) as entries:
            for entry in sorted(entries, key=lambda e: e.name):
                name = prefix + entry.name
                keep = collect and is_robot_file(name)
                if collect and not keep and name != "profiles":  # profiles/ is read too: checked, not collected
                    continue
                if not collect and (_excluded_anywhere(entry.name) or name.endswith(EXCLUDED_SUFFIXES)):
                    continue
                mode = entry.stat(follow_symlinks=False).st_mode
                if stat.S_ISLNK(mode):
                    raise ConfigError(f"{where}: refusing the symlink '{name}': a robot's files must be plain files")
                if stat.S_ISDIR(mode):
                    walk(Path(entry.path), name + "/", keep)
                elif not stat.S_ISREG(mode):
                    raise ConfigError(f"{where}: refusing '{name}': neither a regular file nor a folder")
                elif keep:
                    found.append(name)

    if root.is_symlink() or not root.is_dir():
        raise ConfigError(f"{where}: not a folder")
    walk(root, "", True)
    return found


def read_files(root: Path, *, where: str | None = None) -> Files:
    """The robot's files under ``root`` with their bytes (see ``robot_files``)."""
    return {name: (root / name).read_bytes() for name in robot_files(root, where=where)}


def read_base(robot: Path) -> Files:
    """A fork's merge base: the files in ``.upstream/`` without the note that ``write_base`` adds."""
    base = read_files(robot / UPSTREAM_DIR, where=str(robot / UPSTREAM_DIR))
    if base.get(UPSTREAM_NOTE) == NOTE_TEXT:
        del base[UPSTREAM_NOTE]
    return base


def digest(files: Mapping[str, bytes]) -> str:
    """``sha256:...`` of a file set: every path and its bytes, in path order."""
    sha = hashlib.sha256()
    for name in sorted(files):
        data = files[name]
        sha.update(f"{name}\0{len(data)}\0".encode())
        sha.update(data)
    return "sha256:" + sha.hexdigest()


def target(root: Path, name: str) -> Path:
    """``root / name``, refused unless it resolves to exactly that path inside ``root`` (no symlink on the way)."""
    check_name(name, str(root))
    base = root.resolve()
    path = base / name
    if path.resolve() != path or not path.is_relative_to(base):
        raise ConfigError(f"refusing to write '{name}': it would not land inside {root} (a symlink on the way?)")
    return path


def write_files(root: Path, files: Mapping[str, bytes | None], *, modes: Mapping[str, int] | None = None) -> None:
    """Write ``files`` under ``root`` (None deletes one); every target is checked before the first write."""
    targets = {name: target(root, name) for name in files}
    for name, data in files.items():
        path = targets[name]
        if data is None:
            if path.is_file():
                path.unlink()
                _prune_empty(path.parent, root.resolve())
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.resolve() != path:  # a folder made meanwhile must not be a symlink either
            raise ConfigError(f"refusing to write '{name}': it would not land inside {root}")
        path.write_bytes(data)
        if modes and name in modes:
            path.chmod(modes[name])


def write_base(robot: Path, files: Mapping[str, bytes], folder: str = UPSTREAM_DIR) -> None:
    """Write a merge base (``files``) to ``robot/folder`` with a note saying what it is."""
    note = {} if UPSTREAM_NOTE in files else {UPSTREAM_NOTE: NOTE_TEXT}
    write_files(robot, {f"{folder}/{name}": data for name, data in {**files, **note}.items()})


def _prune_empty(folder: Path, root: Path) -> None:
    while folder != root and folder.is_relative_to(root) and not any(folder.iterdir()):
        folder.rmdir()
        folder = folder.parent
