"""The rpa command as a user meets it: help, listings, and bad input as one clear line with exit code 2."""

import subprocess
import sys
from pathlib import Path

import pytest
from support import assert_one_clear_line, rpa

from rpa_core.store.migrate import head_revision

HELLO = Path(__file__).resolve().parents[2] / "examples" / "hello"


def write_robot(folder: Path, manifest: str) -> Path:
    (folder / "tasks").mkdir(parents=True)
    (folder / "tasks" / "t.robot").write_text("*** Tasks ***\nT\n    No Operation\n")
    (folder / "robot.toml").write_text(manifest)
    return folder


HEAVY = ("robot", "playwright", "RPA", "sqlalchemy", "alembic", "fastapi")
IMPORTS_AFTER_LOADING_CLI = (
    f"import sys, rpa_core.cli.main; print(sorted({{m.split('.')[0] for m in sys.modules}} & set({HEAVY!r})))"
)


def test_help_lists_the_commands_without_loading_heavy_libraries():
    result = rpa("--help")
    assert result.returncode == 0
    for command in ("run", "worker", "queue", "runs", "store", "sandbox"):
        assert command in result.stdout
    probe = subprocess.run([sys.executable, "-c", IMPORTS_AFTER_LOADING_CLI], capture_output=True, text=True)
    assert probe.stdout.strip() == "[]", f"rpa --help imports {probe.stdout.strip()}{probe.stderr}"


@pytest.mark.parametrize(
    ("manifest", "words"),
    [
        ("[robot\nname='x'", ["robot.toml", "not valid TOML"]),
        (
            "[robot]\nname='x'\n[[steps]]\nname='a'\ntasks='tasks/t.robot'\ncolour='red'\n",
            ["steps[0].colour", "unknown field"],
        ),
        (
            "[robot]\nname='x'\n[[steps]]\nname='a'\ntasks='tasks/t.robot'\ninput_queue='q'\nworkers=0\n",
            ["steps[0].workers", "greater than or equal to 1"],
        ),
        ("[robot]\nname='x'\n[[steps]]\nname='a'\ntasks='tasks/missing.robot'\n", ["steps[0].tasks", "does not exist"]),
        ("[robot]\nname='Has Spaces'\n[[steps]]\nname='a'\ntasks='tasks/t.robot'\n", ["robot.name", "lower-case"]),
        ("[robot]\nname='x'\n", ["steps", "required field is missing"]),
    ],
)
def test_malformed_robot_toml_is_one_clear_line(tmp_path, manifest, words):
    robot = write_robot(tmp_path / "robot", manifest)
    assert_one_clear_line(rpa("run", str(robot), "--store", f"sqlite:///{tmp_path}/s.db"), *words)


def test_missing_robot_folder(tmp_path):
    assert_one_clear_line(rpa("run", str(tmp_path / "nope")), "does not exist")


def test_unknown_store_scheme(tmp_path):
    assert_one_clear_line(rpa("queue", "ls", "--store", "mongodb://localhost/rpa"), "scheme 'mongodb' is not supported")


def test_unreachable_postgres(tmp_path):
    result = rpa("run", str(HELLO), "--store", "postgresql+psycopg://postgres:pw@127.0.0.1:1/rpa", timeout=60)
    assert_one_clear_line(result, "cannot reach the store", "127.0.0.1:1")
    assert "pw" not in result.stderr.replace("postgres", "")


def test_unknown_state_and_item(tmp_path):
    store = f"sqlite:///{tmp_path}/s.db"
    assert rpa("store", "upgrade", "--store", store).returncode == 0
    result = rpa("queue", "ls", "--state", "FINISHED", "--store", store)
    assert result.returncode == 2 and "FINISHED" in result.stderr and "Traceback" not in result.stderr
    result = rpa("queue", "show", "99", "--store", store)
    assert result.returncode == 2 and "no work item with id 99" in result.stderr
    assert_one_clear_line(rpa("runs", "show", "nope", "--store", store), "no run with id 'nope'")


def test_run_then_inspect_and_requeue(tmp_path):
    store = f"sqlite:///{tmp_path}/s.db"
    run = rpa("run", str(HELLO), "--store", store, "--runs-dir", str(tmp_path / "runs"))
    assert run.returncode == 0, run.stdout + run.stderr
    assert "SUCCEEDED" in run.stdout and "log.html" in run.stdout

    listing = rpa("queue", "ls", "hello", "--state", "BUSINESS_EXCEPTION", "--store", store)
    assert listing.returncode == 0 and "hello:7" in listing.stdout and "hello:13" in listing.stdout
    item_id = next(line.split()[1] for line in listing.stdout.splitlines() if "hello:7 " in line)

    requeued = rpa("queue", "requeue", item_id, "--reason", "checked by hand", "--by", "anna", "--store", store)
    assert requeued.returncode == 0 and "requeued by anna" in requeued.stdout
    shown = rpa("queue", "show", item_id, "--store", store)
    assert "REQUEUED" in shown.stdout and "anna" in shown.stdout and "NOT_GREETABLE" in shown.stdout

    done_id = next(
        line.split()[1]
        for line in rpa("queue", "ls", "--state", "DONE", "--store", store).stdout.splitlines()
        if "hello:" in line
    )
    refused = rpa("queue", "requeue", done_id, "--store", store)
    assert refused.returncode == 2 and "is DONE" in refused.stderr

    runs = rpa("runs", "ls", "--store", store)
    assert runs.returncode == 0 and "SUCCEEDED" in runs.stdout
    assert rpa("store", "upgrade", "--store", store).stdout.strip().endswith(f"already at revision {head_revision()}")


def test_settings_shows_values_and_their_sources():
    result = rpa("settings", str(HELLO), "--profile", "danish", "--set", "greeting=Moin")
    assert result.returncode == 0, result.stderr
    assert "'Moin'" in result.stdout and "command line --set" in result.stdout


def test_unknown_profile_is_one_clear_line(tmp_path):
    result = rpa("run", str(HELLO), "--profile", "nowhere", "--store", f"sqlite:///{tmp_path}/s.db")
    assert_one_clear_line(result, "no profile 'nowhere'", "danish")
