"""``rpa robot fork``: a copy of a robot for another municipality, with its merge base and a profile to fill in.

The fork gets the robot's files (not the source's ``profiles/`` or ``local/``), a byte copy of them in
``.upstream/`` (the merge base of ``rpa robot upstream merge``; robot.toml there without ``[upstream]``), a sealed
``[upstream]`` table appended to its robot.toml, and ``profiles/<slug>.toml`` for the new municipality.

The profile starts from the source municipality's settings: its profile (the one whose ``[profile]
municipality`` is the robot's owner, else the only one) over the robot's defaults. A value goes under
``[undecided]`` when it names the source municipality: a system's ``url_setting``, or a text that contains the
owner's (or that profile's municipality's) name without "Kommune", also with æ/ø/å written ae/oe/aa; and, for a
value the source's profile set, a text that is an e-mail address or looks like a code in its systems (2-12
upper-case letters, digits, ``_``, ``-``, at least one letter, such as FLEKS). A setting the source's profile left
undecided stays undecided. The profile's other values go under ``[settings]`` with where they came from; a robot
default that names no one is left to the robot (``mail_sender = "robot@localhost"`` is not Skanderborg's).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from rpa_core.errors import ConfigError
from rpa_core.packaging.manifest import MANIFEST_NAME, Manifest, load_robot
from rpa_core.packaging.profile import PROFILES_DIR, read_profile
from rpa_core.packaging.snapshot import Files, digest, read_files, write_base, write_files
from rpa_core.packaging.source import open_source
from rpa_core.packaging.toml_text import (
    check_split,
    join_upstream,
    split_upstream,
    toml_comment,
    toml_key,
    toml_value,
    upstream_block,
)

COPENHAGEN = ZoneInfo("Europe/Copenhagen")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")
_CODE = re.compile(r"^(?=.*[A-Z])[A-Z0-9_-]{2,12}$")
_DANISH = (("æ", "ae"), ("ø", "oe"), ("å", "aa"))


@dataclass(frozen=True)
class ForkResult:
    """What ``fork`` did: the files copied, the profile written, its settings and the undecided ones."""

    dest: Path
    robot: str
    version: str
    source: str
    revision: str
    files: list[str]
    profile: Path
    slug: str
    settings: dict[str, Any] = field(default_factory=dict)
    undecided: dict[str, Any] = field(default_factory=dict)
    source_profile: Path | None = None

    @property
    def next_command(self) -> str:
        return f"rpa robot check {self.dest} --profile {self.slug}"


def _transliterate(text: str) -> str:
    for letter, ascii_ in _DANISH:
        text = text.replace(letter, ascii_)
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


def municipality_slug(name: str) -> str:
    """The profile's name for a municipality: "Syddjurs Kommune" -> syddjurs, "Ærø Kommune" -> aeroe."""
    plain = re.sub(r"\s+kommune$", "", name.strip(), flags=re.IGNORECASE).lower()
    slug = re.sub(r"[^a-z0-9]+", "-", _transliterate(plain)).strip("-")
    if not slug:
        raise ConfigError(f"--municipality '{name}': give the municipality's name, e.g. \"Syddjurs Kommune\"")
    return slug


def _plain_name(municipality: str) -> str:
    return re.sub(r"\s+kommune$", "", municipality.strip(), flags=re.IGNORECASE).lower()


def names_municipality(
    name: str, value: Any, manifest: Manifest, *, set_by_profile: bool, also: tuple[str, ...] = ()
) -> bool:
    """Whether a setting's value names the robot's owner (or a municipality in ``also``); see the module doc."""
    if name in {system.url_setting for system in manifest.systems}:
        return True
    if not isinstance(value, str) or not value.strip():
        return False
    lowered = value.lower()
    for municipality in filter(None, map(_plain_name, (manifest.robot.owner, *also))):
        if municipality in lowered or _transliterate(municipality) in _transliterate(lowered):
            return True
    return set_by_profile and bool(_EMAIL.match(value.strip()) or _CODE.match(value.strip()))


def owner_profile(root: Path, owner: str) -> Path | None:
    """The source's profile for its owner: the one naming it as municipality, else the only one, else None."""
    paths = sorted((root / PROFILES_DIR).glob("*.toml")) if (root / PROFILES_DIR).is_dir() else []
    for path in paths:
        try:
            if owner and read_profile(path)["profile"].get("municipality") == owner:
                return path
        except ConfigError:
            continue
    return paths[0] if len(paths) == 1 else None


@dataclass(frozen=True)
class SourceSettings:
    """The source municipality's settings: its profile's values over the robot's defaults."""

    profile: Path | None
    municipality: str  # the profile's [profile] municipality, else the robot's owner
    values: dict[str, Any]
    set_by_profile: set[str]
    left_undecided: set[str]


