"""Robot Framework's own command-line options for every step: ``--rf-option`` and robot.toml's ``[run] robot_options``.

They are parsed by Robot Framework's argument parser and their values checked by its settings, so a misspelt
option or a bad value is refused before anything runs. The options the runner sets itself are refused too.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from rpa_core.errors import ConfigError

_FILES = "the runner decides what a step writes (runs/<run-id>/<step>/output.xml, CPR masked, and the merged log)"
# Robot Framework's long option names (lower case, no dashes) that the runner owns, and why.
RUNNER_OWNED: dict[str, str] = {
    "output": _FILES,
    "outputdir": _FILES,
    "log": _FILES,
    "report": _FILES,
    "xunit": _FILES,
    "debugfile": _FILES,
    "timestampoutputs": _FILES,
    "listener": "the runner sets its own listeners (CPR masking, failure capture)",
    "prerunmodifier": "the runner sets its own pre-run modifiers (the work-item loop, a fork's overrides)",
    "rpa": "every step runs in RPA mode",
    "variable": "use rpa run --variable NAME:VALUE, or the robot's settings",
    "variablefile": "the runner passes the robot's settings as the variable file",
    "argumentfile": "give each option on its own instead",
    "name": "the runner names each step's suite after the step",
    "dryrun": "rpa robot check runs the dry run",
    "statusrc": "the runner reads Robot Framework's return code",
    "help": "it is not an option for a run",
    "version": "it is not an option for a run",
}
EXAMPLES = "e.g. --loglevel=DEBUG or --include=smoke"


def _parser():
    from robot.run import USAGE
    from robot.utils.argumentparser import ArgumentParser

    return ArgumentParser(USAGE, auto_help=False, auto_version=False, auto_argumentfile=False)


def robot_options_problem(args: Sequence[str]) -> str | None:
    """None when ``args`` (Robot Framework options as on its command line) may go to every step, else why not."""
    from robot.conf import RobotSettings
    from robot.errors import DataError

    parser = _parser()
    defaults, _ = parser.parse_args([])
    try:
        options, rest = parser.parse_args(list(args))
    except DataError as exc:
        return f"{exc} (Robot Framework's options, {EXAMPLES})"
    if rest:
        return f"'{rest[0]}' is not an option: give Robot Framework options only, {EXAMPLES}"
    given = {name: value for name, value in options.items() if value != defaults[name]}
    for name in given:
        if name in RUNNER_OWNED:
            return f"--{name} cannot be given: {RUNNER_OWNED[name]}; any other Robot Framework option can"
    try:
        RobotSettings(given)
    except DataError as exc:
        return str(exc)
    return None


def split_option(value: str) -> list[str]:
    """One ``--rf-option`` value as command-line words: ``--loglevel=DEBUG`` stays one, ``-L DEBUG`` is two."""
    head, _, tail = value.strip().partition(" ")
    return [head, tail.strip()] if tail.strip() and "=" not in head else [value.strip()]


def rf_option_args(values: Iterable[str]) -> tuple[str, ...]:
    """The command-line words of ``--rf-option`` values, each one Robot Framework option; else a ConfigError."""
    words: list[str] = []
    for value in values:
        option = split_option(value)
        if re.search(r"\s-", option[-1]):  # "--include=a --exclude=b" would be one tag pattern
            problem = f"one option per --rf-option, {EXAMPLES}; repeat --rf-option for more"
        else:
            problem = robot_options_problem(option)
        if problem:
            raise ConfigError(f"--rf-option '{value}': {problem}")
        words += option
    return tuple(words)


def check_rf_args(args: Sequence[str], where: str = "robot options") -> tuple[str, ...]:
    """``args`` when they may go to every step, else a ConfigError naming ``where``."""
    problem = robot_options_problem(args)
    if problem:
        raise ConfigError(f"{where}: {problem}")
    return tuple(args)
