"""Robocorp robots' local work items: ``rpa run --input`` devdata, ``rpa queue add`` and ``rpa queue export``
(compared item for item with rpaframework's own FileAdapter), and declared references with duplicates warned."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from support import assert_one_clear_line, rpa

# Written the way Robocorp's templates are: only rpaframework's keywords, nothing of ours.
ROBOCORP_TASKS = """\
*** Settings ***
Library    OperatingSystem
Library    RPA.Robocorp.WorkItems

*** Tasks ***
Split Orders Into Lines
    For Each Input Work Item    Split Order

*** Keywords ***
Split Order
    ${customer}=    Get Work Item Variable    customer
    ${path}=    Get Work Item File    orders.csv    ${OUTPUT_DIR}${/}orders-${customer}.csv
    ${text}=    Get File    ${path}
    FOR    ${number}    ${line}    IN ENUMERATE    @{text.splitlines()}    start=1
        ${copy}=    Set Variable    ${OUTPUT_DIR}${/}${customer}-line-${number}.txt
        Create File    ${copy}    ${line}
        Create Output Work Item    variables=${{ {"customer": $customer, "line": $line} }}    files=${copy}    save=True
    END
"""

DUPLICATE_TASKS = """\
*** Settings ***
Library    RPA.Robocorp.WorkItems

*** Tasks ***
Three Outputs With One Reference
    FOR    ${n}    IN RANGE    3
        Create Output Work Item    variables=${{ {"reference": "case:0101011234", "n": $n} }}    save=True
    END
"""


def make_robot(folder: Path, tasks: str, queue_table: str = "") -> Path:
    folder.mkdir(parents=True)
    (folder / "tasks.robot").write_text(tasks, encoding="utf-8")
    (folder / "robot.toml").write_text(
        f'[robot]\nname = "{folder.name}"\n\n{queue_table}\n'
        '[[steps]]\nname = "producer"\ntasks = "tasks.robot"\noutput_queue = "out"\n',
        encoding="utf-8",
    )
    return folder


def make_devdata(root: Path) -> Path:
    folder = root / "devdata" / "work-items-in" / "orders"
    folder.mkdir(parents=True)
    (folder / "a.csv").write_text("2 chairs\n1 table\n", encoding="utf-8")
    elsewhere = root / "b-orders.csv"
    elsewhere.write_text("5 lamps\n", encoding="utf-8")
    items = [
        {"payload": {"customer": "anna"}, "files": {"orders.csv": "a.csv"}},  # relative to work-items.json
        {"payload": {"customer": "bo"}, "files": {"orders.csv": str(elsewhere)}},  # absolute
    ]
    (folder / "work-items.json").write_text(json.dumps(items), encoding="utf-8")
    return folder


def read_output(work_items_json: Path) -> list[dict]:
    """Each item's payload and files (name -> content), the file paths resolved as FileAdapter resolves them."""
    items = json.loads(work_items_json.read_text(encoding="utf-8"))
    return [
        {
            "payload": item["payload"],
            "files": {n: (work_items_json.parent / p).read_text(encoding="utf-8") for n, p in item["files"].items()},
        }
        for item in items
    ]


