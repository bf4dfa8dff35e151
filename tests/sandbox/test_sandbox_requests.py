"""The sandbox's request log (``GET /admin/requests``): every request to the systems, in order, counted per path,
with its status (injected HTTP 500s included); emptied by a reset; absent without admin."""

from __future__ import annotations

import httpx

from rpa_core.privacy import contains_cpr
from rpa_core.sandbox.app import create_app
from rpa_core.sandbox.server import SandboxServer
from rpa_core.sandbox.testing import Sandbox


def test_every_request_to_the_systems_is_logged_and_counted_per_path(sandbox: Sandbox) -> None:
    case = next(o for o in sandbox.expected()["outcomes"] if o["outcome"] == "CALCULATED")
    pid = case["payment_id"]
    with httpx.Client(base_url=sandbox.base_url, timeout=10, follow_redirects=True) as c:
        user, password = sandbox.logins["ydelse"]
        c.post("/ydelse/login", data={"username": user, "password": password, "next": f"/ydelse/betalinger/{pid}"})
        c.get(f"/ydelse/betalinger/{pid}?besked=registreret")
        c.get("/ydelse/betalinger/B9999999")
        c.post("/indkomst/api/v1/opslag", json={"cpr": case["cpr"], "month": "2024-10"}, headers=sandbox.api_headers)
        c.get("/health")
        sandbox.payments()  # admin: not counted
    log = sandbox.requests()
    assert [(r["method"], r["path"], r["status"]) for r in log["requests"]] == [
        ("POST", "/ydelse/login", 303),
        ("GET", f"/ydelse/betalinger/{pid}", 200),  # the login's redirect, followed
        ("GET", f"/ydelse/betalinger/{pid}", 200),  # no query string
        ("GET", "/ydelse/betalinger/B9999999", 404),
        ("POST", "/indkomst/api/v1/opslag", 200),
    ]
    assert log["counts"][f"GET /ydelse/betalinger/{pid}"] == 2
    assert not contains_cpr(str(log))  # the CPR number went in the body
    only = sandbox.requests("/ydelse/betalinger")
    assert [r["path"] for r in only["requests"]] == [f"/ydelse/betalinger/{pid}"] * 2 + ["/ydelse/betalinger/B9999999"]
    assert set(only["counts"]) == {f"GET /ydelse/betalinger/{pid}", "GET /ydelse/betalinger/B9999999"}
    sandbox.clear_requests()
    assert sandbox.requests() == {"requests": [], "counts": {}}
    httpx.get(sandbox.url("/ydelse/login"))
    sandbox.reset()
    assert sandbox.requests()["requests"] == []


def test_injected_server_errors_are_logged_with_their_status(sandbox: Sandbox) -> None:
    sandbox.set_faults(error_rate=1.0)
    assert httpx.get(sandbox.url("/esdh/soeg")).status_code == 500
    assert [(r["path"], r["status"]) for r in sandbox.requests()["requests"]] == [("/esdh/soeg", 500)]


def test_the_request_log_is_absent_unless_started_for_tests() -> None:
    with SandboxServer(create_app()) as server:
        assert httpx.get(server.base_url + "/admin/requests").status_code == 404
        assert httpx.get(server.base_url + "/ydelse/login").status_code == 200
        assert server.app.state.requests.to_json() == {"requests": [], "counts": {}}
