"""The shared Robot Framework keywords against the sandbox, through Robot Framework, in headless Chromium."""

import io
from pathlib import Path

import pytest
from robot import run as robot_run
from robot.api import ExecutionResult

ROOT = Path(__file__).resolve().parents[2]
SUITE = Path(__file__).parent / "shared_robots" / "shared_keywords.robot"


@pytest.fixture
def vault(monkeypatch, sandbox, tmp_path):
    """The sandbox's logins and API key in the vault, through the environment as on a robot machine."""
    monkeypatch.setenv("RPA_SECRETS_FILE", str(tmp_path / "no-secrets.toml"))
    for system, (user, password) in sandbox.logins.items():
        monkeypatch.setenv(f"RPA_SECRET_{system.upper()}__USERNAME", user)
        monkeypatch.setenv(f"RPA_SECRET_{system.upper()}__PASSWORD", password)
        monkeypatch.setenv(f"RPA_SECRET_{system.upper()}__API_KEY", sandbox.api_key)
    monkeypatch.setenv("RPA_ARTIFACTS_DIR", str(tmp_path / "artifacts"))
    # What the runner sets for robots: rpaframework's Vault keywords read our secret store.
    monkeypatch.setenv("RPA_SECRET_MANAGER", "rpa_core.keywords.vault_adapter.SecretStoreAdapter")


def run_shared_suite(sandbox, tmp_path: Path, *tests: str):
    """Run the suite on the sandbox with a payment a robot should approve; returns (result, payment id)."""
    outcomes = sandbox.outcomes()
    payment_id, case = next((pid, o) for pid, o in outcomes.items() if o["outcome"] == "CALCULATED")
    payments = sandbox.payments()
    pending = [
        p for p in payments.values() if p["unit"] == "FLEKS" and p["grant_type"] == "FLT" and p["status"] != "APPROVED"
    ]
    variables = {
        "BASE_URL": sandbox.base_url,
        "PAYMENT_MONTH": sandbox.payment_month,
        "PENDING_COUNT": len(pending),
        "PAYMENT_ID": payment_id,
        "CPR": case["cpr"],
        "STAMDATA": str(sandbox.stamdata(tmp_path / "stamdata.xlsx")),
        "REGISTRATION": case["registration"],
    }
    variable_file = tmp_path / "sandbox_variables.py"
    variable_file.write_text("".join(f"{name} = {value!r}\n" for name, value in variables.items()))
    outdir = tmp_path / "out"
    stderr = io.StringIO()
    rc = robot_run(
        str(SUITE),
        variablefile=[str(variable_file)],
        pythonpath=[str(ROOT / "shared_keywords")],
        listener=["rpa_core.privacy.listener.CprMaskingListener"],
        outputdir=str(outdir),
        **({"test": list(tests)} if tests else {}),
        console="none",
        stderr=stderr,
    )
    assert rc < 250, stderr.getvalue()
    return rc, ExecutionResult(str(outdir / "output.xml")), payment_id


def _failures(result) -> dict[str, str]:
    failures = {}
    for test in result.suite.all_tests:
        if test.status != "PASS":
            failures[test.name] = test.message
    return failures


@pytest.mark.browser
def test_every_shared_keyword_against_the_sandbox(sandbox, vault, tmp_path):
    rc, result, payment_id = run_shared_suite(sandbox, tmp_path)
    assert rc == 0, _failures(result)
    assert result.suite.statistics.passed == 7
    approvals = [e for e in sandbox.audit(system="ydelse", action="approve") if e["result"] == "ok"]
    assert [e["object_id"] for e in approvals] == [payment_id], "approved exactly once"


@pytest.mark.browser
def test_shared_keywords_ride_out_session_expiry_dialogs_and_server_errors(sandbox, vault, tmp_path):
    sandbox.set_faults(session_max_requests=4, dialog_rate=0.3, error_rate=0.15, seed=11)
    rc, result, _ = run_shared_suite(sandbox, tmp_path)
    assert rc == 0, _failures(result)
    approvals = [e for e in sandbox.audit(system="ydelse", action="approve") if e["result"] == "ok"]
    assert len(approvals) == 1
