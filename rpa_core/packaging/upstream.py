"""A fork and the robot it came from: what each side changed since the snapshot (``status``, ``diff``).

The snapshot is the merge base in the fork's ``.upstream/`` folder; ``[upstream].snapshot`` in robot.toml is its
digest, so an edited base is refused (as a hand-edited ``[upstream]`` table is). The fork's changes are its files
compared to the snapshot; upstream's changes are the source's files now (``[upstream].source`` at
``[upstream].ref``: the newest commit of a branch or tag, the same commit for a commit; or ``--from SOURCE[@ref]``)
compared to the snapshot. robot.toml is compared without its ``[upstream]`` table. ``merge.py`` merges them.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from rpa_core.errors import ConfigError
from rpa_core.packaging.fork import upstream_files
from rpa_core.packaging.manifest import MANIFEST_NAME, UpstreamInfo, load_robot
from rpa_core.packaging.snapshot import UPSTREAM_DIR, Files, digest, read_base, read_files
from rpa_core.packaging.source import Source, open_source
from rpa_core.packaging.toml_text import parse_upstream, split_upstream

PENDING = ".rpa/upstream-merge.json"  # an unfinished merge (see merge.py)


@dataclass(frozen=True)
class Fork:
    """A fork as it is: its ``[upstream]``, its files (robot.toml without ``[upstream]``) and its merge base."""

    root: Path
    info: UpstreamInfo
    block: str  # the [upstream] table's text
    files: Files
    base: Files

    def pending(self) -> dict | None:
        """The unfinished merge recorded in ``.rpa/upstream-merge.json``, if it is about this snapshot."""
        path = self.root / PENDING
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return record if isinstance(record, dict) and record.get("base") == self.info.snapshot else None


def load_fork(robot: str | Path) -> Fork:
    """Read a fork; a ConfigError when it has no ``[upstream]`` or its ``.upstream/`` does not match it."""
    root = Path(robot)
    manifest = root / MANIFEST_NAME
    if not manifest.is_file():
        raise ConfigError(f"ROBOT '{robot}' is not a robot folder: it has no {MANIFEST_NAME}")
    try:
        text = manifest.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ConfigError(f"{manifest}: not UTF-8 text") from None
    rest, block = split_upstream(text)
    info = parse_upstream(block, str(manifest))
    if info is None or block is None:
        raise ConfigError(
            f"{manifest}: has no [upstream] table, so '{robot}' is not a fork (`rpa robot fork` makes one)"
        )
    if not (root / UPSTREAM_DIR).is_dir():
        raise ConfigError(
            f"{root / UPSTREAM_DIR}: missing: the fork's merge base is gone; restore it from version control"
        )
    base = read_base(root)
    if digest(base) != info.snapshot:
        raise ConfigError(
            f"{root / UPSTREAM_DIR} does not match [upstream].snapshot in {manifest}: the merge base was edited by "
            "hand; restore it from version control"
        )
    files = read_files(root)
    files[MANIFEST_NAME] = rest.encode("utf-8")
    return Fork(root=root, info=info, block=block, files=files, base=base)


@dataclass(frozen=True)
class Upstream:
    """The upstream robot's files now (robot.toml without ``[upstream]``) and how to record where they came from."""

    source: Source
    files: Files
    version: str
    recorded: str  # for [upstream].source
    ref: str


@contextmanager
def fetch_upstream(fork: Fork, from_: str | None = None, *, pin: dict | None = None) -> Iterator[Upstream]:
    """Upstream from ``from_`` (relative to here), else from ``pin`` (source, revision, ref), else [upstream]."""
    if from_:
        opened, ref = open_source(from_), None
    elif pin:
        revision = pin["revision"] if pin["revision"] != "folder" else ""
        opened, ref = open_source(pin["source"], ref=revision, base=fork.root), pin.get("ref", "")
    else:
        opened, ref = open_source(fork.info.source, ref=fork.info.ref, base=fork.root), None
    with opened as source:
        files, _text = upstream_files(source.root, f"upstream '{source.text}'")
        version = load_robot(source.root).manifest.robot.version
        yield Upstream(source, files, version, source.recorded(fork.root), source.ref if ref is None else ref)


@dataclass(frozen=True)
class Changes:
    """The files one side added, modified and deleted since the snapshot."""

    added: list[str]
    modified: list[str]
    deleted: list[str]

    @property
    def paths(self) -> list[str]:
        return sorted({*self.added, *self.modified, *self.deleted})

    def lines(self) -> list[str]:
        marks = [("A", self.added), ("M", self.modified), ("D", self.deleted)]
        return [f"{mark} {path}" for mark, paths in marks for path in paths]


def compare(base: Files, other: Files) -> Changes:
    """What ``other`` added, modified and deleted compared to ``base``."""
    return Changes(
        added=sorted(set(other) - set(base)),
        modified=sorted(p for p in set(base) & set(other) if base[p] != other[p]),
        deleted=sorted(set(base) - set(other)),
    )


@dataclass(frozen=True)
class Status:
    """Both sides' changes since the snapshot, and where upstream is now."""

    robot: Path
    info: UpstreamInfo
    source: str
    upstream_version: str
    upstream_revision: str
    fork: Changes
    upstream: Changes
    pending: dict | None = None

    @property
    def both(self) -> list[str]:
        """The files changed on both sides since the snapshot (a merge combines them line by line)."""
        return sorted(set(self.fork.paths) & set(self.upstream.paths))


def _status(fork: Fork, up: Upstream) -> Status:
    return Status(
        robot=fork.root,
        info=fork.info,
        source=up.source.describe(),
        upstream_version=up.version,
        upstream_revision=up.source.revision,
        fork=compare(fork.base, fork.files),
        upstream=compare(fork.base, up.files),
        pending=fork.pending(),
    )


def status(robot: str | Path, from_: str | None = None) -> Status:
    """What the fork and its upstream each changed since the snapshot."""
    fork = load_fork(robot)
    with fetch_upstream(fork, from_) as up:
        return _status(fork, up)


def unified(path: str, old: bytes | None, new: bytes | None, old_label: str, new_label: str) -> str:
    """A unified diff of one file ('/dev/null' for a missing side); a note for a binary file."""
    try:
        before = (old or b"").decode("utf-8").splitlines(keepends=True)
        after = (new or b"").decode("utf-8").splitlines(keepends=True)
    except UnicodeDecodeError:
        return f"Binary file {path} differs\n"
    lines = difflib.unified_diff(
        before,
        after,
        fromfile=f"{old_label}/{path}" if old is not None else "/dev/null",
        tofile=f"{new_label}/{path}" if new is not None else "/dev/null",
    )
    return "".join(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in lines)


@dataclass(frozen=True)
class Diff:
    """Unified diffs of both sides' changes since the snapshot."""

    status: Status
    upstream: list[str]  # one unified diff per file upstream changed
    fork: list[str]  # one per file the fork changed


def diff(robot: str | Path, from_: str | None = None) -> Diff:
    """Unified diffs of upstream's changes since the snapshot, and of the fork's own changes."""
    fork = load_fork(robot)
    with fetch_upstream(fork, from_) as up:
        state = _status(fork, up)
        theirs = [unified(p, fork.base.get(p), up.files.get(p), "snapshot", "upstream") for p in state.upstream.paths]
        ours = [unified(p, fork.base.get(p), fork.files.get(p), "snapshot", "fork") for p in state.fork.paths]
    return Diff(status=state, upstream=theirs, fork=ours)
