"""Packaging of robots: the manifest (robot.toml) and, later, municipality profiles and forks."""

from rpa_core.packaging.manifest import MANIFEST_NAME, Manifest, Robot, Step, load_robot

__all__ = ["MANIFEST_NAME", "Manifest", "Robot", "Step", "load_robot"]
