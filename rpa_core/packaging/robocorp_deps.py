"""A Robocorp robot's dependencies (conda.yaml or package.yaml) against the environment rpa runs it in.

rcc builds an environment per robot from the file robot.yaml names; rpa does not: it runs every step with its
own Python. So ``rpa robot check`` (and every run) compares the file's pip/pypi packages with what is installed:
a missing package is a problem, a version that does not match the pin, a different Python and the conda
packages it cannot check are warnings.

conda.yaml::

    dependencies: [python=3.10.12, pip=23.2.1, nodejs=16.14.2, {pip: [rpaframework==28.0.0, robocorp>=1.4]}]

package.yaml (its only operator is ``=``; ``dev-dependencies`` are not needed to run)::

    dependencies: {conda-forge: [python=3.10, uv=0.4], pypi: [rpaframework=28.6.3, robocorp=2.1.0]}
"""

from __future__ import annotations

import platform
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from rpa_core.paths import display_path

DEFAULT_FILES = ("conda.yaml", "package.yaml")
META_PACKAGE = "robocorp"
META_PARTS = ("robocorp-tasks", "robocorp-workitems")  # what a robot needs of the robocorp meta package
_FREEZE = re.compile(r"_(windows|linux|darwin)_(amd64|arm64)_freeze", re.IGNORECASE)
_PACKAGE_YAML_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*(?:\[[^\]]*\])?)\s*=\s*([^=<>!~\s].*)$")
_CONDA_SPEC = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)\s*(.*)$")


@dataclass(frozen=True)
class Wanted:
    """A Python distribution the environment file asks for."""

    name: str  # PEP 503 normalised
    spec: str  # as pip writes it: "==1.5.1", ">=1.4", or ""
    requirement: str  # for pip install: "robocorp-workitems==1.5.1"


def _platform() -> str:
    system = {"win32": "windows", "darwin": "darwin"}.get(sys.platform, "linux")
    machine = platform.machine().lower()
    return f"_{system}_{'arm64' if machine in ('arm64', 'aarch64') else 'amd64'}_freeze"


def environment_file(folder: Path, robot_yaml: Mapping[str, Any]) -> Path | None:
    """The environment file rcc would use: environmentConfigs' first existing one for this platform,
    else condaConfigFile, else conda.yaml or package.yaml if present."""
    configs = robot_yaml.get("environmentConfigs") or []
    for name in configs if isinstance(configs, list) else [configs]:
        match = _FREEZE.search(str(name))
        if match and match.group(0).lower() != _platform():
            continue
        if (folder / str(name)).is_file():
            return folder / str(name)
    conda = robot_yaml.get("condaConfigFile")
    if isinstance(conda, str) and (folder / conda).is_file():
        return folder / conda
    for name in DEFAULT_FILES:
        if (folder / name).is_file():
            return folder / name
    return None


def installed_distributions() -> dict[str, str]:
    """Every installed distribution's normalised name and version."""
    found: dict[str, str] = {}
    for dist in metadata.distributions():
        name = dist.metadata["Name"]
        if name:
            found.setdefault(canonicalize_name(name), dist.version)
    return found


def _read(path: Path) -> dict[str, Any]:
    import yaml

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise ValueError("not UTF-8 text") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f" (line {mark.line + 1})" if mark is not None else ""
        raise ValueError(
            f"not valid YAML: {getattr(exc, 'problem', None) or ' '.join(str(exc).split())}{line}"
        ) from None
    if not isinstance(data, dict):
        raise ValueError("must be a mapping with dependencies:")
    return data


def _entries(value: Any) -> list[str]:
    return [str(entry) for entry in value] if isinstance(value, list) else []


def _split(path: Path, data: dict[str, Any]) -> tuple[list[str], list[str]]:
    """The file's conda entries and its pip (pypi) entries, pip ones as pip requirements."""
    deps = data.get("dependencies") or []
    if path.name == "package.yaml" or isinstance(deps, dict):
        if not isinstance(deps, dict):
            raise ValueError("dependencies: must be a mapping with conda-forge: and pypi: lists")
        pypi = []
        for entry in _entries(deps.get("pypi")):
            pin = _PACKAGE_YAML_PIN.match(entry.strip())
            pypi.append(f"{pin.group(1)}=={pin.group(2)}" if pin else entry)
        return _entries(deps.get("conda-forge")), pypi
    if not isinstance(deps, list):
        raise ValueError("dependencies: must be a list like [python=3.10.12, pip=23.2.1, {pip: [...]}]")
    conda = [str(entry) for entry in deps if not isinstance(entry, dict)]
    pip = [entry for table in deps if isinstance(table, dict) for entry in _entries(table.get("pip"))]
    return conda, pip


