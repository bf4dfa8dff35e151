"""A keyword failing under the runner leaves a screenshot and the page's HTML in runs/<run-id>/, CPR masked."""

import re
from pathlib import Path

import pytest

from rpa_core.packaging import load_robot, resolve_settings
from rpa_core.runner import Runner

ROBOT = Path(__file__).parent / "robots" / "browser_failure"


@pytest.mark.browser
def test_failed_keyword_leaves_screenshot_and_html(sandbox, store, tmp_path, monkeypatch):
    user, password = sandbox.logins["ydelse"]
    monkeypatch.setenv("RPA_SECRET_YDELSE__USERNAME", user)
    monkeypatch.setenv("RPA_SECRET_YDELSE__PASSWORD", password)
    payment_id, expected = next(iter(sandbox.outcomes().items()))
    robot = load_robot(ROBOT)
    settings = resolve_settings(
        robot, environ={}, overrides=[f"ydelse_url={sandbox.base_url}/ydelse", f"payment_id={payment_id}"]
    )

    result = Runner(store, robot, runs_dir=tmp_path / "runs", settings=settings).run()

    assert result.failed_steps == ["check"]
    failures = sorted((result.artifacts_dir / "failures").iterdir())
    assert {p.suffix for p in failures} == {".png", ".html"}, failures
    html = next(p for p in failures if p.suffix == ".html").read_text(encoding="utf-8")
    assert payment_id in html, "the HTML is the payment page"
    cpr = expected["cpr"]
    assert cpr not in html and cpr.replace("-", "") not in html
    assert f"{cpr[:6]}-XXXX" in html
    for path in failures:
        assert not re.search(r"\d{6}-?\d{4}(?!\d)", path.name.replace(result.run_id, "")), path.name
    merged = (result.artifacts_dir / "output.xml").read_text(encoding="utf-8")
    assert "failures/" in merged, "the log links the captured files"
