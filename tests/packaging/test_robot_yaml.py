"""Robocorp's robot.yaml as a robot: tasks become steps, robot.toml's [robocorp] maps them, refusals are one line."""

from __future__ import annotations

from pathlib import Path

import pytest
from support import assert_one_clear_line, rpa

from rpa_core.errors import ConfigError
from rpa_core.packaging import StepKind, load_robot, resolve_settings
from rpa_core.packaging.parse_check import task_files
from rpa_core.packaging.robocorp import slug
from rpa_core.runner.preflight import check_robot, ensure_runnable

TASKS_ROBOT = "*** Tasks ***\nProduce items\n    No Operation\n\nConsume items\n    No Operation\n"
TASKS_PY = "from robocorp.tasks import task\n\n\n@task\ndef produce():\n    pass\n"
ROBOCORP_YAML = """\
tasks:
  Produce data:
    shell: python -m robot --report NONE --outputdir output --logtitle "Task log" --task "Produce items" tasks.robot
  Consume data:
    robotTaskName: Consume items
  Python producer:
    shell: python -m robocorp.tasks run tasks.py -t produce
devTasks:
  Set up:
    shell: python setup.py
environmentConfigs: [environment_windows_amd64_freeze.yaml, conda.yaml]
artifactsDir: output
PATH: [.]
PYTHONPATH: [., libraries]
ignoreFiles: [.gitignore]
"""


def robocorp_robot(folder: Path, robot_yaml: str = ROBOCORP_YAML, toml: str | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "robot.yaml").write_text(robot_yaml, encoding="utf-8")
    (folder / "tasks.robot").write_text(TASKS_ROBOT, encoding="utf-8")
    (folder / "tasks.py").write_text(TASKS_PY, encoding="utf-8")
    (folder / "libraries").mkdir(exist_ok=True)
    if toml is not None:
        (folder / "robot.toml").write_text(toml, encoding="utf-8")
    return folder


def one_task(shell: str) -> str:
    return f"tasks:\n  Only task:\n    shell: {shell}\n"


def test_each_task_is_a_step_chained_by_queues(tmp_path):
    robot = load_robot(robocorp_robot(tmp_path / "Orders Robot"))
    assert robot.manifest_file == "robot.yaml"
    info = robot.manifest.robot
    assert (info.name, info.version, info.description) == ("orders-robot", "0.0.0", "Robocorp robot (robot.yaml)")
    steps = robot.manifest.steps
    assert [s.name for s in steps] == ["produce-data", "consume-data", "python-producer"]
    assert [(s.kind, s.tasks, s.task) for s in steps] == [
        (StepKind.ROBOT, "tasks.robot", "Produce items"),
        (StepKind.ROBOT, ".", "Consume items"),
        (StepKind.PYTHON, "tasks.py", "produce"),
    ]
    assert [(s.input_queue, s.output_queue) for s in steps] == [
        (None, "orders-robot.produce-data"),
        ("orders-robot.produce-data", "orders-robot.consume-data"),
        ("orders-robot.consume-data", "orders-robot.python-producer"),
    ]
    assert robot.manifest.queue.reference is None
    assert robot.manifest.run.pythonpath == [".", "libraries"]
    assert robot.manifest.run.path == ["."]


@pytest.mark.parametrize(
    ("shell", "tasks", "task", "options"),
    [
        ('python -m robot --report NONE --outputdir output --logtitle "Task log" tasks.robot', "tasks.robot", None, []),
        (
            "python3 -m robot -d out -t 'Produce items' --loglevel DEBUG tasks.robot",
            "tasks.robot",
            "Produce items",
            ["--loglevel", "DEBUG"],
        ),
        (
            "robot --include smoke --exclude=slow --output o.xml -l NONE -r NONE .",
            ".",
            None,
            ["--include", "smoke", "--exclude", "slow"],
        ),
        ("python -m robot --rpa --reporttitle R --notanoption tasks.robot", None, None, None),
        ("python -m robocorp.tasks run tasks.py", "tasks.py", None, []),
        ("python -m robocorp.tasks run tasks.py --task=produce --output-dir output", "tasks.py", "produce", []),
    ],
)
def test_shell_forms(tmp_path, shell, tasks, task, options):
    folder = robocorp_robot(tmp_path / "r", one_task(shell))
    if tasks is None:  # an option Robot Framework does not know
        with pytest.raises(ConfigError, match=r"robot\.yaml: tasks\.'Only task': option --notanoption"):
            load_robot(folder)
        return
    step = load_robot(folder).manifest.steps[0]
    assert (step.name, step.tasks, step.task, step.robot_options) == ("only-task", tasks, task, options)
    assert step.kind is (StepKind.PYTHON if "robocorp.tasks" in shell else StepKind.ROBOT)