def _conda_matches(version: str, spec: str) -> bool | None:
    """Whether ``version`` satisfies a conda spec ("=3.10", "3.10.*", "==3.10.12", ">=1.2,<2"); None: unknown."""
    spec = spec.strip()
    if not spec:
        return True
    try:
        if spec.startswith("=="):
            return Version(version) == Version(spec[2:].split("=")[0])
        if spec[0] in "<>!~":
            return SpecifierSet(spec.replace(" ", "")).contains(Version(version), prereleases=True)
        plain = spec.lstrip("=").split("=")[0].split()[0].removesuffix("*").removesuffix(".")
        return version == plain or version.startswith(plain + ".")
    except (InvalidSpecifier, InvalidVersion):
        return None


def _wanted(entry: str) -> Wanted | None:
    """The requirement ``entry`` (pip's syntax); None when its marker excludes this platform."""
    requirement = Requirement(entry)
    if requirement.marker is not None and not requirement.marker.evaluate():
        return None
    name = canonicalize_name(requirement.name)
    return Wanted(name, str(requirement.specifier), f"{name}{requirement.specifier}")


def dependency_notes(
    folder: Path,
    robot_yaml: Mapping[str, Any],
    *,
    installed: Mapping[str, str] | None = None,
    python_version: str | None = None,
) -> tuple[list[str], list[str]]:
    """The environment file's packages against ``installed`` (default: this environment): (problems, warnings)."""
    path = environment_file(folder, robot_yaml)
    warnings: list[str] = []
    if path is None:
        named = _entries(robot_yaml.get("environmentConfigs"))
        named += [str(robot_yaml["condaConfigFile"])] if robot_yaml.get("condaConfigFile") else []
        if named:
            warnings.append(f"{display_path(folder)}: none of its environment files exists: {', '.join(named)}")
        return [], warnings
    shown, file = display_path(path), path.name
    try:
        conda, pip = _split(path, _read(path))
    except ValueError as exc:
        return [f"{shown}: {exc}"], []
    have = installed_distributions() if installed is None else {canonicalize_name(k): v for k, v in installed.items()}
    python = python_version or platform.python_version()
    missing: list[Wanted] = []
    unchecked: list[str] = []
    for entry in pip:
        if entry.strip().startswith("-"):  # pip options such as --use-feature=truststore
            continue
        try:
            wanted = _wanted(entry)
        except InvalidRequirement:  # a URL, a local path
            unchecked.append(entry)
            continue
        if wanted is None:
            continue
        if wanted.name not in have:
            parts = [part for part in META_PARTS if part in have]
            if wanted.name == META_PACKAGE and len(parts) == len(META_PARTS):
                found = " and ".join(f"{part} {have[part]}" for part in parts)
                warnings.append(
                    f"{shown}: {wanted.requirement}: the robocorp meta package is not installed; {found} are, "
                    "taken as robocorp"
                )
            else:
                missing.append(wanted)
        elif wanted.spec and not _satisfies(have[wanted.name], wanted.spec):
            warnings.append(f"{shown}: {wanted.name}: wants {wanted.spec}, {have[wanted.name]} is installed")
    for entry in conda:
        match = _CONDA_SPEC.match(entry.strip())
        name, spec = (canonicalize_name(match.group(1)), match.group(2)) if match else (entry, "")
        if name == "pip":
            continue
        if name == "python":
            if _conda_matches(python, spec) is False:
                warnings.append(f"{shown}: wants {entry}; rpa runs the robot with Python {python}")
        elif name in have:  # a conda package that is also a Python distribution here (pydantic, truststore)
            if spec and _conda_matches(have[name], spec) is False:
                warnings.append(f"{shown}: {name}: wants {entry}, {have[name]} is installed")
        else:
            unchecked.append(entry)
    if unchecked:
        warnings.append(f"{shown}: not checked (conda packages or not a pip requirement): {', '.join(unchecked)}")
    problems = []
    if missing:
        listed = ", ".join(f"{w.name} ({file} wants {w.spec})" if w.spec else w.name for w in missing)
        command = " ".join(f"'{w.requirement}'" for w in missing)
        problems.append(
            f"{shown}: not installed in this environment: {listed}; install them (pip install {command}): "
            "rpa runs robots in its own environment and does not build one"
        )
    return problems, warnings


def _satisfies(version: str, spec: str) -> bool:
    try:
        return SpecifierSet(spec).contains(Version(version), prereleases=True)
    except (InvalidSpecifier, InvalidVersion):
        return True  # not comparable: say nothing rather than guess
