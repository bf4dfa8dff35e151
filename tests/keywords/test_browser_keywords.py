"""The browser keyword library through Robot Framework, in a process of its own as the runner starts it,
against the sandbox in headless Chromium: failure artifacts, once per failure, shown in the log, CPR masked."""

from __future__ import annotations

import html
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from robot.api import ExecutionResult
from robot.libdocpkg import LibraryDocumentation

from rpa_core.privacy import contains_cpr

ROBOTS = Path(__file__).with_name("browser_robots")
LISTENER = "rpa_core.privacy.listener.CprMaskingListener"


def run_robot(suite: Path, sandbox, tmp_path: Path, *options: str) -> tuple[subprocess.CompletedProcess, Path, Path]:
    """Run ``suite`` with ``python -m robot``; returns the process, the output dir and the artifacts dir."""
    output_dir, artifacts = tmp_path / "out", tmp_path / "run"
    environment = {**os.environ, "RPA_ARTIFACTS_DIR": str(artifacts)}
    environment.pop("RPA_HEADED", None)
    command = [sys.executable, "-m", "robot", "--rpa", "--outputdir", str(output_dir), "--report", "NONE"]
    command += ["--listener", LISTENER, "--variable", f"SANDBOX:{sandbox.base_url}", *options, str(suite)]
    process = subprocess.run(command, capture_output=True, text=True, env=environment, timeout=180)
    return process, output_dir, artifacts


def failure_files(artifacts: Path, label: str) -> list[Path]:
    folder = artifacts / "failures"
    return sorted(f for f in folder.iterdir() if label in f.name) if folder.is_dir() else []


def html_messages(keyword) -> list[str]:
    return [m.message for m in keyword.body if getattr(m, "type", None) == "MESSAGE" and m.html]


@pytest.mark.parametrize("also_as_listener", [False, True], ids=["library-listener", "and-global-listener"])
def test_a_failure_is_captured_once_and_shown_in_the_log(sandbox, tmp_path, also_as_listener):
    options = ["--listener", "rpa_core.keywords.browser.FailureCaptureListener"] if also_as_listener else []
    process, output_dir, artifacts = run_robot(ROBOTS / "failure_capture.robot", sandbox, tmp_path, *options)
    assert process.returncode == 2, process.stdout + process.stderr  # two tasks fail on purpose
    result = ExecutionResult(str(output_dir / "output.xml"))
    status = {test.name[:14]: test.status for test in result.suite.all_tests}
    assert status == {
        "Handle Payment": "FAIL",
        "Handled Failur": "PASS",
        "Retried Keywor": "FAIL",
    }

    nested = failure_files(artifacts, "Handle_Payment_Of_311065-XXXX")
    assert [f.suffix for f in nested] == [".html", ".png"], "one capture for a failure three keywords deep"
    assert failure_files(artifacts, "Handled_Failures") == [], "expected and caught failures are not captured"
    retried = failure_files(artifacts, "Retried_Keyword")
    assert [f.suffix for f in retried] == [".html", ".png"], "one capture when the retries give up"
    assert "Wait_Until_Ke" in retried[0].name

    for file in nested + retried:
        assert not contains_cpr(file.name)
    page_html = nested[0].read_text(encoding="utf-8")
    assert 'id="citizen-cpr"' in page_html and "-XXXX" in page_html and not contains_cpr(page_html)
    assert nested[1].read_bytes()[:4] == b"\x89PNG"

    # The innermost failing keyword carries the screenshot and the HTML link, relative to log.html.
    task = next(t for t in result.suite.all_tests if t.name.startswith("Handle Payment"))
    innermost = task.body[1].body[0].body[1]
    assert (innermost.name, innermost.status) == ("Call Method", "FAIL")
    messages = html_messages(innermost)
    assert len(messages) == 2, messages
    links = [html.unescape(m) for m in messages for m in re.findall(r'href="([^"]+)"', m)]
    assert {(output_dir / link).resolve() for link in links} == {f.resolve() for f in nested}
    assert "<img src=" in messages[0]
    all_messages = [m for kw in (task.body[1], task.body[1].body[0]) for m in html_messages(kw)]
    assert all_messages == [], "callers of the failing keyword log nothing more"
    assert (output_dir / "log.html").is_file()


def test_session_keywords_overrides_capture_on_request_traces_and_close_at_suite_end(sandbox, tmp_path):
    artifacts = tmp_path / "run"
    script = (
        "import io, robot\n"
        "from rpa_core.browser import existing_session\n"
        f"rc = robot.run({str(ROBOTS / 'session_keywords.robot')!r}, outputdir={str(tmp_path)!r}, rpa=True,\n"
        f"    log=None, report=None, variable=['SANDBOX:{sandbox.base_url}'], stdout=io.StringIO())\n"
        "print(rc, existing_session())\n"
    )
    environment = {**os.environ, "RPA_ARTIFACTS_DIR": str(artifacts)}
    environment.pop("RPA_HEADED", None)
    process = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=environment)
    assert process.stdout.split() == ["0", "None"], "the suite passes and closes the session at its end\n" + (
        process.stdout + process.stderr
    )
    captured = failure_files(artifacts, "Evidence_for_010203-XXXX")
    assert len(captured) == 4, captured  # PNG + HTML of both systems' pages
    assert {f.name.rsplit("-", 1)[1] for f in captured} == {"ydelse.png", "ydelse.html", "esdh.png", "esdh.html"}
    assert failure_files(artifacts, "Call_Method") == [], "an expected timeout is not captured"
    traces = sorted((artifacts / "traces").iterdir())
    assert len(traces) == 2 and all(zipfile.is_zipfile(t) for t in traces)


def test_every_keyword_has_libdoc_documentation():
    doc = LibraryDocumentation("rpa_core.keywords.browser.BrowserKeywords")
    assert {kw.name for kw in doc.keywords} == {
        "Open Browser Session",
        "Close Browser Session",
        "Capture Failure Artifacts",
        "Get Page For System",
    }
    assert all(kw.doc.strip() and "Example::" in kw.doc for kw in doc.keywords)
    assert doc.scope == "GLOBAL"
    assert "failures/" in doc.doc
