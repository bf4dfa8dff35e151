"""Robocorp's Python libraries over our queue and vault: the adapters through robocorp's own item classes, then
a robot written for Robocorp run unmodified by ``python -m robocorp.tasks`` in a child process."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from robocorp.vault._vault import Vault
from robocorp.workitems import ApplicationException, BusinessException, EmptyQueue, Input
from robocorp.workitems._adapters import create_adapter
from RPA.Robocorp.WorkItems import EmptyQueue as RpaEmptyQueue

from rpa_core import context
from rpa_core.keywords.robocorp_adapters import RobocorpQueueAdapter, RobocorpVaultAdapter
from rpa_core.packaging.references import DUPLICATE_WARNING, QUEUE_CONTEXT_FILE, count_duplicate_lines
from rpa_core.queue import ItemState, WorkQueue, get_item, list_items
from rpa_core.store import open_store

SECRET_VALUE = "k3y-only-the-vault-knows"
CONSUMER = """
from pathlib import Path

from robocorp import workitems
from robocorp.tasks import task


@task
def consumer():
    for item in workitems.inputs:
        with item:
            kind = item.payload["kind"]
            if kind == "ok":
                receipt = Path(f"receipt-{item.id}.txt")
                receipt.write_text(f"receipt for {item.payload['month']}", encoding="utf-8")
                workitems.outputs.create({"month": item.payload["month"]}, files=[receipt])
                item.done()
            elif kind == "manual":
                item.fail("BUSINESS", code="MANUAL", message="needs a caseworker")
            elif kind == "no_wage":
                raise workitems.BusinessException("no wage for the month", code="NO_WAGE")
            elif kind == "down":
                raise workitems.ApplicationException("system down")
            else:
                raise ValueError("unexpected page")
"""
SECRET = """
from robocorp import vault
from robocorp.tasks import task
import hashlib, os


@task
def secret():
    secret = vault.get_secret("MY-API")
    key = secret["api_key"]  # robocorp.log logs this assignment: the vault has it hidden
    expected = os.environ["EXPECTED_DIGEST"]
    digests = {hashlib.sha256(secret[name].encode()).hexdigest() for name in ("api_key", "API_KEY", "Api_Key")}
    print("matched:", digests == {expected, hashlib.sha256(key.encode()).hexdigest()}, "| keys:", list(secret))
    print(repr(secret))
"""


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


@pytest.fixture
def step_env(monkeypatch, store, tmp_path):
    """Set this process's environment as the runner sets a step's; ``make()`` then gives robocorp's adapter."""

    def make(input_queue: str | None = "q", output_queue: str | None = "out", reference: str | None = None):
        artifacts = tmp_path / "artifacts"
        artifacts.mkdir(exist_ok=True)
        (artifacts / QUEUE_CONTEXT_FILE).write_text(json.dumps({"reference": reference}), "utf-8")
        variables = {
            context.STORE_URL: store.url_string(),
            context.RUN_ID: "run-1",
            context.STEP_NAME: "step",
            context.WORKER_ID: "w1",
            context.INPUT_QUEUE: input_queue,
            context.OUTPUT_QUEUE: output_queue,
            context.BACKOFF_SECONDS: "0",
            context.ARTIFACTS_DIR: str(artifacts),
            context.WORKITEMS_ADAPTER: context.ADAPTER_PATH,
            context.ROBOCORP_WORKITEMS_ADAPTER: context.ROBOCORP_ADAPTER_PATH,
        }
        for name, value in variables.items():
            if value is None:
                monkeypatch.delenv(name, raising=False)
            else:
                monkeypatch.setenv(name, value)
        monkeypatch.delenv(context.KILL_SWITCH, raising=False)
        return RobocorpQueueAdapter()

    return make


def _reserve(adapter: RobocorpQueueAdapter) -> Input:
    """The next input as ``workitems.inputs`` hands it to a robot."""
    item = Input(adapter=adapter, item_id=adapter.reserve_input())
    item.load()
    return item


