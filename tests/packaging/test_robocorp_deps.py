"""A Robocorp robot's conda.yaml / package.yaml against the environment rpa runs it in."""

from __future__ import annotations

from pathlib import Path

import pytest

from rpa_core.packaging.robocorp_deps import _platform, dependency_notes, environment_file

INSTALLED = {
    "rpaframework": "28.0.0",
    "robocorp-tasks": "4.1.1",
    "robocorp-workitems": "1.5.1",
    "robocorp-truststore": "0.8.0",
    "Pydantic": "2.9.0",
}
CONDA = """\
channels: [conda-forge]
dependencies:
  - python=3.10.12
  - pip=23.2.1
  - nodejs=16.14.2
  - robocorp-truststore=0.8.0
  - pydantic=2.5.3
  - pip:
    - --use-feature=truststore
    - rpaframework==28.0.0
    - Robocorp_WorkItems>=1.4
    - robocorp-vault==1.3.0
    - robocorp-browser==2.2.1
    - ./wheels/own-1.0-py3-none-any.whl
    - pywin32==306; sys_platform == 'win32' and python_version > '0'
"""


def notes(folder: Path, robot_yaml: dict | None = None, python: str = "3.10.12") -> tuple[list[str], list[str]]:
    return dependency_notes(folder, robot_yaml or {}, installed=INSTALLED, python_version=python)


def write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(text, encoding="utf-8")
    return folder / name


def test_missing_packages_are_one_problem_with_the_pip_command(tmp_path):
    write(tmp_path, "conda.yaml", CONDA)
    problems, warnings = notes(tmp_path, {"condaConfigFile": "conda.yaml"})
    assert problems == [
        f"{tmp_path / 'conda.yaml'}: not installed in this environment: robocorp-vault (conda.yaml wants ==1.3.0), "
        "robocorp-browser (conda.yaml wants ==2.2.1); install them (pip install 'robocorp-vault==1.3.0' "
        "'robocorp-browser==2.2.1'): rpa runs robots in its own environment and does not build one"
    ]
    assert warnings == [
        f"{tmp_path / 'conda.yaml'}: pydantic: wants pydantic=2.5.3, 2.9.0 is installed",
        f"{tmp_path / 'conda.yaml'}: not checked (conda packages or not a pip requirement): "
        "./wheels/own-1.0-py3-none-any.whl, nodejs=16.14.2",
    ]


def test_a_version_that_does_not_match_the_pin_is_a_warning(tmp_path):
    write(tmp_path, "conda.yaml", "dependencies:\n  - pip:\n    - rpaframework==29.1.0\n    - robocorp-tasks<4\n")
    problems, warnings = notes(tmp_path)
    assert problems == []
    assert [w.split(": ", 1)[1] for w in warnings] == [
        "rpaframework: wants ==29.1.0, 28.0.0 is installed",
        "robocorp-tasks: wants <4, 4.1.1 is installed",
    ]


def test_python_version_mismatch_is_a_warning(tmp_path):
    write(tmp_path, "conda.yaml", "dependencies:\n  - python=3.10\n  - pip\n")
    assert notes(tmp_path, python="3.10.14") == ([], [])
    problems, warnings = notes(tmp_path, python="3.11.7")
    assert problems == []
    assert warnings == [f"{tmp_path / 'conda.yaml'}: wants python=3.10; rpa runs the robot with Python 3.11.7"]


def test_the_robocorp_meta_package_is_satisfied_by_tasks_and_workitems(tmp_path):
    write(tmp_path, "conda.yaml", "dependencies:\n  - pip:\n    - robocorp==2.1.0\n")
    problems, warnings = notes(tmp_path)
    assert problems == []
    assert warnings == [
        f"{tmp_path / 'conda.yaml'}: robocorp==2.1.0: the robocorp meta package is not installed; "
        "robocorp-tasks 4.1.1 and robocorp-workitems 1.5.1 are, taken as robocorp"
    ]
    problems, _ = dependency_notes(tmp_path, {}, installed={"robocorp-tasks": "4.1.1"}, python_version="3.10.1")
    assert "not installed in this environment: robocorp (conda.yaml wants ==2.1.0)" in problems[0]


def test_package_yaml_pins_with_one_equals_and_dev_dependencies_are_ignored(tmp_path):
    write(
        tmp_path,
        "package.yaml",
        "name: x\nversion: 0.0.1\ndependencies:\n  conda-forge:\n    - python=3.10\n    - uv=0.4\n"
        "  pypi:\n    - rpaframework=28.6.3\n    - robocorp-workitems\n    - robocorp-excel=0.4.0\n"
        "dev-dependencies:\n  pypi:\n    - pytest=8.3.3\n",
    )
    problems, warnings = notes(tmp_path)
    assert len(problems) == 1
    assert "not installed in this environment: robocorp-excel (package.yaml wants ==0.4.0);" in problems[0]
    assert "8.3.3" not in problems[0] + "".join(warnings)
    assert [w.split(": ", 1)[1] for w in warnings] == [
        "rpaframework: wants ==28.6.3, 28.0.0 is installed",
        "not checked (conda packages or not a pip requirement): uv=0.4",
    ]


def test_environment_configs_first_existing_for_this_platform(tmp_path):
    other = "environment_windows_amd64_freeze.yaml" if "linux" in _platform() else "environment_linux_amd64_freeze.yaml"
    mine = f"environment{_platform()}.yaml"
    write(tmp_path, other, "dependencies: []\n")
    write(tmp_path, "conda.yaml", "dependencies: []\n")
    configs = {"environmentConfigs": [other, mine, "conda.yaml"]}
    assert environment_file(tmp_path, configs) == tmp_path / "conda.yaml"
    write(tmp_path, mine, "dependencies: []\n")
    assert environment_file(tmp_path, configs) == tmp_path / mine
    assert environment_file(tmp_path, {"condaConfigFile": "missing.yaml"}) == tmp_path / "conda.yaml"


def test_no_environment_file(tmp_path):
    assert dependency_notes(tmp_path, {}) == ([], [])
    problems, warnings = dependency_notes(tmp_path, {"condaConfigFile": "conda.yaml"})
    assert problems == [] and "none of its environment files exists: conda.yaml" in warnings[0]


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("dependencies: [python=3.10\n", "not valid YAML"),
        ("- a\n- b\n", "must be a mapping with dependencies:"),
        ("dependencies: 3\n", "dependencies: must be a list"),
    ],
)
def test_a_bad_environment_file_is_one_problem_naming_it(tmp_path, text, words):
    write(tmp_path, "conda.yaml", text)
    problems, warnings = notes(tmp_path)
    assert warnings == [] and len(problems) == 1
    assert problems[0].startswith(f"{tmp_path / 'conda.yaml'}: ") and words in problems[0]


def test_this_environment_is_the_default(tmp_path):
    write(tmp_path, "conda.yaml", "dependencies:\n  - pip:\n    - robotframework>=7\n    - PyYAML\n")
    assert dependency_notes(tmp_path, {}) == ([], [])
