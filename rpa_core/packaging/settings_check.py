"""A robot's own check of its settings' values, run before any step starts.

The type checks of ``profile.py`` cannot know that ``change_threshold`` must be a share or ``payment_month`` a
month. A robot names a function for that in robot.toml::

    [robot]
    check_settings = "flexloen.settings:check_settings"

The function receives the resolved settings (name -> value) and returns the problems as ``(setting, what is
allowed)`` pairs; none means the settings are good. It is imported with the robot's folder on the Python path, as
the robot's Robot Framework processes see it. Every problem is reported at once, with the value and where it came
from, so an operator fixes a profile in one go instead of finding a failed run in the morning.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rpa_core.errors import ConfigError
from rpa_core.packaging.manifest import MANIFEST_NAME, Robot
from rpa_core.privacy import mask_cpr

if TYPE_CHECKING:
    from rpa_core.packaging.profile import Settings

SettingsCheck = Callable[[dict[str, Any]], Iterable[tuple[str, str]]]


def _field(robot: Robot) -> str:
    return f"{robot.directory / MANIFEST_NAME}: robot.check_settings"


def _package_modules(top: str) -> dict[str, object]:
    return {name: module for name, module in sys.modules.items() if name == top or name.startswith(top + ".")}


def _import_from(folder: Path, module_name: str):
    """Import ``module_name`` from ``folder``, also when another robot's package of that name is imported already
    (a fork and its original share the package name); the process's other modules are left as they were."""
    top = module_name.partition(".")[0]
    cached = _package_modules(top)
    origin = getattr(cached.get(top), "__file__", None) or ""
    stale = bool(cached) and not Path(origin).resolve().is_relative_to(folder.resolve())
    for name in cached if stale else ():
        del sys.modules[name]
    sys.path.insert(0, str(folder))
    try:
        return importlib.import_module(module_name)
    finally:
        sys.path.remove(str(folder))
        if stale:
            for name in _package_modules(top):
                del sys.modules[name]
            sys.modules.update(cached)


def load_settings_check(robot: Robot) -> SettingsCheck | None:
    """The function robot.toml names under ``[robot] check_settings``, or None when it names none."""
    spec = robot.manifest.robot.check_settings
    if not spec:
        return None
    where = _field(robot)
    module_name, _, function_name = spec.partition(":")
    try:
        module = _import_from(robot.directory, module_name)
    except ImportError as exc:
        raise ConfigError(f"{where}: cannot import '{module_name}' from {robot.directory}: {exc}") from None
    function = getattr(module, function_name, None)
    if not callable(function):
        raise ConfigError(f"{where}: module '{module_name}' has no function '{function_name}'")
    return function


def settings_problems(robot: Robot, settings: Settings) -> list[str]:
    """The robot's settings check as lines naming setting, value, source and what is allowed; empty when good."""
    function = load_settings_check(robot)
    if function is None:
        return []
    try:
        problems = [(str(name), str(problem)) for name, problem in function(dict(settings.values))]
    except Exception as exc:  # the robot's check itself is broken: say so, do not run on unchecked settings
        raise ConfigError(f"{_field(robot)}: the check failed: {type(exc).__name__}: {mask_cpr(str(exc))}") from None
    return [
        mask_cpr(f"{name} = {settings.values.get(name)!r} ({settings.sources.get(name, 'unknown setting')}): {problem}")
        for name, problem in problems
    ]


def check_settings(robot: Robot, settings: Settings) -> None:
    """Run the robot's settings check; every problem in one ConfigError naming setting, value and source."""
    lines = settings_problems(robot, settings)
    if not lines:
        return
    count = f"{len(lines)} setting{'s' if len(lines) != 1 else ''}"
    raise ConfigError(f"robot '{robot.name}': {count} not valid:\n" + "\n".join(f"  {line}" for line in lines))