def test_robocorp_picks_our_adapter_by_its_variable_before_rpaframeworks(step_env):
    step_env()
    assert isinstance(create_adapter(), RobocorpQueueAdapter)


def test_done_and_business_failures_reach_the_store(step_env, store):
    WorkQueue(store, "q").create_many([("a", {}), ("b", {}), ("c", {})])
    adapter = step_env()
    done, manual, raised = _reserve(adapter), _reserve(adapter), _reserve(adapter)
    done.done()
    manual.fail("BUSINESS", code="MANUAL", message="needs a caseworker")
    with raised:  # swallowed by robocorp: the item is released as a business exception
        raise BusinessException("no wage for the month", code="NO_WAGE")
    assert get_item(store, int(done.id)).state is ItemState.DONE
    for item, code, message in [(manual, "MANUAL", "needs a caseworker"), (raised, "NO_WAGE", "no wage for the month")]:
        stored = get_item(store, int(item.id))
        assert (stored.state, stored.last_code, stored.last_message) == (ItemState.BUSINESS_EXCEPTION, code, message)
        assert stored.attempts == 1


def test_application_failures_are_retried(step_env, store):
    WorkQueue(store, "q").create_many([("a", {}), ("b", {}), ("c", {})])
    adapter = step_env()
    failed, raised, crashed = _reserve(adapter), _reserve(adapter), _reserve(adapter)
    failed.fail("APPLICATION", message="timeout")
    with raised:
        raise ApplicationException("system down")
    with pytest.raises(ValueError), crashed:  # a plain exception is released as APPLICATION and propagates
        raise ValueError("unexpected page")
    for item, message in [(failed, "timeout"), (raised, "system down"), (crashed, "unexpected page")]:
        stored = get_item(store, int(item.id))
        assert (stored.state, stored.attempts, stored.last_message) == (ItemState.APPLICATION_ERROR, 1, message)
    again = [_reserve(adapter) for _ in range(3)]  # no backoff here: each is claimed again at once
    assert sorted(i.id for i in again) == sorted([failed.id, raised.id, crashed.id])
    assert {get_item(store, int(i.id)).attempts for i in again} == {2}
    for item in again:
        item.done()


def test_outputs_payload_and_files(step_env, store, tmp_path):
    WorkQueue(store, "q").create("a", {"month": "2024-05"})
    adapter = step_env()
    item = _reserve(adapter)
    item.payload = {"month": "2024-05", "checked": True}
    item.save()
    (tmp_path / "receipt.txt").write_bytes(b"receipt")
    output = item.create_output()
    output.payload = {"month": "2024-05"}
    output.add_file(tmp_path / "receipt.txt")
    output.save()
    out = int(output.id)
    assert get_item(store, out).payload == {"month": "2024-05"} and get_item(store, out).parent_id == int(item.id)
    assert adapter.list_files(output.id) == ["receipt.txt"] and adapter.get_file(output.id, "receipt.txt") == b"receipt"
    adapter.add_file(output.id, "note.txt", b"note")
    adapter.remove_file(output.id, "receipt.txt")
    assert WorkQueue(store, "out").list_files(out) == ["note.txt"]
    item.done()
    assert get_item(store, int(item.id)).payload == {"month": "2024-05", "checked": True}


def test_an_empty_queue_is_robocorps_empty_queue(step_env):
    adapter = step_env()
    with pytest.raises(EmptyQueue, match=r"^queue 'q' has no more work items$") as caught:
        adapter.reserve_input()
    assert not isinstance(caught.value, RpaEmptyQueue)


def test_a_producer_step_gets_its_seed_item(step_env, store):
    adapter = step_env(input_queue=None)
    seed = _reserve(adapter)
    assert seed.payload == {} and seed.files == []
    output = seed.create_output()
    output.payload = {"month": "2024-05"}
    output.save()
    assert get_item(store, int(output.id)).parent_id is None
    seed.done()
    with pytest.raises(EmptyQueue, match="this step takes no work items"):
        adapter.reserve_input()