def source_settings(root: Path, manifest: Manifest) -> SourceSettings:
    path = owner_profile(root, manifest.robot.owner)
    values = dict(manifest.settings)
    if path is None:
        return SourceSettings(None, manifest.robot.owner, values, set(), set())
    tables = read_profile(path)
    known = {k: v for k, v in tables["settings"].items() if k in manifest.settings}
    left = {k: v for k, v in tables["undecided"].items() if k in manifest.settings and k not in known}
    values.update({**left, **known})
    municipality = str(tables["profile"].get("municipality") or manifest.robot.owner)
    return SourceSettings(path, municipality, values, set(known), set(left))


def profile_text(manifest: Manifest, municipality: str, root: Path) -> tuple[str, dict, dict, Path | None]:
    """The new municipality's profile: its text, its [settings], its [undecided] and the source profile used."""
    source = source_settings(root, manifest)
    settings: dict[str, Any] = {}
    undecided: dict[str, Any] = {}
    for name, value in source.values.items():
        named = names_municipality(
            name, value, manifest, set_by_profile=name in source.set_by_profile, also=(source.municipality,)
        )
        if name in source.left_undecided or named:
            undecided[name] = value
        elif name in source.set_by_profile:
            settings[name] = value
    owner = source.municipality or "the source"
    origin = f"{PROFILES_DIR}/{source.profile.name}" if source.profile else MANIFEST_NAME
    lines = [
        f"# {municipality}'s settings for the robot {manifest.robot.name}, forked from {owner} by `rpa robot fork`.",
        "# Each setting under [undecided] named the source municipality: set your value under [settings] (and",
        "# delete it under [undecided]); a run refuses to start while any is undecided.",
        "[profile]",
        f"municipality = {toml_value(municipality)}",
        f"robot = {toml_value(manifest.robot.name)}",
    ]
    if source.municipality:
        lines.append(f"forked_from = {toml_value(source.municipality)}")
    lines += ["", "[settings]"]
    comment = toml_comment(f"{owner}'s value, from {origin}: keep it or set yours")
    lines += [f"{toml_key(name)} = {toml_value(value)}  # {comment}" for name, value in settings.items()]
    lines += ["", "[undecided]"]
    comment = toml_comment(f"{owner}'s value: set yours under [settings]")
    lines += [f"{toml_key(name)} = {toml_value(value)}  # {comment}" for name, value in undecided.items()]
    return "\n".join(lines) + "\n", settings, undecided, source.profile


def upstream_files(root: Path, where: str) -> tuple[Files, str]:
    """A source's robot files with robot.toml cut of its ``[upstream]`` table, and its robot.toml's full text."""
    files = read_files(root, where=where)
    if MANIFEST_NAME not in files:
        raise ConfigError(f"{where}: has no {MANIFEST_NAME}")
    text = files[MANIFEST_NAME].decode("utf-8")
    rest, _block = split_upstream(text)
    check_split(text, rest, f"{where}: {MANIFEST_NAME}")
    files[MANIFEST_NAME] = rest.encode("utf-8")
    return files, text


def fork(
    source: str, dest: Path, municipality: str, *, subdir: str | None = None, now: datetime | None = None
) -> ForkResult:
    """Fork the robot at ``source`` into the new folder ``dest`` for ``municipality``; nothing is written on error."""
    dest = Path(dest)
    if dest.exists() and (not dest.is_dir() or any(dest.iterdir())):
        raise ConfigError(f"DEST '{dest}' exists and is not empty; give a new folder for the fork")
    slug = municipality_slug(municipality)
    with open_source(source, subdir=subdir) as src:
        if not src.is_git and dest.resolve().is_relative_to(src.root):
            raise ConfigError(f"DEST '{dest}' is inside SOURCE '{source}'; give a folder outside it")
        files, _text = upstream_files(src.root, f"SOURCE '{source}'")
        robot = load_robot(src.root)
        manifest = robot.manifest
        text, settings, undecided, source_profile = profile_text(manifest, municipality, src.root)
        block = upstream_block(
            {
                "source": src.recorded(dest),
                "ref": src.ref,
                "version": manifest.robot.version,
                "revision": src.revision,
                "snapshot": digest(files),
                "forked_at": (now or datetime.now(COPENHAGEN)).replace(microsecond=0),
            }
        )
        own = {**files, MANIFEST_NAME: join_upstream(files[MANIFEST_NAME].decode("utf-8"), block).encode("utf-8")}
        modes = {name: 0o755 for name in files if (src.root / name).stat().st_mode & 0o111}
        profile_name = f"{PROFILES_DIR}/{slug}.toml"
        try:
            dest.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ConfigError(f"DEST '{dest}': cannot make the folder ({exc.strerror})") from None
        write_files(dest, {**own, profile_name: text.encode("utf-8")}, modes=modes)
        write_base(dest, files)
    load_robot(dest)  # the fork must load as it is
    return ForkResult(
        dest=dest,
        robot=manifest.robot.name,
        version=manifest.robot.version,
        source=source,
        revision=src.revision,
        files=sorted(files),
        profile=dest / profile_name,
        slug=slug,
        settings=settings,
        undecided=undecided,
        source_profile=source_profile,
    )
