"""The sample robot through the runner: rpaframework WorkItems keywords on our queue, on both stores."""

from pathlib import Path

from openpyxl import load_workbook

from rpa_core.queue import WorkQueue, item_history, list_items
from rpa_core.runner import RunStatus
from rpa_core.runner.records import get_run, list_steps

HELLO = Path(__file__).resolve().parents[2] / "examples" / "hello"


def test_hello_robot_runs_unmodified_on_our_queue_and_a_second_run_makes_nothing(run_robot, store):
    result = run_robot(HELLO)

    assert result.status is RunStatus.SUCCEEDED and result.exit_code == 0
    assert result.counts == {"DONE": 18, "BUSINESS_EXCEPTION": 2}
    excepted = list_items(store, queue="hello", states=["BUSINESS_EXCEPTION"])
    assert sorted(i.reference for i in excepted) == ["hello:13", "hello:7"]
    assert {i.last_code for i in excepted} == {"NOT_GREETABLE"}
    retried = next(i for i in list_items(store, queue="hello") if i.reference == "hello:5")
    assert [a.outcome for a in item_history(store, retried.id).attempts] == ["APPLICATION_ERROR", "DONE"]

    assert (result.artifacts_dir / "output.xml").is_file() and result.log_html.is_file()
    assert get_run(store, result.run_id).status == "SUCCEEDED"
    steps = list_steps(store, result.run_id)
    assert steps[0].name == "producer" and {s.name for s in steps[1:]} == {"consumer"}
    assert len({s.worker for s in steps[1:]}) >= 2, "two consumer processes ran"

    again = run_robot(HELLO)  # the next night: the producer's references are known, so nothing new is made
    assert again.exit_code == 0 and again.counts == {}
    assert sum(WorkQueue(store, "hello").counts().values()) == 20


def test_items_with_files_payload_updates_and_vault_secrets(run_robot, store, monkeypatch, tmp_path):
    monkeypatch.setenv("RPA_SECRETS_FILE", str(tmp_path / "secrets.toml"))
    (tmp_path / "secrets.toml").write_text('[demo]\nusername = "from-file"\npassword = "x"\n')
    monkeypatch.setenv("RPA_SECRET_DEMO__USERNAME", "robot-user")  # the environment overrides the file
    result = run_robot("features")
    assert result.counts == {"DONE": 1}, result
    item = list_items(store, queue="features")[0]
    assert item.reference == "features:1"
    assert item.payload == {"reference": "features:1", "month": "2026-10", "registered": True}
    assert WorkQueue(store, "features").get_file(item.id, "payslip.txt") == b"wage=21000.00"
    report = load_workbook(result.artifacts_dir / "report.xlsx")["Behandlet"]
    assert [[c.value for c in row] for row in report.iter_rows()] == [
        ["Reference", "State", "Month"],
        ["features:1", "DONE", "2026-10"],
    ]