def test_a_duplicate_reference_is_one_warn_line_on_stderr(step_env, store, capsys):
    WorkQueue(store, "out").create("out:2024-05", {})
    adapter = step_env(input_queue=None, reference="out:{month}")
    scratch = adapter.create_output(adapter.reserve_input(), {"month": "2024-05"})
    adapter.add_file(scratch, "receipt.txt", b"nowhere")
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.count("\n") == 1
    assert captured.err.startswith(f"[ WARN ] {DUPLICATE_WARNING} out:2024-05 in queue 'out'")
    assert WorkQueue(store, "out").counts().get("PENDING") == 1


def test_the_vault_adapter_is_read_only_and_case_insensitive(tmp_path, monkeypatch):
    secrets = tmp_path / "secrets.toml"
    secrets.write_text(f'[My-API]\nAPI_KEY = "{SECRET_VALUE}"\n', encoding="utf-8")
    monkeypatch.setenv(context.SECRETS_FILE, str(secrets))
    monkeypatch.setenv(context.SECRET_MANAGER, context.VAULT_ADAPTER_PATH)
    monkeypatch.setenv(context.ROBOCORP_SECRET_MANAGER, context.ROBOCORP_VAULT_ADAPTER_PATH)
    vault = Vault()
    assert isinstance(vault.adapter, RobocorpVaultAdapter)
    secret = vault.get_secret("my-api")
    assert secret["api_key"] == secret["Api_Key"] == SECRET_VALUE and "API_key" in secret
    assert list(secret) == ["API_KEY"] and dict(secret) == {"API_KEY": SECRET_VALUE}
    assert SECRET_VALUE not in repr(secret) + str(secret)
    with pytest.raises(KeyError) as missing:
        secret["password"]
    with pytest.raises(NotImplementedError, match="written by an administrator") as refused:
        vault.set_secret(secret)
    assert SECRET_VALUE not in str(missing.value) + str(refused.value)


