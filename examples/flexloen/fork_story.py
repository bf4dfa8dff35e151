"""Syddjurs forks Skanderborg's fleksløn robot, runs it, and pulls Skanderborg's next release into the fork.

    python examples/flexloen/fork_story.py [--workdir fork-story] [--citizens 20]

Every step is an ``rpa`` or ``git`` command, printed with what it answered, as a municipality's robot developer
would type it (in ``--workdir``, wiped at the start when the story made it; any other folder that is not empty
is refused, exit code 2):

1. Skanderborg publishes its robot: a git repository of ``robots/flexloen``, tagged v0.1.0.
2. ``rpa robot fork skanderborg@v0.1.0 syddjurs --municipality "Syddjurs Kommune"``; ``rpa robot check`` lists
   the settings Syddjurs must decide.
3. Syddjurs adapts the fork without touching Skanderborg's files: its profile and its journal-note title in
   ``local/keywords.resource`` (both taken from ``examples/flexloen/syddjurs``), and one line of its own in the
   robot's README. ``rpa robot check`` is clean.
4. The fork runs against Syddjurs' systems (the sandbox, whose flexjob unit is called FJ there).
5. Skanderborg releases 0.2.0 (``release-0.2.0.patch``: a rate year in its rates, a new manual-handling rule
   LOW_WAGE, a changed task line), tagged v0.2.0.
6. ``rpa robot upstream status`` and ``rpa robot upstream merge``: no hand edit; the fork runs the next month with
   the new rule.
7. Another fork that changed the same task line as the release: the merge stops with the conflict listed.

The rates of 2025 in the release are fictitious (see the patch): they exist to show a release, not to pay anyone.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # the examples' own helpers
from workdir import prepare_workdir

ROOT = Path(__file__).resolve().parents[2]
ORIGINAL = ROOT / "robots" / "flexloen"
EXAMPLE = Path(__file__).resolve().parent
SYDDJURS = EXAMPLE / "syddjurs"  # the fork as Syddjurs keeps it: its profile and local/ are the adaptation
RELEASE_PATCH = EXAMPLE / "release-0.2.0.patch"
MUNICIPALITY = "Syddjurs Kommune"
UNIT = "FJ"
FIRST_MONTH, NEXT_MONTH = "2024-11", "2025-02"
# The release's rates for 2025 (fictitious, as in the patch); the sandbox plays a year with these rates.
RELEASE_RATES_2025 = ("20300.00", "16600.00")
LIBRARY_LINE = (
    "Library          flexloen.keywords.FlexloenKeywords    change_threshold=${change_threshold}    rates=${rates}"
)


@dataclass
class Story:
    """The story's commands, run in ``workdir`` with the sandbox's logins in the vault's environment variables."""

    workdir: Path
    secrets: dict[str, str]
    say: Callable[[str], None] = print
    outputs: list[subprocess.CompletedProcess] = field(default_factory=list)

    @property
    def original(self) -> Path:
        return self.workdir / "skanderborg"

    @property
    def fork(self) -> Path:
        return self.workdir / "syddjurs"

    def command(
        self, *args: str, env: dict[str, str] | None = None, check: bool = False
    ) -> subprocess.CompletedProcess:
        """Run a command in the work folder; print it and its answer."""
        shown = " ".join(f'"{a}"' if " " in a else a for a in args)
        self.say(f"\n$ {shown}")
        program = [sys.executable, "-m", "rpa_core.cli.main", *args[1:]] if args[0] == "rpa" else list(args)
        environment = {**os.environ, **self.secrets, **(env or {})}
        result = subprocess.run(program, cwd=self.workdir, env=environment, capture_output=True, text=True)
        for line in (result.stdout + result.stderr).rstrip().splitlines():
            self.say(f"  {line}")
        if result.returncode:
            self.say(f"  (exit code {result.returncode})")
        if check and result.returncode:
            raise SystemExit(f"fork story: '{shown}' failed with exit code {result.returncode}")
        self.outputs.append(result)
        return result

    def git(self, repo: Path, *args: str) -> subprocess.CompletedProcess:
        identity = ["-c", "user.name=Skanderborg Kommune", "-c", "user.email=rpa@skanderborg.example"]
        return self.command("git", "-C", str(repo.relative_to(self.workdir)), *identity, *args, check=True)

    # 1 ------------------------------------------------------------------------------------------------------
    def publish_original(self) -> None:
        """Skanderborg's repository of the robot as it is in this project, tagged v0.1.0."""
        shutil.copytree(ORIGINAL, self.original, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        self.git(self.original, "init", "--quiet", "--initial-branch=main")
        self.git(self.original, "add", "--all")
        self.git(self.original, "commit", "--quiet", "--message", "Fleksløn robot 0.1.0")
        self.git(self.original, "tag", "v0.1.0")

    # 2 ------------------------------------------------------------------------------------------------------
    def fork_original(self, dest: str = "syddjurs") -> subprocess.CompletedProcess:
        return self.command("rpa", "robot", "fork", "skanderborg@v0.1.0", dest, "--municipality", MUNICIPALITY)

    def check(self, robot: str = "syddjurs") -> subprocess.CompletedProcess:
        return self.command("rpa", "robot", "check", robot, "--profile", "syddjurs")

    # 3 ------------------------------------------------------------------------------------------------------
    def adapt(self) -> None:
        """Syddjurs' values and its journal-note title; a line of its own in the robot's README (a fork change)."""
        self.say("\n# Syddjurs sets its values and overrides one keyword, as in examples/flexloen/syddjurs:")
        shutil.copy2(SYDDJURS / "profiles" / "syddjurs.toml", self.fork / "profiles" / "syddjurs.toml")
        shutil.copytree(SYDDJURS / "local", self.fork / "local")
        readme = self.fork / "README.md"
        readme.write_text(
            readme.read_text(encoding="utf-8") + "\nSyddjurs Kommune runs this fork on the 3rd of each month.\n",
            encoding="utf-8",
        )
        self.say("  profiles/syddjurs.toml, local/keywords.resource, and a line in README.md")

    # 4, 6 ---------------------------------------------------------------------------------------------------
    def run(self, base_url: str, month: str, stamdata: Path) -> subprocess.CompletedProcess:
        """The fork against Syddjurs' systems (the sandbox at ``base_url``) for ``month``."""
        where = {
            "RPA_SETTING_YDELSE_URL": f"{base_url}/ydelse",
            "RPA_SETTING_INDKOMST_URL": f"{base_url}/indkomst",
            "RPA_SETTING_ESDH_URL": f"{base_url}/esdh",
            "RPA_SETTING_MASTER_DATA_WORKBOOK": str(stamdata),
            "RPA_SETTING_MAILBOX": "",  # no mail server in the story
        }
        self.say("\n# The sandbox's addresses and this month's master data come from the environment:")
        return self.command(
            "rpa", "run", "syddjurs", "--profile", "syddjurs", "--set", f"payment_month={month}", env=where
        )

    # 5 ------------------------------------------------------------------------------------------------------
    def release(self) -> None:
        """Skanderborg's 0.2.0: the release patch, committed and tagged."""
        self.command("git", "-C", "skanderborg", "apply", str(RELEASE_PATCH), check=True)
        self.git(self.original, "commit", "--quiet", "--all", "--message", "Fleksløn robot 0.2.0: LOW_WAGE, 2025")
        self.git(self.original, "tag", "v0.2.0")

    def status(self, robot: str = "syddjurs") -> subprocess.CompletedProcess:
        return self.command("rpa", "robot", "upstream", "status", robot, "--from", "skanderborg@v0.2.0")

    def merge(self, robot: str = "syddjurs") -> subprocess.CompletedProcess:
        return self.command("rpa", "robot", "upstream", "merge", robot, "--from", "skanderborg@v0.2.0")

    # 7 ------------------------------------------------------------------------------------------------------
    def conflicting_fork(self) -> Path:
        """A fork that wrote its threshold into the consumer's library line, next to the line the release adds."""
        self.fork_original("syddjurs-conflict")
        fork = self.workdir / "syddjurs-conflict"
        shutil.copy2(SYDDJURS / "profiles" / "syddjurs.toml", fork / "profiles" / "syddjurs.toml")
        consumer = fork / "tasks" / "consumer.robot"
        text = consumer.read_text(encoding="utf-8")
        assert LIBRARY_LINE in text, "the release patch and this story no longer agree on tasks/consumer.robot"
        consumer.write_text(text.replace(LIBRARY_LINE, LIBRARY_LINE.replace("${change_threshold}", "0.30")))
        self.say(
            "\n# This fork wrote its threshold into tasks/consumer.robot's Library line, where the release adds one:"
        )
        return fork


def vault_environment(logins: dict[str, tuple[str, str]], api_key: str) -> dict[str, str]:
    """The sandbox's logins as RPA_SECRET_<NAME>__<KEY> variables (a robot machine has its own vault)."""
    user, password = logins["ydelse"]
    return {
        "RPA_SECRET_YDELSE__USERNAME": user,
        "RPA_SECRET_YDELSE__PASSWORD": password,
        "RPA_SECRET_INDKOMST__API_KEY": api_key,
        "RPA_SECRET_ESDH__API_KEY": api_key,
        "RPA_SECRETS_FILE": os.devnull,
    }


def release_rates():
    """The sandbox's rate table with the release's (fictitious) 2025 rates."""
    from decimal import Decimal

    from rpa_core.sandbox.rates import RateRow, RateTable

    maximum, threshold = (Decimal(v) for v in RELEASE_RATES_2025)
    return RateTable().with_rows([RateRow(2025, maximum, threshold, "fictitious example rates (not STAR's)")])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workdir", type=Path, default=Path("fork-story"))
    parser.add_argument("--citizens", type=int, default=20)
    args = parser.parse_args()
    from rpa_core.sandbox.testing import start_sandbox

    workdir = args.workdir.resolve()
    refusal = prepare_workdir(workdir, "fork_story")
    if refusal:
        print(refusal, file=sys.stderr)
        return 2
    first = start_sandbox(citizens=args.citizens, month=FIRST_MONTH, unit=UNIT)
    story = Story(workdir, vault_environment(first.logins, first.api_key))
    try:
        story.publish_original()
        story.fork_original()
        story.check()
        story.adapt()
        story.check()
        story.run(first.base_url, FIRST_MONTH, first.stamdata(workdir / "stamdata-2024-11.xlsx"))
        story.release()
        story.status()
        story.merge()
        story.check()
        first.server.stop()
        nxt = start_sandbox(citizens=args.citizens, month=NEXT_MONTH, unit=UNIT, rates=release_rates())
        try:
            story.run(nxt.base_url, NEXT_MONTH, nxt.stamdata(workdir / "stamdata-2025-02.xlsx"))
        finally:
            nxt.server.stop()
        story.conflicting_fork()
        story.merge("syddjurs-conflict")
    finally:
        first.server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
