"""Before a run: task files that do not parse or call unknown keywords stop it with exit 2, charging nothing."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from support import rpa

from rpa_core.errors import ConfigError
from rpa_core.packaging import load_robot, resolve_settings
from rpa_core.queue import QueuePolicy, WorkQueue, count_items, list_items
from rpa_core.runner import Runner
from rpa_core.runner.preflight import check_robot, credential_problems
from rpa_core.vault import SecretStore

ROOT = Path(__file__).resolve().parents[2]
HELLO = ROOT / "examples" / "hello"
UNTERMINATED_IF = "    IF    ${number} == 5    Fail Once\n"


def hello_copy(tmp_path: Path, *, replace: tuple[str, str] | None = None) -> Path:
    folder = tmp_path / "hello"
    shutil.copytree(HELLO, folder)
    if replace:
        consumer = folder / "tasks" / "consumer.robot"
        text = consumer.read_text(encoding="utf-8")
        assert replace[0] in text
        consumer.write_text(text.replace(*replace), encoding="utf-8")
    return folder


def test_unterminated_if_in_consumer_charges_no_item(tmp_path, store):
    robot_dir = hello_copy(tmp_path, replace=(UNTERMINATED_IF, "    IF    ${number} == 5\n        Fail Once\n"))
    queue = WorkQueue(store, "hello", QueuePolicy())
    for number in range(1, 6):
        queue.create(f"hello:{number}", {"number": number})
    robot = load_robot(robot_dir)
    with pytest.raises(ConfigError) as caught:
        Runner(store, robot, runs_dir=tmp_path / "runs", settings=resolve_settings(robot, environ={})).work()
    assert "consumer.robot:23: IF must have closing END." in str(caught.value)
    items = list_items(store, queue="hello", limit=100)
    assert [(item.state, item.attempts) for item in items] == [("PENDING", 0)] * 5
    assert not (tmp_path / "runs").exists() or not any((tmp_path / "runs").iterdir())


def test_unknown_keyword_in_a_keyword_passed_to_for_each_input_work_item(tmp_path, store):
    """The dry run alone never reaches ``Greet One Item``: it is an argument of For Each Input Work Item."""
    robot_dir = hello_copy(tmp_path, replace=("    Log    ${greeting}, item ${number}!", "    Greet Loudly    x"))
    robot = load_robot(robot_dir)
    with pytest.raises(ConfigError, match=r"consumer\.robot:24: No keyword with name 'Greet Loudly' found"):
        Runner(store, robot, runs_dir=tmp_path / "runs", settings=resolve_settings(robot, environ={})).run()
    assert count_items(store) == {}


def test_rpa_run_refuses_a_broken_robot_with_exit_2_and_one_line_per_problem(tmp_path):
    robot_dir = hello_copy(tmp_path, replace=("    Log    ${greeting}, item ${number}!", "    Log"))
    result = rpa("run", str(robot_dir), cwd=tmp_path)
    assert result.returncode == 2, result
    assert "Traceback" not in result.stdout + result.stderr
    assert "hello/tasks/consumer.robot:24: Keyword 'BuiltIn.Log' expected 1 to 6 arguments, got 0." in result.stderr
    assert not (tmp_path / "runs").exists()


def test_check_is_clean_on_the_sample_robot(tmp_path):
    result = rpa("robot", "check", str(HELLO), "--profile", "danish", cwd=ROOT)
    assert result.returncode == 0, result
    assert result.stdout.strip().splitlines()[-1].endswith(": ok")
    assert "examples/hello" not in result.stderr


def test_check_lists_each_problem_on_its_own_line(tmp_path):
    robot_dir = hello_copy(tmp_path, replace=(UNTERMINATED_IF, "    Greet Loudly\n"))
    (robot_dir / "profiles" / "danish.toml").write_text(
        '[profile]\nmunicipality = "Eksempel"\n\n[undecided]\ngreeting = "Hej fra Skanderborg"\n', encoding="utf-8"
    )
    result = rpa("robot", "check", str(robot_dir), "--profile", "danish", cwd=tmp_path)
    assert result.returncode == 2
    problems = result.stderr.strip().splitlines()
    assert len(problems) == 2, result.stderr
    assert problems[0].startswith("problem: ") and "settings.greeting: not decided yet" in problems[0]
    assert "hello/tasks/consumer.robot:23: No keyword with name 'Greet Loudly' found." in problems[1]
    assert "2 problem(s)" in result.stdout


def test_credentials_are_checked_by_name_and_key_without_showing_values(tmp_path):
    robot_dir = hello_copy(tmp_path)
    manifest = robot_dir / "robot.toml"
    manifest.write_text(
        manifest.read_text(encoding="utf-8")
        + '\n[[credentials]]\nname = "ydelse"\nkeys = ["username", "password"]\n'
        + '\n[[credentials]]\nname = "esdh"\nkeys = ["api_key"]\n',
        encoding="utf-8",
    )
    robot = load_robot(robot_dir)
    vault = SecretStore(tmp_path / "none.toml", environ={"RPA_SECRET_YDELSE__USERNAME": "robot-user-secret"})
    problems = credential_problems(robot, vault)
    assert len(problems) == 2
    assert "credentials[0] (ydelse): the vault entry lacks password (it has username)" in problems[0]
    assert "credentials[1] (esdh): no secret named 'esdh'" in problems[1]
    assert "robot-user-secret" not in " ".join(problems)
    full = SecretStore(
        tmp_path / "none.toml",
        environ={
            "RPA_SECRET_YDELSE__USERNAME": "u",
            "RPA_SECRET_YDELSE__PASSWORD": "p",
            "RPA_SECRET_ESDH__API_KEY": "k",
        },
    )
    assert credential_problems(robot, full) == []


def test_a_system_url_setting_that_is_not_a_url(tmp_path):
    robot_dir = hello_copy(tmp_path)
    manifest = robot_dir / "robot.toml"
    text = manifest.read_text(encoding="utf-8").replace('greeting = "Hello"', 'greeting = "Hello"\nesdh_url = ""')
    manifest.write_text(text + '\n[[systems]]\nname = "esdh"\nkind = "api"\nurl_setting = "esdh_url"\n')
    robot = load_robot(robot_dir)
    report = check_robot(robot, resolve_settings(robot, environ={}, overrides=["esdh_url=esdh.kommune"]))
    assert report.problems == [
        f"{manifest}: systems[0] (esdh): setting esdh_url = 'esdh.kommune' (command line --set) is not a URL; "
        "use http://host/path or https://host/path"
    ]
    report = check_robot(robot, resolve_settings(robot, environ={}, overrides=["esdh_url=https://esdh.kommune/api"]))
    assert report.problems == []