def test_command_list_is_a_shell_already_split(tmp_path):
    yaml = "tasks:\n  Run:\n    command: [python, -m, robot, --loglevel, TRACE, tasks.robot]\n"
    step = load_robot(robocorp_robot(tmp_path / "r", yaml)).manifest.steps[0]
    assert (step.tasks, step.robot_options) == ("tasks.robot", ["--loglevel", "TRACE"])


@pytest.mark.parametrize(
    ("robot_yaml", "words"),
    [
        (
            one_task("python task.py"),
            [
                "robot.yaml: tasks.'Only task': cannot run 'python task.py': supported are robotTaskName, "
                "'python -m robot ...' and 'python -m robocorp.tasks run ...'"
            ],
        ),
        (one_task("rcc run"), ["robot.yaml: tasks.'Only task': cannot run 'rcc run'"]),
        (one_task("python -m robot --variable X:1 tasks.robot"), ["tasks.'Only task'", "--variable cannot be given"]),
        (one_task("python -m robot --listener L tasks.robot"), ["tasks.'Only task'", "--listener cannot be given"]),
        (one_task("python -m robot tasks.robot other.robot"), ["tasks.'Only task'", "one Robot Framework file"]),
        (one_task("python -m robot --report NONE"), ["tasks.'Only task'", "found none"]),
        (one_task("python -m robot -t A --task B tasks.robot"), ["tasks.'Only task'", "at most one --task", "A, B"]),
        (one_task("python -m robocorp.tasks run tasks.py -t a -t b"), ["at most one -t TASK"]),
        (one_task("python -m robocorp.tasks run tasks.py --glob x"), ["option --glob of robocorp.tasks run"]),
        (one_task("python -m robot missing.robot"), ["robot.yaml: tasks.'Only task': 'missing.robot' does not exist"]),
        ("tasks:\n  A:\n    robotTaskName: X\n    shell: robot .\n", ["tasks.'A'", "exactly one of robotTaskName"]),
        ("tasks: [a, b]\n", ["robot.yaml: tasks: required: a mapping"]),
        ("PATH: [.]\n", ["robot.yaml: tasks: required"]),
        ("- just\n- a list\n", ["robot.yaml: must be a mapping", "list"]),
        ("tasks:\n  A: {robotTaskName: X\n", ["robot.yaml: not valid YAML", "line"]),
        ("tasks:\n  A:\n    robotTaskName: X\nPYTHONPATH: /abs\n", ["robot.yaml: PYTHONPATH: entries are folders"]),
        ("tasks:\n  A:\n    robotTaskName: X\nPATH: {a: 1}\n", ["robot.yaml: PATH: must be a list of folders"]),
        ("tasks:\n  A b:\n    robotTaskName: X\n  a-b:\n    robotTaskName: Y\n", ["'A b' and 'a-b'", "step 'a-b'"]),
    ],
)
def test_robot_yaml_refusals_are_one_line_naming_the_file(tmp_path, robot_yaml, words):
    folder = robocorp_robot(tmp_path / "r", robot_yaml)
    with pytest.raises(ConfigError) as caught:
        load_robot(folder)
    message = str(caught.value)
    assert "\n" not in message
    for word in words:
        assert word in message


