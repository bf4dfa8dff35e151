"""``rpa robot upstream merge``: bring upstream's changes since the snapshot into a fork, file by file.

Per file, with the snapshot (``.upstream/``) as base: unchanged upstream, the fork's file stays; changed only
upstream, upstream's file is taken (added, updated or removed); changed on both sides, ``git merge-file`` merges
the lines (markers labelled "fork", "snapshot <version>" and "upstream <version>"). robot.toml is merged without
its ``[upstream]`` table, which is appended again afterwards. ``profiles/`` and ``local/`` are never read or
written. Everything is computed first: an unsafe or unreadable source writes nothing.

A clean merge writes the files, replaces ``.upstream/`` with upstream's files and advances ``[upstream]``
(version, revision, snapshot, source, ref, merged_at; forked_at stays).

On conflict only the conflicted files are written, with markers (a file deleted on one side and changed on the
other gets its whole content between markers; a binary file keeps the fork's bytes); each conflict is listed with
file and line range; every other file, ``[upstream]`` and ``.upstream/`` stay as they were, so the fork is never
half upstream's new version (and a file with markers does not parse, so ``rpa run`` refuses it). The merge is
recorded in ``.rpa/upstream-merge.json``: resolve the markers (or delete the file), then run the merge again. The
rerun takes the same upstream revision, keeps the files resolved by hand as they now are, merges the others and
completes when no markers are left. To start over instead, delete that file and restore the conflicted files
from version control.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
import tomllib
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from rpa_core.errors import ConfigError
from rpa_core.packaging.fork import COPENHAGEN
from rpa_core.packaging.manifest import MANIFEST_NAME, Manifest
from rpa_core.packaging.snapshot import UPSTREAM_DIR, digest, write_base, write_files
from rpa_core.packaging.toml_text import join_upstream, upstream_block
from rpa_core.packaging.upstream import PENDING, Fork, Upstream, fetch_upstream, load_fork


@dataclass(frozen=True)
class Conflict:
    """A file the merge could not combine, with the line ranges of its markers."""

    path: str
    reason: str
    lines: tuple[tuple[int, int], ...] = ()

    def __str__(self) -> str:
        where = ", ".join(f"{self.path}:{start}-{end}" for start, end in self.lines) or self.path
        return f"{where} ({self.reason})"


@dataclass
class MergeResult:
    """What a merge did with each file; ``clean`` when nothing conflicts (then ``[upstream]`` advanced)."""

    robot: Path
    old_version: str
    new_version: str
    revision: str
    merged: list[str] = field(default_factory=list)  # changed on both sides, combined (or resolved by hand)
    updated: list[str] = field(default_factory=list)  # changed only upstream: taken
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)
    up_to_date: bool = False  # upstream is the snapshot: nothing was written
    pending: list[str] = field(default_factory=list)  # on conflict: merged, not written until the rerun

    @property
    def clean(self) -> bool:
        return not self.conflicts


def marker_ranges(data: bytes) -> tuple[tuple[int, int], ...]:
    """The line ranges (first, last; from 1) of the conflict markers left in a file."""
    ranges, start = [], None
    for number, line in enumerate(data.splitlines(), 1):
        if line.startswith(b"<<<<<<< fork"):
            start = number
        elif line.startswith(b">>>>>>> upstream") and start is not None:
            ranges.append((start, number))
            start = None
    return tuple(ranges)


def merge_file(fork: bytes, base: bytes, upstream: bytes, labels: tuple[str, str, str]) -> bytes:
    """``git merge-file -p`` of three versions (on temporary copies): the merged bytes, with markers on conflict."""
    with tempfile.TemporaryDirectory(prefix="rpa-merge-") as folder:
        paths = [Path(folder) / name for name in ("fork", "base", "upstream")]
        for path, data in zip(paths, (fork, base, upstream), strict=True):
            path.write_bytes(data)
        args = [arg for label in labels for arg in ("-L", label)]
        try:
            result = subprocess.run(["git", "merge-file", "-p", *args, *map(str, paths)], capture_output=True)
        except FileNotFoundError:
            raise ConfigError("git is not installed: a merge needs the git command (git merge-file)") from None
    if result.returncode < 0 or result.returncode > 127:
        raise ConfigError(f"git merge-file failed: {result.stderr.decode(errors='replace').strip()}")
    return result.stdout


def _ended(data: bytes) -> bytes:
    return data if not data or data.endswith(b"\n") else data + b"\n"


def _plan(fork: Fork, up: Upstream, pending: dict | None, result: MergeResult) -> dict[str, bytes | None]:
    """The files to write (None: delete), filling ``result``'s lists."""
    labels = ("fork", f"snapshot {fork.info.version}", f"upstream {up.version}")
    touched = set(pending["touched"]) if pending else set()
    unresolved = set(pending["conflicts"]) if pending else set()
    writes: dict[str, bytes | None] = {}
    for path in sorted({*fork.files, *fork.base, *up.files}):
        mine, base, theirs = fork.files.get(path), fork.base.get(path), up.files.get(path)
        if path in touched:  # the first run wrote it, or it was a conflict: now as the fork has it
            ranges = marker_ranges(mine) if path in unresolved and mine is not None else ()
            if ranges:
                result.conflicts.append(Conflict(path, "markers not resolved yet", ranges))
            else:
                result.merged.append(path)
            continue
        if theirs == base:
            result.unchanged.append(path)
        elif mine == base:
            writes[path] = theirs
            (result.added if base is None else result.removed if theirs is None else result.updated).append(path)
        elif mine == theirs:
            result.merged.append(path)
        elif any(b"\0" in data for data in (mine, base, theirs) if data):
            result.conflicts.append(Conflict(path, "binary, changed on both sides: the fork's file is kept"))
        else:
            if theirs is None:
                tail = f"=======\n>>>>>>> {labels[2]} (deleted)\n".encode()
                merged, reason = b"<<<<<<< fork\n" + _ended(mine) + tail, "deleted upstream, changed here"
            elif mine is None:
                text = b"<<<<<<< fork (deleted)\n=======\n" + _ended(theirs) + f">>>>>>> {labels[2]}\n".encode()
                merged, reason = text, "deleted here, changed upstream"
            else:
                merged = merge_file(mine, base or b"", theirs, labels)
                reason = "added here and upstream" if base is None else "changed on both sides"
            writes[path] = merged
            ranges = marker_ranges(merged)
            if ranges:
                result.conflicts.append(Conflict(path, reason, ranges))
            else:
                result.merged.append(path)
    return writes


