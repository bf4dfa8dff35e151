"""Packaging of robots: the manifest (robot.toml) and, later, municipality profiles and forks."""

from rpa_core.packaging.manifest import MANIFEST_NAME, Manifest, Robot, Step, StepKind, load_robot
from rpa_core.packaging.profile import Settings, find_profile, resolve_settings

__all__ = [
    "MANIFEST_NAME",
    "Manifest",
    "Robot",
    "Settings",
    "Step",
    "StepKind",
    "find_profile",
    "load_robot",
    "resolve_settings",
]