def test_refusal_through_the_cli_is_exit_2_and_one_line(tmp_path):
    folder = robocorp_robot(tmp_path / "r", one_task("python -m robot --variablefile v.py tasks.robot"))
    for command in (("robot", "check"), ("run",)):
        assert_one_clear_line(rpa(*command, str(folder), cwd=tmp_path), "robot.yaml", "Only task", "--variablefile")


def test_a_folder_with_neither_file_is_not_a_robot(tmp_path):
    with pytest.raises(ConfigError, match=r"is not a robot: it has no robot\.toml \(nor Robocorp's robot\.yaml\)"):
        load_robot(tmp_path)


MAPPING = """\
[robot]
name = "orders"
version = "1.2.0"
owner = "Syddjurs Kommune"

[settings]
greeting = "Hej"

[queue]
max_attempts = 5
reference = "order_id"

[run]
pythonpath = ["libraries", "extra"]

[robocorp]
[[robocorp.tasks]]
task = "Consume data"
name = "consumer"
input_queue = "orders"
workers = 2

[[robocorp.tasks]]
task = "Produce data"
"""


def test_robot_toml_maps_the_tasks_in_its_order(tmp_path):
    folder = robocorp_robot(tmp_path / "r", toml=MAPPING)
    (folder / "extra").mkdir()
    robot = load_robot(folder)
    assert robot.manifest_file == "robot.yaml"
    manifest = robot.manifest
    assert (manifest.robot.name, manifest.robot.version, manifest.robot.owner) == (
        "orders",
        "1.2.0",
        "Syddjurs Kommune",
    )
    assert manifest.settings == {"greeting": "Hej"}
    assert (manifest.queue.max_attempts, manifest.queue.reference) == (5, "order_id")
    assert manifest.run.pythonpath == [".", "libraries", "extra"]
    assert [(s.name, s.task, s.input_queue, s.output_queue, s.workers) for s in manifest.steps] == [
        ("consumer", "Consume items", "orders", "orders.consumer", 2),
        ("produce-data", "Produce items", "orders.consumer", "orders.produce-data", 1),
    ]
    assert resolve_settings(robot, environ={}).values == {"greeting": "Hej"}


def test_an_empty_robocorp_table_takes_every_task(tmp_path):
    robot = load_robot(robocorp_robot(tmp_path / "r", toml='[robot]\nname = "x"\n\n[robocorp]\n'))
    assert [s.name for s in robot.manifest.steps] == ["produce-data", "consume-data", "python-producer"]
    assert robot.manifest.steps[0].output_queue == "x.produce-data"


@pytest.mark.parametrize(
    ("table", "words"),
    [
        (
            '[[robocorp.tasks]]\ntask = "Nope"\n',
            [
                "robot.toml: robocorp.tasks[0].task: 'Nope' is not a task of robot.yaml",
                "'Produce data', 'Consume data'",
            ],
        ),
        (
            '[[robocorp.tasks]]\ntask = "Consume data"\ncolour = "red"\n',
            ["robot.toml: robocorp.tasks[0].colour: unknown"],
        ),
        ('[[robocorp.tasks]]\ntask = "Consume data"\nworkers = 0\n', ["robocorp.tasks[0].workers", "greater than"]),
        ('[[robocorp.tasks]]\nname = "x"\n', ["robocorp.tasks[0].task: required field is missing"]),
        ('[[robocorp.tasks]]\ntask = "Produce data"\nworkers = 2\n', ["robocorp.tasks[0]", "needs an input_queue"]),
        ('[[robocorp.tasks]]\ntask = "Produce data"\nname = "Bad Name"\n', ["robocorp.tasks[0]", "name: must be"]),
        ("colour = 1\n", ["robot.toml: robocorp.colour: unknown field"]),
    ],
)
def test_bad_robocorp_table_is_one_line_naming_robot_toml(tmp_path, table, words):
    folder = robocorp_robot(tmp_path / "r", toml=f'[robot]\nname = "x"\n\n[robocorp]\n{table}')
    with pytest.raises(ConfigError) as caught:
        load_robot(folder)
    assert "\n" not in str(caught.value)
    for word in words:
        assert word in str(caught.value)


