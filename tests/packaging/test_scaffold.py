"""``rpa robot new``: a robot a municipality's developer starts from, that loads, checks, lints and passes its tests."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from support import assert_one_clear_line, rpa

from rpa_core.packaging import load_robot, resolve_settings
from rpa_core.packaging.fork import municipality_slug as profile_slug
from rpa_core.packaging.scaffold import package_name, render, scaffold_robot
from rpa_core.packaging.settings_check import load_settings_check

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
FILES = {
    ".gitignore",
    "LICENSE",
    "README.md",
    "robot.toml",
    "ruff.toml",
    "tasks/producer.robot",
    "tasks/consumer.robot",
    "tasks/reporter.robot",
    "tests/conftest.py",
}


def sandbox_secrets(tmp_path: Path) -> dict[str, str]:
    """The sandbox's demo logins as the vault's variables, and no secrets file from the machine."""
    return {
        **os.environ,
        "RPA_SECRETS_FILE": str(tmp_path / "no-secrets.toml"),
        "RPA_SECRET_YDELSE__USERNAME": "robot",
        "RPA_SECRET_YDELSE__PASSWORD": "ydelse-demo",
        "RPA_SECRET_INDKOMST__API_KEY": "sandbox-demo-key",
    }


def test_names_of_the_package_and_the_profile():
    assert package_name("fleks-tilskud.v2") == "fleks_tilskud_v2"
    assert profile_slug("Syddjurs Kommune") == "syddjurs"
    assert profile_slug("Høje-Taastrup Kommune") == "hoeje-taastrup"
    assert profile_slug("Ærø Kommune") == "aeroe"
    assert profile_slug("Region Midtjylland") == "region-midtjylland"


def test_the_scaffold_loads_and_its_profile_passes_its_own_check(tmp_path):
    made = scaffold_robot("scaffold-tilskud", tmp_path / "tilskud", "Syddjurs Kommune", year=2026)
    package = "scaffold_tilskud"
    assert made.profile == "syddjurs" and made.package == package
    written = {path.as_posix() for path in made.files}
    expected = FILES | {
        "profiles/syddjurs.toml",
        f"tests/test_{package}.py",
        *(f"{package}/{module}.py" for module in ("__init__", "keywords", "months", "settings")),
    }
    assert written == expected
    on_disk = {p.relative_to(made.directory).as_posix() for p in made.directory.rglob("*") if p.is_file()}
    assert on_disk == expected

    robot = load_robot(made.directory)
    info = robot.manifest.robot
    assert (info.name, info.version, info.licence) == ("scaffold-tilskud", "0.1.0", "MIT")
    assert info.owner == "Syddjurs Kommune"
    assert info.check_settings == f"{package}.settings:check_settings"
    assert [s.name for s in robot.manifest.systems] == ["ydelsessystem", "indkomstregister"]
    assert {c.name: c.keys for c in robot.manifest.credentials} == {
        "ydelse": ["username", "password"],
        "indkomst": ["api_key"],
    }
    assert [s.name for s in robot.manifest.steps] == ["producer", "consumer", "reporter"]
    assert robot.step("producer").output_queue == robot.step("consumer").input_queue == "scaffold-tilskud"

    settings = resolve_settings(robot, profile="syddjurs", environ={})  # runs the robot's check: no problems
    assert settings.values["ydelse_url"] == "http://127.0.0.1:8400/ydelse"
    assert settings.sources["report_folder"] == "profile syddjurs.toml"
    check = load_settings_check(robot)
    assert list(check(settings.values)) == []
    bad = check({**settings.values, "payment_month": "2024-13", "indkomst_url": "indkomst.kommune.dk"})
    assert sorted(name for name, _ in bad) == ["indkomst_url", "payment_month"]
    assert "Copyright (c) 2026 Syddjurs Kommune" in (made.directory / "LICENSE").read_text()
    assert "--profile syddjurs" in (made.directory / "README.md").read_text()


def test_without_dir_and_owner_it_makes_name_here_for_eksempel_kommune(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    made = scaffold_robot("scaffold-default")
    assert made.directory == Path("scaffold-default")
    assert (tmp_path / "scaffold-default" / "profiles" / "eksempel.toml").is_file()
    robot = load_robot(tmp_path / "scaffold-default")
    assert robot.manifest.robot.owner == "Eksempel Kommune"
    resolve_settings(robot, profile="eksempel", environ={})


def test_every_placeholder_is_filled():
    for path, text in render("x", "Syddjurs Kommune").items():
        assert "@@" not in text, path
        assert "__package__" not in path.as_posix() and "__profile__" not in path.as_posix()


def test_the_cli_writes_the_robot_and_prints_its_files_and_next_steps(tmp_path):
    folder = tmp_path / "robot"
    folder.mkdir()  # an empty folder is fine
    result = rpa("robot", "new", "scaffold-cli", "--dir", str(folder), "--owner", "Syddjurs Kommune")
    assert result.returncode == 0, result.stderr
    assert "robot.toml" in result.stdout and "tasks/consumer.robot" in result.stdout
    assert f"rpa robot check {folder} --profile syddjurs" in result.stdout
    assert f"python -m pytest {folder / 'tests'}" in result.stdout
    assert (folder / "robot.toml").is_file()


def test_the_help_example_works_as_written_from_the_repository_root(tmp_path):
    result = rpa("robot", "new", "--help")
    assert result.returncode == 0
    example = next(line.strip() for line in result.stdout.splitlines() if "Example:" in line)
    args = shlex.split(example.split("Example:", 1)[1])
    assert args[:3] == ["rpa", "robot", "new"]
    args[args.index("--dir") + 1] = str(tmp_path / "example")  # not /tmp itself: another run may have made it
    made = rpa(*args[1:], cwd=REPO)
    assert made.returncode == 0, made.stderr
    assert load_robot(tmp_path / "example").manifest.robot.owner == "Syddjurs Kommune"


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("Tilskud", ["robot name 'Tilskud'", "lower-case"]),
        ("has space", ["robot name 'has space'", "lower-case"]),
        ("_x", ["robot name '_x'", "lower-case"]),
        ("2fast", ["robot name '2fast'", "start with a letter"]),
        ("a" * 41, ["at most 40 characters"]),
        ("json", ["would hide the Python module"]),
        ("tests", ["folder of every robot"]),
    ],
)
def test_an_invalid_name_is_refused_with_one_line_and_nothing_written(tmp_path, name, words):
    assert_one_clear_line(rpa("robot", "new", name, "--dir", str(tmp_path / "out")), *words)
    assert not (tmp_path / "out").exists()


def test_an_owner_that_cannot_be_written_is_refused(tmp_path):
    result = rpa("robot", "new", "scaffold-owner", "--dir", str(tmp_path / "out"), "--owner", 'Syd"djurs')
    assert_one_clear_line(result, "--owner")
    assert not (tmp_path / "out").exists()


def test_a_folder_that_is_not_empty_is_refused_and_left_alone(tmp_path):
    folder = tmp_path / "busy"
    folder.mkdir()
    (folder / "notes.txt").write_text("mine")
    assert_one_clear_line(rpa("robot", "new", "scaffold-busy", "--dir", str(folder)), str(folder), "not empty")
    assert [p.name for p in folder.iterdir()] == ["notes.txt"]
    (tmp_path / "file").write_text("")
    assert_one_clear_line(rpa("robot", "new", "scaffold-busy", "--dir", str(tmp_path / "file")), "not a folder")


def test_the_generated_files_are_clean_under_robocop_and_ruff(tmp_path):
    tools = {tool: BIN / tool for tool in ("robocop", "ruff")}
    missing = [tool for tool, path in tools.items() if not path.is_file()]
    if missing:
        pytest.skip(f"{', '.join(missing)} not installed next to {sys.executable} (pip install -e '.[dev]')")
    for name in ("x", "abcdefghij-abcdefghij.abcdefghij-abcdefg"):  # the shortest and the longest name
        scaffold_robot(name, tmp_path / name, "Lyngby-Taarbæk Kommune")
    for command in (
        [tools["robocop"], "check", "."],
        [tools["robocop"], "format", "--check", "."],
        [tools["ruff"], "check", "."],
        [tools["ruff"], "format", "--check", "."],
    ):
        for name in ("x", "abcdefghij-abcdefghij.abcdefghij-abcdefg"):
            result = subprocess.run(command, cwd=tmp_path / name, capture_output=True, text=True, timeout=120)
            assert result.returncode == 0, f"{' '.join(map(str, command))} in {name}:\n{result.stdout}{result.stderr}"


def test_rpa_robot_check_passes_on_the_scaffold(tmp_path):
    folder = tmp_path / "checked"
    scaffold_robot("scaffold-checked", folder, "Syddjurs Kommune")
    result = rpa("robot", "check", str(folder), "--profile", "syddjurs", cwd=tmp_path, env=sandbox_secrets(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr


@pytest.mark.slow
@pytest.mark.browser
def test_the_generated_robots_own_tests_pass_untouched(tmp_path):
    folder = tmp_path / "tilskud"
    scaffold_robot("tilskud", folder, "Syddjurs Kommune")
    env = {key: value for key, value in os.environ.items() if not key.startswith(("RPA_SETTING_", "PYTEST_"))}
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", str(folder / "tests")],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "passed" in result.stdout
    assert "failed" not in result.stdout and "skipped" not in result.stdout
