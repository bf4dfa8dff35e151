"""The keyword library through Robot Framework: run flexloen_keywords.robot and check every test passed."""

from __future__ import annotations

import io
from pathlib import Path

import robot
from flexloen.keywords import FlexloenKeywords
from robot.api import ExecutionResult
from robot.libdocpkg import LibraryDocumentation

SUITE = Path(__file__).with_name("flexloen_keywords.robot")
ROBOT_DIR = Path(__file__).resolve().parents[3] / "robots" / "flexloen"


def test_keyword_suite_passes(tmp_path):
    stdout = io.StringIO()
    rc = robot.run(
        str(SUITE),
        outputdir=str(tmp_path),
        pythonpath=[str(ROBOT_DIR)],
        stdout=stdout,
        stderr=stdout,
        log="NONE",
        report="NONE",
    )
    result = ExecutionResult(str(tmp_path / "output.xml"))
    failed = [f"{test.name}: {test.message}" for test in result.suite.all_tests if test.status != "PASS"]
    assert rc == 0, "\n".join(failed) or stdout.getvalue()
    assert result.suite.statistics.passed == 8


def test_keywords_have_libdoc_documentation():
    doc = LibraryDocumentation("flexloen.keywords.FlexloenKeywords")
    names = {kw.name for kw in doc.keywords}
    assert {
        "Calculate Fleksløntilskud",
        "Decide Fleksløn Case",
        "Fail If Manual Handling",
        "Fail For Refused Journal Note",
        "Render Journal Note",
        "Use Profile Rates",
        "Set Large Change Threshold",
        "Manual Handling Text",
    } == names
    assert all(kw.doc.strip() for kw in doc.keywords)
    assert "LAB § 123" in doc.doc


def test_library_arguments():
    library = FlexloenKeywords(
        change_threshold="", rates={"2026": {"max": "20000", "threshold": "16000", "source": "profil"}}
    )
    calc = library.calculate_fleksloentilskud("2026-01", "10000", "30000")
    assert str(calc.subsidy) == "17000.00"  # 20.000 - 0,30 * 10.000