def _manifest_problem(text: str) -> str | None:
    """None when ``text`` is a valid robot.toml, else what is wrong with it."""
    from pydantic import ValidationError

    from rpa_core.packaging.manifest import _describe

    try:
        Manifest.model_validate(tomllib.loads(text))
    except tomllib.TOMLDecodeError as exc:
        return f"not valid TOML: {exc}"
    except ValidationError as exc:
        return _describe(exc)
    return None


def merge(robot: str | Path, from_: str | None = None, *, now: datetime | None = None) -> MergeResult:
    """Merge upstream's changes since the snapshot into the fork ``robot`` (see the module docstring)."""
    fork = load_fork(robot)
    pending = fork.pending()
    with fetch_upstream(fork, from_, pin=pending) as up:
        snapshot = digest(up.files)
        if pending and pending["upstream"] != snapshot:
            raise ConfigError(
                f"{fork.root}: a merge of upstream {pending['version']} is unfinished ({PENDING}) and "
                f"'{up.source.text}' now has other files; resolve its conflicts and rerun without --from, "
                f"or delete {PENDING} and restore the fork's files from version control to start over"
            )
        result = MergeResult(fork.root, fork.info.version, up.version, up.source.revision)
        if not pending and (snapshot, up.source.revision) == (fork.info.snapshot, fork.info.revision):
            result.unchanged = sorted({*fork.files, *fork.base})
            result.up_to_date = True
            return result
        writes = _plan(fork, up, pending, result)
        rest = writes.get(MANIFEST_NAME) or fork.files[MANIFEST_NAME]
        fields = {
            "source": up.recorded,
            "ref": up.ref,
            "version": up.version,
            "revision": up.source.revision,
            "snapshot": snapshot,
            "forked_at": fork.info.forked_at,
            "merged_at": (now or datetime.now(COPENHAGEN)).replace(microsecond=0),
        }
        manifest = join_upstream(rest.decode("utf-8", errors="replace"), upstream_block(fields))
        if result.clean and (problem := _manifest_problem(manifest)):
            result.conflicts.append(Conflict(MANIFEST_NAME, f"merged cleanly but not a valid manifest: {problem}"))
            if MANIFEST_NAME in result.merged:
                result.merged.remove(MANIFEST_NAME)
            writes.setdefault(MANIFEST_NAME, rest)
        if not result.clean:
            conflicted = {conflict.path for conflict in result.conflicts}
            result.pending = sorted(path for path in writes if path not in conflicted)
            writes = {path: data for path, data in writes.items() if path in conflicted}
            if MANIFEST_NAME in writes:  # markers or not, the old [upstream] table stays
                writes[MANIFEST_NAME] = join_upstream(rest.decode("utf-8", errors="replace"), fork.block).encode()
            record = {
                "source": up.recorded,
                "ref": up.ref,
                "revision": up.source.revision,
                "version": up.version,
                "upstream": snapshot,
                "base": fork.info.snapshot,
                "touched": sorted({*writes, *(pending["touched"] if pending else [])}),
                "conflicts": sorted({c.path for c in result.conflicts} | set(pending["conflicts"] if pending else [])),
            }
            write_files(fork.root, {**writes, PENDING: json.dumps(record, indent=2).encode()})
            return result
        _finish(fork, up, {**writes, MANIFEST_NAME: manifest.encode("utf-8")}, pending is not None)
    return result


def _finish(fork: Fork, up: Upstream, writes: dict[str, bytes | None], had_pending: bool) -> None:
    """Write a clean merge: the files, then the new ``.upstream/`` in place of the old one."""
    root = fork.root
    fresh, stale = root / f"{UPSTREAM_DIR}.new", root / f"{UPSTREAM_DIR}.old"
    for leftover in (fresh, stale):
        if leftover.is_dir() and not leftover.is_symlink():
            shutil.rmtree(leftover)
    write_base(root, up.files, folder=fresh.name)
    write_files(root, {**writes, **({PENDING: None} if had_pending else {})})
    (root / UPSTREAM_DIR).rename(stale)
    fresh.rename(root / UPSTREAM_DIR)
    shutil.rmtree(stale)