def test_robocorp_table_with_steps_or_without_robot_yaml_is_refused(tmp_path):
    folder = robocorp_robot(tmp_path / "r", toml='[robot]\nname = "x"\n[robocorp]\n[[steps]]\nname="a"\ntasks="."\n')
    with pytest.raises(ConfigError, match=r"robot\.toml: steps: with \[robocorp\] the steps come from robot\.yaml"):
        load_robot(folder)
    (folder / "robot.yaml").unlink()
    (folder / "robot.toml").write_text('[robot]\nname = "x"\n[robocorp]\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"robot\.toml: robocorp: .* has none"):
        load_robot(folder)


def test_robot_toml_without_robocorp_table_wins_over_robot_yaml(tmp_path):
    toml = '[robot]\nname = "own"\n[[steps]]\nname = "only"\ntasks = "tasks.robot"\n'
    robot = load_robot(robocorp_robot(tmp_path / "r", toml=toml))
    assert (robot.manifest_file, [s.name for s in robot.manifest.steps]) == ("robot.toml", ["only"])


def test_slug():
    assert slug("Produce data") == "produce-data"
    assert slug("  Læs  Løn -- Åbn!! ") == "laes-loen-aabn"
    assert slug("step_1.v2") == "step-1-v2"


def test_check_covers_python_steps_and_warns_about_pre_run_scripts(tmp_path):
    yaml = ROBOCORP_YAML + "preRunScripts: [setup.sh]\ncolour: red\n"
    folder = robocorp_robot(tmp_path / "r", yaml)
    (folder / ".upstream").mkdir()
    (folder / ".upstream" / "broken.robot").write_text("*** Tasks ***\nT\n    IF    1\n", encoding="utf-8")
    robot = load_robot(folder)
    assert [p.name for p in task_files(robot)] == ["tasks.robot"]  # hidden folders skipped, as Robot Framework does
    report = check_robot(robot, resolve_settings(robot, environ={}), credentials=False)
    assert report.problems == []
    assert any("preRunScripts are not run here: setup.sh" in w for w in report.warnings)
    assert any("ignored, not known: colour" in w for w in report.warnings)
    assert "(robot.yaml)" in report.summary(resolve_settings(robot, environ={}))
    assert report.task_file_count == 2

    (folder / "tasks.py").write_text("def produce(:\n    pass\n", encoding="utf-8")
    report = check_robot(robot, resolve_settings(robot, environ={}), credentials=False)
    assert len(report.problems) == 1 and "tasks.py:1: SyntaxError:" in report.problems[0]
    with pytest.raises(ConfigError, match=r"tasks\.py:1: SyntaxError"):
        ensure_runnable(robot, resolve_settings(robot, environ={}))


def test_only_python_steps_skip_the_dry_run(tmp_path):
    robot = load_robot(robocorp_robot(tmp_path / "r", one_task("python -m robocorp.tasks run tasks.py -t produce")))
    assert task_files(robot) == []
    assert check_robot(robot, resolve_settings(robot, environ={}), credentials=False).problems == []
    ensure_runnable(robot, resolve_settings(robot, environ={}))


def test_missing_packages_stop_a_run_and_fail_the_check(tmp_path):
    folder = robocorp_robot(tmp_path / "r")
    (folder / "conda.yaml").write_text(
        "dependencies:\n  - python=3.10.12\n  - pip:\n    - no-such-distribution-here==1.0\n", encoding="utf-8"
    )
    robot = load_robot(folder)
    with pytest.raises(
        ConfigError, match=r"(?s)in its environment.*no-such-distribution-here \(conda\.yaml wants ==1\.0\)"
    ):
        ensure_runnable(robot, resolve_settings(robot, environ={}))
    result = rpa("robot", "check", str(folder), "--no-vault", cwd=tmp_path)
    assert result.returncode == 2, result
    assert "Traceback" not in result.stdout + result.stderr
    assert "not installed in this environment: no-such-distribution-here" in result.stderr
    assert "(robot.yaml)" in result.stdout.splitlines()[-1]
