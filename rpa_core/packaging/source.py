"""Where a robot comes from: a robot folder, or a git repository ``URL[@ref]`` (a local path to one works offline).

``open_source(text)`` is a context manager that yields a ``Source``: a folder holding the robot's files and the
revision (the git commit, or ``"folder"``). A folder that is the top of a git repository is read as the
repository (its committed files at HEAD or ``@ref``); any other folder with robot.toml is read as it is.

A repository is cloned (``git clone --no-checkout``) into a temporary folder, removed on exit. Its tree is listed
with ``git ls-tree`` and the robot's files written out by this module, so a symlink, a submodule or a name with
``..`` in the tree is refused before anything is written. ``subdir`` (or ``#subdir=PATH`` after the URL, the form
recorded in ``[upstream].source``) names a robot's folder inside the repository.
"""

from __future__ import annotations

import os
import re
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

from rpa_core.errors import ConfigError
from rpa_core.packaging.manifest import MANIFEST_NAME
from rpa_core.packaging.snapshot import check_name, is_robot_file, write_files

ALLOWED = "a robot folder (with robot.toml) or a git repository URL[@ref] (a local path to a repository works too)"
SUBDIR_MARK = "#subdir="
FOLDER_REVISION = "folder"
_SCP = re.compile(r"^[\w.-]+@[\w.-]+:")


@dataclass(frozen=True)
class Source:
    """A robot's files in ``root`` (temporary for a repository), read from ``location`` at ``revision``."""

    root: Path
    revision: str
    location: str  # an absolute path or a URL, without ref and subdir
    ref: str = ""
    subdir: str = ""
    text: str = ""  # SOURCE as given

    @property
    def is_git(self) -> bool:
        return self.revision != FOLDER_REVISION

    def describe(self) -> str:
        """Where the files came from, for people: ``location[@ref][#subdir=PATH]``."""
        return self.location + (f"@{self.ref}" if self.ref else "") + (SUBDIR_MARK + self.subdir if self.subdir else "")

    def recorded(self, relative_to: Path) -> str:
        """The source as ``[upstream].source`` keeps it: a path relative to the fork when they share a parent."""
        location = self.location
        if "://" not in location and not _SCP.match(location):
            here = relative_to.resolve()
            if os.path.commonpath([location, here]) != os.path.sep:
                location = os.path.relpath(location, here)
        return location + (SUBDIR_MARK + self.subdir if self.subdir else "")


def _is_remote(text: str) -> bool:
    if _SCP.match(text):
        return True
    parsed = urlparse(text)
    return bool(parsed.scheme and "://" in text and parsed.path not in ("", "/"))


def _split(text: str, base: Path) -> tuple[str, str]:
    """SOURCE as (location, ref): the ``@ref`` after the last '@', unless SOURCE names an existing path."""
    if (base / text).exists():
        return text, ""
    head, sep, ref = text.rpartition("@")
    if sep and head and ref and ((base / head).exists() or _is_remote(head)):
        return head, ref
    return text, ""


def _is_repository(folder: Path) -> bool:
    bare = (folder / "HEAD").is_file() and (folder / "objects").is_dir() and (folder / "refs").is_dir()
    return (folder / ".git").exists() or bare