# ----------------------------------------------------------------- a robot in a child process, end to end
def _run_tasks(tmp_path: Path, source: str, task: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    """``python -m robocorp.tasks run tasks.py -t TASK`` in ``tmp_path``, stdout and stderr captured apart.

    robocorp.log rewrites every module the robot imports to log its calls; for the libraries in site-packages
    (rpaframework, SQLAlchemy) that is about 7 s of start-up, so the robot's pyproject.toml turns it off for
    them. The robot's own code is logged, and so would rpa_core be (outside site-packages here) but for the
    adapters' suppression."""
    (tmp_path / "tasks.py").write_text(textwrap.dedent(source), encoding="utf-8")
    (tmp_path / "pyproject.toml").write_text('[tool.robocorp.log]\ndefault_library_filter_kind = "exclude"\n')
    keep = {k: v for k, v in os.environ.items() if not k.startswith(("RPA_", "RC_"))}
    command = [sys.executable, "-m", "robocorp.tasks", "run", "tasks.py", "-t", task, "--output-dir", "OUT"]
    return subprocess.run(command, cwd=tmp_path, env={**keep, **env}, capture_output=True, text=True, timeout=120)


def _step_variables(store_url: str, tmp_path: Path, reference: str) -> dict[str, str]:
    artifacts = tmp_path / "artifacts"
    artifacts.mkdir()
    (artifacts / QUEUE_CONTEXT_FILE).write_text(json.dumps({"reference": reference}), "utf-8")
    return {
        context.STORE_URL: store_url,
        context.RUN_ID: "run-1",
        context.STEP_NAME: "consume",
        context.WORKER_ID: "child",
        context.INPUT_QUEUE: "q",
        context.OUTPUT_QUEUE: "out",
        context.BACKOFF_SECONDS: "0",
        context.ARTIFACTS_DIR: str(artifacts),
        context.WORKITEMS_ADAPTER: context.ADAPTER_PATH,  # the runner sets both; robocorp's own variable wins
        context.ROBOCORP_WORKITEMS_ADAPTER: context.ROBOCORP_ADAPTER_PATH,
    }


def test_a_robocorp_robot_works_the_queue_unmodified(tmp_path, sqlite_url):
    store = open_store(sqlite_url)
    kinds = ["ok", "manual", "no_wage", "down", "ok", "crash"]
    months = {1: "2024-05", 5: "2024-05"}  # item 5's output has item 1's output's reference: a duplicate
    ids = [
        WorkQueue(store, "q").create(f"i{n}", {"kind": k, "month": months.get(n, "-")})[0].id
        for n, k in enumerate(kinds, start=1)
    ]
    result = _run_tasks(tmp_path, CONSUMER, "consumer", _step_variables(sqlite_url, tmp_path, "out:{month}"))
    assert result.returncode == 1, result.stdout + result.stderr  # the plain exception fails the task
    assert "ValueError: unexpected page" in result.stdout
    warnings = [line for line in result.stderr.splitlines() if line.startswith("[ WARN ]")]
    assert len(warnings) == 1 and warnings[0].startswith(f"[ WARN ] {DUPLICATE_WARNING} out:2024-05"), result.stderr
    console = tmp_path / "console.log"  # what the runner counts: the step's stdout and stderr, merged
    console.write_text(result.stdout + result.stderr, encoding="utf-8")
    assert count_duplicate_lines(console) == 1
    stored = [get_item(store, i) for i in ids]
    assert [(i.state, i.last_code) for i in stored] == [
        (ItemState.DONE, None),
        (ItemState.BUSINESS_EXCEPTION, "MANUAL"),
        (ItemState.BUSINESS_EXCEPTION, "NO_WAGE"),
        (ItemState.APPLICATION_ERROR, None),  # retried after the backoff
        (ItemState.DONE, None),  # its output was a duplicate: nothing new, the item is still done
        (ItemState.APPLICATION_ERROR, None),
    ]
    assert [i.attempts for i in stored] == [1] * 6
    assert stored[3].last_message == "system down" and stored[5].last_message == "unexpected page"
    outputs = WorkQueue(store, "out")
    (output,) = list_items(store, queue="out")
    assert (output.reference, output.payload, output.parent_id) == ("out:2024-05", {"month": "2024-05"}, ids[0])
    assert outputs.list_files(output.id) == [f"receipt-{ids[0]}.txt"]
    assert outputs.get_file(output.id, f"receipt-{ids[0]}.txt") == b"receipt for 2024-05"
    robot_log = (tmp_path / "OUT" / "output.robolog").read_bytes()  # the robot's code is in it, ours is not
    assert b'"kind"' in robot_log and b"sqlite:" not in robot_log and b"WorkItem(" not in robot_log
    store.close()


def test_an_empty_input_queue_fails_robocorps_first_reserve(tmp_path, sqlite_url):
    open_store(sqlite_url).close()
    variables = _step_variables(sqlite_url, tmp_path, "out:{month}")
    result = _run_tasks(tmp_path, CONSUMER, "consumer", variables)
    assert result.returncode == 1 and "EmptyQueue: queue 'q' has no more work items" in result.stdout, result.stdout


def test_a_robocorp_robot_reads_a_secret_from_our_vault(tmp_path):
    secrets = tmp_path / "secrets.toml"
    secrets.write_text(f'[my-api]\nApi_Key = "{SECRET_VALUE}"\n', encoding="utf-8")
    env = {
        context.SECRETS_FILE: str(secrets),
        context.SECRET_MANAGER: context.VAULT_ADAPTER_PATH,
        context.ROBOCORP_SECRET_MANAGER: context.ROBOCORP_VAULT_ADAPTER_PATH,
        "EXPECTED_DIGEST": _digest(SECRET_VALUE),
    }
    result = _run_tasks(tmp_path, SECRET, "secret", env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "matched: True | keys: ['Api_Key']\nSecret(name=MY-API, keys=[Api_Key])" in result.stdout
    logs = b"".join(p.read_bytes() for p in (tmp_path / "OUT").rglob("*") if p.is_file())
    assert b"<redacted>" in (tmp_path / "OUT" / "output.robolog").read_bytes()  # robocorp.log logged `key = ...`
    assert SECRET_VALUE not in result.stdout + result.stderr and SECRET_VALUE.encode() not in logs
