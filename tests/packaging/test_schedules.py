"""robot.toml [[schedules]] and a profile's [schedules.<name>]: change or turn off, never add."""

from __future__ import annotations

from pathlib import Path

import pytest

from rpa_core.errors import ConfigError
from rpa_core.packaging import load_robot
from rpa_core.packaging.schedules import resolve_schedules

MANIFEST = """
[robot]
name = "sched"

[[steps]]
name = "only"
tasks = "tasks.robot"

[[schedules]]
name = "nightly"
cron = "30 2 * * *"
bank_days = "next"
max_duration = "3h"

[[schedules]]
name = "payments"
bank_day_of_month = [2, 11]
at = "06:00"
"""


def robot(tmp_path: Path, manifest: str = MANIFEST, profile: str | None = None):
    (tmp_path / "robot.toml").write_text(manifest, encoding="utf-8")
    (tmp_path / "tasks.robot").write_text("*** Tasks ***\nT\n    No Operation\n", encoding="utf-8")
    if profile is not None:
        (tmp_path / "profiles").mkdir()
        (tmp_path / "profiles" / "syddjurs.toml").write_text(profile, encoding="utf-8")
    return load_robot(tmp_path)


def test_the_manifest_declares_schedules(tmp_path):
    nightly, payments = resolve_schedules(robot(tmp_path))
    assert (nightly.cron, nightly.bank_days.value, nightly.max_seconds) == ("30 2 * * *", "next", 10800)
    assert payments.rule() == "bank days 2, 11 of the month at 06:00"


def test_a_profile_changes_a_schedule_and_turns_another_off(tmp_path):
    profile = '[schedules.nightly]\ncron = "0 3 * * *"\n[schedules.payments]\nenabled = false\n'
    loaded = robot(tmp_path, profile=profile)
    nightly, payments = resolve_schedules(loaded, "syddjurs")
    assert (nightly.cron, nightly.bank_days.value, nightly.max_seconds) == ("0 3 * * *", "next", 10800)
    assert payments.enabled is False
    assert [s.name for s in resolve_schedules(loaded, "syddjurs", enabled_only=True)] == ["nightly"]


def test_a_profile_may_switch_a_schedule_from_cron_to_bank_days_of_the_month(tmp_path):
    profile = '[schedules.nightly]\nbank_day_of_month = [1]\nat = "05:00"\n'
    nightly, _ = resolve_schedules(robot(tmp_path, profile=profile), "syddjurs")
    assert (nightly.cron, nightly.bank_day_of_month, nightly.at) == (None, [1], "05:00")


@pytest.mark.parametrize(
    ("profile", "message"),
    [
        ('[schedules.weekly]\ncron = "0 3 * * 1"\n', "has no schedule 'weekly' .*does not add one"),
        ('[schedules.nightly]\ncron = "0 3 * *"\n', r"syddjurs.toml: schedules.nightly: cron: .*five fields"),
        ('[schedules.nightly]\nwhen = "later"\n', r"schedules.nightly: when: unknown field"),
        ('[schedules.nightly]\nname = "other"\n', r"schedules.nightly.name: a schedule keeps its name"),
        ('[schedules]\nnightly = "off"\n', r"schedules.nightly: must be a table"),
    ],
)
def test_a_bad_profile_schedule_is_one_clear_line(tmp_path, profile, message):
    with pytest.raises(ConfigError, match=message):
        resolve_schedules(robot(tmp_path, profile=profile), "syddjurs")


def test_a_bad_manifest_schedule_names_the_file_and_field(tmp_path):
    bad = MANIFEST.replace('cron = "30 2 * * *"', 'cron = "30 2 * * * *"')
    with pytest.raises(ConfigError, match=r"robot.toml: schedules\[0\].cron: .*five fields"):
        robot(tmp_path, bad)
    twice = MANIFEST.replace('name = "payments"', 'name = "nightly"')
    with pytest.raises(ConfigError, match="schedules: each name once; declared twice: nightly"):
        robot(tmp_path, twice)