def _git(*args: str, cwd: Path | None = None, stdin: bytes | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C"}
    try:
        return subprocess.run(["git", *args], cwd=cwd, input=stdin, capture_output=True, env=env, timeout=300)
    except FileNotFoundError:
        raise ConfigError("git is not installed: reading a robot from a repository needs the git command") from None


def _first_line(result: subprocess.CompletedProcess) -> str:
    lines = [line.strip() for line in result.stderr.decode(errors="replace").splitlines() if line.strip()]
    return lines[0] if lines else f"git exited with {result.returncode}"


@contextmanager
def open_source(
    text: str, *, subdir: str | None = None, ref: str | None = None, base: Path | None = None
) -> Iterator[Source]:
    """The robot named by SOURCE ``text``; ``ref`` (if given) instead of ``@ref``; relative paths from ``base``."""
    base = base or Path.cwd()
    given = text
    if SUBDIR_MARK in text:
        text, _, marked = text.partition(SUBDIR_MARK)
        if subdir and subdir.strip("/") != marked.strip("/"):
            raise ConfigError(f"SOURCE '{given}' names subdir '{marked}' and --subdir '{subdir}': give one")
        subdir = marked
    subdir = check_name(subdir.strip("/"), f"--subdir of SOURCE '{given}'") if subdir else ""
    location, wanted = (text, ref) if ref is not None else _split(text, base)
    path = base / location
    if path.is_file():
        raise ConfigError(f"SOURCE '{given}' is a file; give {ALLOWED}")
    if path.is_dir() and not wanted and not _is_repository(path):
        folder = (path / subdir) if subdir else path
        if not (folder / MANIFEST_NAME).is_file() or folder.is_symlink():
            inside = f" in '{subdir}'" if subdir else ""
            raise ConfigError(f"SOURCE '{given}' is a folder without {MANIFEST_NAME}{inside}; give {ALLOWED}")
        root = folder.resolve()
        yield Source(root=root, revision=FOLDER_REVISION, location=str(root), text=given)
        return
    if path.is_dir():
        location = str(path.resolve())
    elif not _is_remote(location):
        raise ConfigError(f"SOURCE '{given}' does not exist; give {ALLOWED}")
    with tempfile.TemporaryDirectory(prefix="rpa-source-") as temporary:
        clone = Path(temporary) / "repository"
        result = _git("clone", "--quiet", "--no-checkout", "--", location, str(clone))
        if result.returncode != 0:
            raise ConfigError(
                f"SOURCE '{given}': git cannot read it as a repository ({_first_line(result)}); give {ALLOWED}"
            )
        commit = _resolve(clone, wanted, given)
        root = Path(temporary) / "robot"
        root.mkdir()
        _write_tree(clone, commit, subdir, root, given)
        if not (root / MANIFEST_NAME).is_file():
            inside = f" in '{subdir}'" if subdir else ""
            raise ConfigError(f"SOURCE '{given}' has no {MANIFEST_NAME}{inside} at {commit[:12]}; give {ALLOWED}")
        yield Source(root=root, revision=commit, location=location, ref=wanted, subdir=subdir, text=given)


def _resolve(clone: Path, ref: str, given: str) -> str:
    """The commit that ``ref`` names in the clone (a branch, a tag or a commit; empty: the default branch)."""
    for candidate in (ref, f"origin/{ref}") if ref else ("HEAD",):
        result = _git("rev-parse", "--verify", "--quiet", "--end-of-options", f"{candidate}^{{commit}}", cwd=clone)
        if result.returncode == 0:
            return result.stdout.decode().strip()
    if not ref:
        raise ConfigError(f"SOURCE '{given}': the repository has no commits on its default branch; give URL@ref")
    raise ConfigError(f"SOURCE '{given}': unknown ref '{ref}'; give a branch, a tag or a commit of the repository")


def _write_tree(clone: Path, commit: str, subdir: str, root: Path, given: str) -> None:
    """Write the robot's files of ``commit`` (under ``subdir``) to ``root``, refusing unsafe entries first."""
    tree = f"{commit}:{subdir}" if subdir else f"{commit}^{{tree}}"
    kind = _git("cat-file", "-t", tree, cwd=clone)
    if kind.returncode != 0 or kind.stdout.strip() != b"tree":
        raise ConfigError(f"SOURCE '{given}': --subdir '{subdir}' is not a folder at {commit[:12]}; give {ALLOWED}")
    listing = _git("ls-tree", "-r", "-z", "--full-tree", tree, cwd=clone)
    if listing.returncode != 0:
        raise ConfigError(f"SOURCE '{given}': git cannot list {commit[:12]} ({_first_line(listing)})")
    wanted: list[tuple[str, str, str]] = []
    for record in listing.stdout.split(b"\0"):
        if not record:
            continue
        meta, _, raw = record.partition(b"\t")
        mode, _type, oid = meta.decode().split(" ")
        name = check_name(raw.decode("utf-8", errors="replace"), f"SOURCE '{given}'")
        parts = name.split("/")
        if not is_robot_file(name) and not (parts[0] == "profiles" and is_robot_file("/".join(parts[1:]))):
            continue
        if mode == "120000":
            raise ConfigError(f"SOURCE '{given}': refusing the symlink '{name}': a robot's files must be plain files")
        if mode not in ("100644", "100755"):
            raise ConfigError(f"SOURCE '{given}': refusing '{name}': neither a regular file nor a folder")
        wanted.append((name, mode, oid))
    blobs = _git("cat-file", "--batch", cwd=clone, stdin="".join(f"{oid}\n" for _, _, oid in wanted).encode())
    contents, offset = {}, 0
    for name, _mode, _oid in wanted:
        end = blobs.stdout.index(b"\n", offset)
        size = int(blobs.stdout[offset:end].split(b" ")[2])
        contents[name] = blobs.stdout[end + 1 : end + 1 + size]
        offset = end + 1 + size + 1
    modes = {name: 0o755 for name, mode, _ in wanted if mode == "100755"}
    write_files(root, contents, modes=modes)