def test_devdata_input_runs_like_rpaframeworks_file_adapter(tmp_path):
    robot = make_robot(tmp_path / "orders-robot", ROBOCORP_TASKS)
    devdata = make_devdata(tmp_path)
    store = f"sqlite:///{tmp_path / 'rpa.db'}"

    ours = rpa("run", str(robot), "--input", str(devdata), "--store", store, "--runs-dir", str(tmp_path / "runs"))
    # A robot of one producer step leaves its outputs PENDING for a consumer: the run counts them open (exit 1).
    assert "Step producer: passed" in ours.stderr, ours.stdout + ours.stderr
    exported = rpa("queue", "export", "out", str(tmp_path / "ours"), "--store", store)
    assert exported.returncode == 0, exported.stderr
    assert "3 work item(s)" in exported.stdout

    file_adapter_out = tmp_path / "devdata" / "work-items-out" / "orders" / "work-items.json"
    env = dict(os.environ)
    env |= {
        "RPA_WORKITEMS_ADAPTER": "RPA.Robocorp.WorkItems.FileAdapter",
        "RPA_INPUT_WORKITEM_PATH": str(devdata / "work-items.json"),
        "RPA_OUTPUT_WORKITEM_PATH": str(file_adapter_out),
    }
    theirs = subprocess.run(
        [sys.executable, "-m", "robot", "--rpa", "--outputdir", str(tmp_path / "fa"), str(robot / "tasks.robot")],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert theirs.returncode == 0, theirs.stdout + theirs.stderr

    expected = read_output(file_adapter_out)
    assert [i["payload"]["line"] for i in expected] == ["2 chairs", "1 table", "5 lamps"]
    assert read_output(tmp_path / "ours" / "work-items.json") == expected


@pytest.mark.parametrize(
    ("queue_table", "items"),
    [("", 3), ('[queue]\nreference = "reference"\n', 1)],
    ids=["undeclared: no deduplication", "declared: one item"],
)
def test_a_reference_deduplicates_only_when_declared(tmp_path, queue_table, items):
    robot = make_robot(tmp_path / "dup-robot", DUPLICATE_TASKS, queue_table)
    store = f"sqlite:///{tmp_path / 'rpa.db'}"
    result = rpa("run", str(robot), "--store", store, "--runs-dir", str(tmp_path / "runs"))
    assert "Step producer: passed" in result.stderr, result.stdout + result.stderr
    listed = json.loads(rpa("queue", "ls", "out", "--json", "--store", store).stdout)
    assert len(listed["items"]) == items
    output_xml = next((tmp_path / "runs").glob("*/producer/output.xml"))
    warnings = [m.text for m in ET.parse(output_xml).getroot().iter("msg") if m.get("level") == "WARN"]
    warnings = list(dict.fromkeys(warnings))  # a WARN is in the test body and in <errors>
    if items == 3:
        assert warnings == [] and "Duplicate" not in result.stdout
        assert {i["reference"] for i in listed["items"]} != {"case:010101-XXXX"}
        return
    assert re.fullmatch(r"case:cpr#[a-z2-7]{16}", listed["items"][0]["reference"]), "stored without the CPR"
    assert len([w for w in warnings if w.startswith("Duplicate work item reference case:010101-XXXX")]) == 1
    assert sum(1 for m in ET.parse(output_xml).getroot().find("errors").iter("msg")) == 2
    assert "0101011234" not in "".join(warnings)
    assert "Duplicate references: 2" in result.stdout
    assert "Step producer: passed; 2 duplicate reference(s)" in result.stderr  # the step's summary line


def test_a_declared_template_field_missing_from_a_payload_fails_that_item_clearly(tmp_path):
    robot = make_robot(tmp_path / "tpl-robot", DUPLICATE_TASKS, '[queue]\nreference = "case:{cpr}"\n')
    store = f"sqlite:///{tmp_path / 'rpa.db'}"
    result = rpa("run", str(robot), "--store", store, "--runs-dir", str(tmp_path / "runs"))
    assert result.returncode == 1
    assert "no value for 'cpr'" in result.stderr, result.stdout + result.stderr


def test_queue_add_then_export_round_trips_payload_and_files(tmp_path):
    store = f"sqlite:///{tmp_path / 'rpa.db'}"
    assert rpa("store", "upgrade", "--store", store).returncode == 0
    (tmp_path / "case.json").write_text('{"month": "2024-11", "cpr": "0101011234"}', encoding="utf-8")
    (tmp_path / "indkomst.xlsx").write_bytes(b"PK\x03\x04 not really a workbook")
    added = rpa(
        "queue", "add", "flexloen", "--payload", f"@{tmp_path / 'case.json'}",
        "--file", str(tmp_path / "indkomst.xlsx"), "--reference", "flexloen:0101011234:2024-11", "--store", store,
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    assert re.search(r"flexloen:cpr#[a-z2-7]{16}:2024-11", added.stdout) and "0101011234" not in added.stdout
    again = rpa("queue", "add", "flexloen", "--reference", "flexloen:0101011234:2024-11", "--store", store)
    assert again.returncode == 0 and "nothing added" in again.stdout
    assert rpa("queue", "export", "flexloen", str(tmp_path / "out"), "--store", store).returncode == 0
    document = json.loads((tmp_path / "out" / "work-items.json").read_text(encoding="utf-8"))
    assert document == [
        {"payload": {"month": "2024-11", "cpr": "0101011234"}, "files": {"indkomst.xlsx": "indkomst.xlsx"}}
    ]
    assert (tmp_path / "out" / "indkomst.xlsx").read_bytes() == b"PK\x03\x04 not really a workbook"


def test_bad_input_is_one_clear_line_and_creates_nothing(tmp_path):
    robot = make_robot(tmp_path / "orders-robot", ROBOCORP_TASKS)
    store = f"sqlite:///{tmp_path / 'rpa.db'}"
    runs = str(tmp_path / "runs")
    empty = tmp_path / "devdata" / "work-items-in" / "empty"
    empty.mkdir(parents=True)
    assert_one_clear_line(rpa("run", str(robot), "--input", str(empty), "--store", store, "--runs-dir", runs),
                          "no work-items.json")  # fmt: skip
    broken = tmp_path / "broken.json"
    broken.write_text('[\n  {"payload": {"a": 1},}\n]', encoding="utf-8")
    assert_one_clear_line(rpa("run", str(robot), "--input", str(broken), "--store", store, "--runs-dir", runs),
                          "broken.json", "invalid JSON at line 2 column")  # fmt: skip
    mapping = tmp_path / "mapping.json"
    mapping.write_text('{"payload": {}}', encoding="utf-8")
    assert_one_clear_line(rpa("run", str(robot), "--input", str(mapping), "--store", store, "--runs-dir", runs),
                          "mapping.json", "a JSON list of work items")  # fmt: skip
    missing = tmp_path / "missing.json"
    missing.write_text('[{"payload": {}, "files": {"data.xlsx": "data.xlsx"}}]', encoding="utf-8")
    assert_one_clear_line(rpa("run", str(robot), "--input", str(missing), "--store", store, "--runs-dir", runs),
                          "work item 1", "data.xlsx")  # fmt: skip
    assert not (tmp_path / "rpa.db").exists() and not (tmp_path / "runs").exists()

    assert_one_clear_line(rpa("queue", "add", "q", "--payload", "{}", "--store", store), "rpa store upgrade")
    assert rpa("store", "upgrade", "--store", store).returncode == 0
    assert_one_clear_line(rpa("queue", "add", "q", "--payload", '{"a": ', "--store", store),
                          "--payload", "invalid JSON at line 1 column")  # fmt: skip
    assert_one_clear_line(rpa("queue", "add", "q", "--file", str(tmp_path / "nope.xlsx"), "--store", store),
                          "--file", "nope.xlsx")  # fmt: skip
    assert json.loads(rpa("queue", "ls", "--json", "--store", store).stdout)["items"] == []
