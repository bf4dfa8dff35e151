"""The sandbox over real HTTP: logins, JSON APIs, approval rules, audit, faults, clear 4xx errors."""

from __future__ import annotations

import logging
import re
import time

import httpx

from rpa_core.privacy import contains_cpr
from rpa_core.sandbox.app import create_app
from rpa_core.sandbox.server import SandboxServer
from rpa_core.sandbox.testing import Sandbox

INCOME_FIELDS = ("wage", "own_pension", "employer_pension", "hours", "holiday_pay", "subsidy")


def client(sandbox: Sandbox, system: str | None = None) -> httpx.Client:
    """An httpx client, logged in to ``system`` when given."""
    c = httpx.Client(base_url=sandbox.base_url, follow_redirects=False, timeout=10)
    if system:
        user, password = sandbox.logins[system]
        r = c.post(f"/{system}/login", data={"username": user, "password": password, "next": f"/{system}/"})
        assert r.status_code == 303, r.text
    return c


def first(sandbox: Sandbox, outcome: str) -> dict:
    return next(o for o in sandbox.expected()["outcomes"] if o["outcome"] == outcome)


def approve(c: httpx.Client, payment_id: str) -> httpx.Response:
    page = c.get(f"/ydelse/betalinger/{payment_id}/godkend")
    assert page.status_code == 200, page.text
    token = re.search(r'name="confirm_token" value="([^"]+)"', page.text).group(1)
    return c.post(f"/ydelse/betalinger/{payment_id}/godkend", data={"confirm_token": token})


def test_pages_need_a_login_and_return_to_the_page_after_it(sandbox: Sandbox) -> None:
    c = client(sandbox)
    r = c.get("/ydelse/betalinger?enhed=FLEKS")
    assert r.status_code == 303 and r.headers["location"] == "/ydelse/login?next=/ydelse/betalinger%3Fenhed%3DFLEKS"
    wrong = c.post("/ydelse/login", data={"username": "robot", "password": "nope", "next": "/ydelse/betalinger"})
    assert wrong.status_code == 401 and 'id="login-error"' in wrong.text
    user, password = sandbox.logins["ydelse"]
    ok = c.post("/ydelse/login", data={"username": user, "password": password, "next": "/ydelse/betalinger"})
    assert ok.status_code == 303 and ok.headers["location"] == "/ydelse/betalinger"
    assert c.get("/ydelse/betalinger").status_code == 200
    # each system has its own login: the Ydelsessystem session does not open the ESDH
    assert c.get("/esdh/soeg").status_code == 303
    evil = c.post("/ydelse/login", data={"username": user, "password": password, "next": "https://evil.example/"})
    assert evil.headers["location"] == "/ydelse/"


def test_list_is_paginated_13_rows_a_page_and_filtered(sandbox: Sandbox) -> None:
    c = client(sandbox, "ydelse")
    payments = sandbox.payments().values()
    wanted = {p["payment_id"] for p in payments if p["unit"] == "FLEKS" and p["grant_type"] == "FLT"
              and p["status"] != "APPROVED"}  # fmt: skip
    seen: list[str] = []
    url = "/ydelse/betalinger?enhed=FLEKS&ydelse=FLT"
    pages = 0
    while url:
        r = c.get(url)
        assert r.status_code == 200
        rows = re.findall(r'data-test="payment-row" data-payment-id="(B\d+)"', r.text)
        assert len(rows) == 13 or 'id="next-page"' not in r.text
        seen += rows
        pages += 1
        nxt = re.search(r'id="next-page" data-test="next-page" href="([^"]+)"', r.text)
        url = nxt.group(1).replace("&amp;", "&") if nxt else None
    assert sorted(seen) == sorted(wanted) and len(seen) == len(set(seen))
    assert pages == -(-len(wanted) // 13)
    all_pending = c.get("/ydelse/betalinger?status=alle").text
    assert re.search(r'data-pages="(\d+)" data-total="(\d+)"', all_pending).group(2) == str(len(payments))


def test_income_api_gives_the_lines_with_field_codes(sandbox: Sandbox) -> None:
    case = first(sandbox, "CALCULATED")
    r = httpx.post(sandbox.url("/indkomst/api/v1/opslag"), json={"cpr": case["cpr"], "month": "2024-10"},
                   headers=sandbox.api_headers)  # fmt: skip
    assert r.status_code == 200
    body = r.json()
    assert body["cpr"] == case["cpr"] and body["month"] == "2024-10"
    wage = [line for line in body["lines"] if line["kind"] == "LOEN"]
    assert len(wage) == 1 and wage[0]["income_type"] == "0000" and len(wage[0]["cvr"]) == 8
    fields = wage[0]["fields"]
    assert set(fields) == {"0057", "0096", "0098", "0197", "0198", "0217"}
    reg = case["registration"]
    assert (fields["0057"], fields["0197"], fields["0198"], fields["0096"], fields["0098"]) == (
        reg["wage"], reg["own_pension"], reg["employer_pension"], reg["hours"], reg["holiday_pay"],
    )  # fmt: skip
    subsidy = [line for line in body["lines"] if line["income_type"] == "0083"]
    assert subsidy and subsidy[0]["fields"]["0057"] == case["previous_subsidy"]
    older = httpx.post(sandbox.url("/indkomst/api/v1/opslag"), json={"cpr": case["cpr"], "month": "2024-09"},
                       headers=sandbox.api_headers).json()  # fmt: skip
    assert any(line["kind"] == "LOEN" for line in older["lines"])


def test_json_apis_need_the_api_key(sandbox: Sandbox) -> None:
    for headers in ({}, {"X-API-Key": "wrong"}):
        r = httpx.post(sandbox.url("/indkomst/api/v1/opslag"), json={"cpr": "010180-1234", "month": "2024-10"},
                       headers=headers)  # fmt: skip
        assert r.status_code == 401 and r.json()["error"]["code"] == "UNAUTHORIZED"
        assert httpx.get(sandbox.url("/esdh/api/v1/sager/FJ-2020-00001"), headers=headers).status_code == 401


def test_esdh_api_finds_the_case_and_journalises_notes(sandbox: Sandbox) -> None:
    case = first(sandbox, "CALCULATED")
    h = sandbox.api_headers
    found = httpx.post(sandbox.url("/esdh/api/v1/sager/soeg"), json={"cpr": case["cpr"]}, headers=h).json()
    flex = [c for c in found["cases"] if c["kind"] == "FLEKSJOB"]
    assert [c["case_number"] for c in flex] == [case["case_number"]]
    number = case["case_number"]
    assert httpx.get(sandbox.url(f"/esdh/api/v1/sager/{number}"), headers=h).json()["cpr"] == case["cpr"]
    note = {"title": "Fleksløntilskud november 2024", "text": "L = ...\nS = " + case["calculation"]["subsidy"]}
    created = httpx.post(sandbox.url(f"/esdh/api/v1/sager/{number}/notater"), json=note, headers=h)
    assert created.status_code == 201 and created.json()["title"] == note["title"]
    notes = httpx.get(sandbox.url(f"/esdh/api/v1/sager/{number}/notater"), headers=h).json()["notes"]
    assert notes[-1]["text"] == note["text"] and notes[-1]["author"] == "api"
    audit = sandbox.audit(system="esdh", action="add_note")
    assert [(e["object_id"], e["result"]) for e in audit] == [(number, "ok")]


def test_a_double_approval_is_refused_and_every_write_is_audited(sandbox: Sandbox) -> None:
    case = first(sandbox, "CALCULATED")
    pid = case["payment_id"]
    c = client(sandbox, "ydelse")
    values = {k: case["registration"][k].replace(".", ",") for k in INCOME_FIELDS}  # Danish decimal comma
    r = c.post(f"/ydelse/betalinger/{pid}/indkomst", data=values)
    assert r.status_code == 303 and r.headers["location"].endswith("besked=registreret")
    assert pid not in c.get("/ydelse/betalinger?status=godkendt&ydelse=FLT").text  # (fills the list cache)
    assert approve(c, pid).status_code == 303
    assert pid in c.get("/ydelse/betalinger?status=godkendt&ydelse=FLT").text
    page = c.get(f"/ydelse/betalinger/{pid}").text
    assert 'data-status="APPROVED"' in page and 'id="approve-button"' not in page
    assert c.get(f"/ydelse/betalinger/{pid}/godkend").status_code == 409  # no confirmation page either
    again = c.post(f"/ydelse/betalinger/{pid}/godkend", data={"confirm_token": "stale"})
    assert again.status_code == 409 and 'data-code="ALREADY_APPROVED"' in again.text
    assert "allerede godkendt" in again.text
    change = c.post(f"/ydelse/betalinger/{pid}/indkomst", data=values)
    assert change.status_code == 409
    entries = [(e["action"], e["result"]) for e in sandbox.audit(system="ydelse") if e["object_id"] == pid]
    assert entries == [("register_income", "ok"), ("approve", "ok"), ("approve", "refused"),
                       ("register_income", "refused")]  # fmt: skip
    payment = sandbox.payments()[pid]
    assert payment["status"] == "APPROVED" and payment["registration"]["subsidy"] == case["calculation"]["subsidy"]
    assert payment["atp"] == case["calculation"]["atp"]
    assert all(not contains_cpr(str(e)) for e in sandbox.audit())


def test_a_payment_approved_by_a_caseworker_cannot_be_approved(sandbox: Sandbox) -> None:
    pid = first(sandbox, "ALREADY_HANDLED")["payment_id"]
    c = client(sandbox, "ydelse")
    assert 'id="approved-notice"' in c.get(f"/ydelse/betalinger/{pid}").text
    r = c.post(f"/ydelse/betalinger/{pid}/godkend", data={"confirm_token": "x"})
    assert r.status_code == 409
    assert sandbox.audit(action="approve")[-1]["result"] == "refused"


BAD_PAGE_REQUESTS = [
    ("ydelse", "GET", "/ydelse/betalinger?side=abc", {}, 400),
    ("ydelse", "GET", "/ydelse/betalinger?side=0", {}, 400),
    ("ydelse", "GET", "/ydelse/betalinger?side=999", {}, 404),
    ("ydelse", "GET", "/ydelse/betalinger?enhed=XYZ", {}, 400),
    ("ydelse", "GET", "/ydelse/betalinger?status=nogle", {}, 400),
    ("ydelse", "GET", "/ydelse/betalinger/B9999999", {}, 404),
    ("ydelse", "POST", "/ydelse/betalinger/soeg", {"data": {"cpr": "12"}}, 422),
    ("ydelse", "POST", "/ydelse/betalinger/soeg", {"data": {"cpr": "010100-0000"}}, 404),
    ("ydelse", "POST", "/ydelse/betalinger/soeg", {}, 422),
    ("ydelse", "POST", "/ydelse/betalinger/{pid}/indkomst", {"data": {"wage": "100"}}, 422),
    ("ydelse", "POST", "/ydelse/betalinger/{pid}/indkomst", {"data": dict.fromkeys(INCOME_FIELDS, "abc")}, 422),
    ("ydelse", "POST", "/ydelse/betalinger/{pid}/indkomst", {"data": dict.fromkeys(INCOME_FIELDS, "-5")}, 422),
    ("ydelse", "POST", "/ydelse/betalinger/{pid}/indkomst", {"data": dict.fromkeys(INCOME_FIELDS, "1.005")}, 422),
    ("ydelse", "POST", "/ydelse/betalinger/{pid}/indkomst", {"data": dict.fromkeys(INCOME_FIELDS, "NaN")}, 422),
    ("ydelse", "POST", "/ydelse/betalinger/B9999999/indkomst", {"data": {}}, 404),
    ("ydelse", "GET", "/ydelse/betalinger/{pid}/godkend", {}, 409),
    ("ydelse", "POST", "/ydelse/betalinger/{pid}/godkend", {"data": {}}, 400),
    ("indkomst", "POST", "/indkomst/opslag", {"data": {"cpr": "abc", "month": "2024-10"}}, 422),
    ("indkomst", "POST", "/indkomst/opslag", {"data": {"cpr": "{cpr}", "month": "2024-13"}}, 422),
    ("indkomst", "POST", "/indkomst/opslag", {"data": {"cpr": "{cpr}"}}, 422),
    ("indkomst", "POST", "/indkomst/opslag", {"data": {"cpr": "010100-0000", "month": "2024-10"}}, 404),
    ("esdh", "POST", "/esdh/soeg", {"data": {"cpr": "0101"}}, 422),
    ("esdh", "POST", "/esdh/soeg", {"data": {"cpr": "010100-0000"}}, 404),
    ("esdh", "GET", "/esdh/sager/FJ-1999-99999", {}, 404),
    ("esdh", "POST", "/esdh/sager/{case}/notater", {"data": {"title": "", "text": "x"}}, 422),
    ("esdh", "POST", "/esdh/sager/{case}/notater", {"data": {"title": "x" * 201, "text": "x"}}, 422),
    ("esdh", "POST", "/esdh/sager/{case}/notater", {"data": {"title": "t"}}, 422),
    (None, "GET", "/nowhere", {}, 404),
    (None, "GET", "/ydelse/betalinger/B0000001/ukendt", {}, 404),
]
BAD_API_REQUESTS = [
    ("POST", "/indkomst/api/v1/opslag", {"json": {}}, 422),
    (
        "POST",
        "/indkomst/api/v1/opslag",
        {"content": b"{not json", "headers": {"Content-Type": "application/json"}},
        422,
    ),
    ("POST", "/indkomst/api/v1/opslag", {"json": ["a"]}, 422),
    ("POST", "/indkomst/api/v1/opslag", {"json": {"cpr": "x", "month": "2024-10"}}, 422),
    ("POST", "/indkomst/api/v1/opslag", {"json": {"cpr": "{cpr}", "month": "10-2024"}}, 422),
    ("POST", "/indkomst/api/v1/opslag", {"json": {"cpr": "{cpr}", "month": 202410}}, 422),
    ("POST", "/indkomst/api/v1/opslag", {"json": {"cpr": "010100-0000", "month": "2024-10"}}, 404),
    ("GET", "/indkomst/api/v1/opslag", {}, 405),
    ("POST", "/esdh/api/v1/sager/soeg", {"json": {"cpr": "31"}}, 422),
    ("POST", "/esdh/api/v1/sager/soeg", {"json": {"cpr": "010100-0000"}}, 404),
    ("GET", "/esdh/api/v1/sager/NOPE", {}, 404),
    ("GET", "/esdh/api/v1/sager/NOPE/notater", {}, 404),
    ("POST", "/esdh/api/v1/sager/{case}/notater", {"json": {"title": "t"}}, 422),
    ("POST", "/esdh/api/v1/sager/{case}/notater", {"json": {"title": "   ", "text": "x"}}, 422),
    ("POST", "/esdh/api/v1/sager/{case}/notater", {"json": {"title": "t" * 201, "text": "x"}}, 422),
    ("POST", "/esdh/api/v1/sager/NOPE/notater", {"json": {"title": "t", "text": "x"}}, 404),
    ("POST", "/esdh/api/v1/sager/{closed}/notater", {"json": {"title": "t", "text": "x"}}, 409),
]


def _fill(value: object, subst: dict[str, str]) -> object:
    if isinstance(value, str):
        for key, replacement in subst.items():
            value = value.replace("{" + key + "}", replacement)
        return value
    if isinstance(value, dict):
        return {k: _fill(v, subst) for k, v in value.items()}
    return value


def test_bad_requests_get_a_clear_4xx_and_never_echo_a_cpr(sandbox: Sandbox) -> None:
    case = first(sandbox, "CALCULATED")
    closed = next(c for c in sandbox.server.app.state.sandbox.data.cases.values() if c.status != "Åben")
    subst = {"pid": case["payment_id"], "cpr": case["cpr"], "case": case["case_number"], "closed": closed.case_number}
    clients = {system: client(sandbox, system) for system in ("ydelse", "indkomst", "esdh")} | {None: client(sandbox)}
    for system, method, path, kwargs, status in BAD_PAGE_REQUESTS:
        r = clients[system].request(method, _fill(path, subst), **_fill(kwargs, subst))
        assert r.status_code == status, (method, path, r.status_code)
        assert 'id="error-message"' in r.text or 'id="form-errors"' in r.text, path
        assert case["cpr"] not in r.text or "{cpr}" not in str(kwargs), path
    api = httpx.Client(base_url=sandbox.base_url, headers=sandbox.api_headers)
    for method, path, kwargs, status in BAD_API_REQUESTS:
        r = api.request(method, _fill(path, subst), **_fill(kwargs, subst))
        assert r.status_code == status, (method, path, r.status_code, r.text)
        error = r.json()["error"]
        assert error["code"] and error["message"]
        assert not contains_cpr(r.text), path
    assert sandbox.audit(system="ydelse") == []  # nothing was written by any of them


def test_faults_can_be_changed_at_run_time(sandbox: Sandbox) -> None:
    c = client(sandbox, "ydelse")
    assert sandbox.set_faults(error_rate=1.0)["error_rate"] == 1.0
    r = c.get("/ydelse/betalinger")
    assert r.status_code == 500 and r.headers["X-Sandbox-Fault"] == "error_rate"
    api = httpx.post(sandbox.url("/indkomst/api/v1/opslag"), json={}, headers=sandbox.api_headers)
    assert api.status_code == 500 and api.json()["error"]["code"] == "INTERNAL_ERROR"
    sandbox.set_faults(error_rate=0.5, seed=3)
    statuses = {c.get("/ydelse/betalinger").status_code for _ in range(30)}
    assert statuses == {200, 500}
    sandbox.set_faults(error_rate=0, latency_ms=300, jitter_ms=50)
    started = time.perf_counter()
    assert c.get("/ydelse/betalinger").status_code == 200
    assert time.perf_counter() - started >= 0.3
    sandbox.clear_faults()
    r = httpx.put(sandbox.url("/admin/faults"), json={"no_such_fault": 1})
    assert r.status_code == 422 and "no_such_fault" in r.json()["error"]["message"]
    assert httpx.put(sandbox.url("/admin/faults"), json={"error_rate": 2}).status_code == 422


def test_sessions_expire_after_n_requests_or_seconds(sandbox: Sandbox) -> None:
    sandbox.set_faults(session_max_requests=2)
    c = client(sandbox, "ydelse")
    assert c.get("/ydelse/betalinger").status_code == 200
    assert c.get("/ydelse/betalinger?side=2").status_code == 200
    expired = c.get("/ydelse/betalinger?side=3")
    assert expired.status_code == 303 and "udloebet=1" in expired.headers["location"]
    assert 'id="login-message"' in c.get(expired.headers["location"]).text
    sandbox.set_faults(session_max_requests=0, session_max_seconds=0.3)
    c = client(sandbox, "esdh")
    assert c.get("/esdh/soeg").status_code == 200
    time.sleep(0.4)
    assert c.get("/esdh/soeg").status_code == 303


def test_idle_sessions_expire_after_the_configured_time(sandbox_factory) -> None:
    box = sandbox_factory(citizens=5, session_ttl_seconds=0.3)
    c = client(box, "indkomst")
    assert c.get("/indkomst/opslag").status_code == 200
    time.sleep(0.4)
    assert c.get("/indkomst/opslag").headers["location"].startswith("/indkomst/login?next=/indkomst/opslag")


def test_admin_endpoints_are_absent_unless_started_for_tests() -> None:
    with SandboxServer(create_app()) as server:
        for method, path in (("GET", "/admin/expected"), ("PUT", "/admin/faults"), ("GET", "/admin/audit"),
                             ("POST", "/admin/reset")):  # fmt: skip
            assert httpx.request(method, server.base_url + path, json={}).status_code == 404
        assert "/admin/expected" not in httpx.get(server.base_url + "/openapi.json").json()["paths"]


def test_openapi_describes_the_json_apis(sandbox: Sandbox) -> None:
    spec = httpx.get(sandbox.url("/openapi.json")).json()
    for path in ("/indkomst/api/v1/opslag", "/esdh/api/v1/sager/soeg", "/esdh/api/v1/sager/{case_number}/notater"):
        assert path in spec["paths"], path
    assert not any(p.startswith("/ydelse") for p in spec["paths"])
    assert httpx.get(sandbox.url("/docs")).status_code == 200


def test_reset_restores_the_generated_data(sandbox: Sandbox) -> None:
    case = first(sandbox, "CALCULATED")
    c = client(sandbox, "ydelse")
    c.post(f"/ydelse/betalinger/{case['payment_id']}/indkomst", data=case["registration"])
    assert sandbox.payments()[case["payment_id"]]["status"] == "REGISTERED"
    sandbox.reset()
    assert sandbox.payments()[case["payment_id"]]["status"] == "PENDING"
    assert sandbox.audit() == []


def test_no_cpr_in_clear_in_the_server_logs(sandbox_factory) -> None:
    box = sandbox_factory(citizens=5, access_log=True)
    records: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    handler = Keep()
    loggers = [logging.getLogger(n) for n in ("uvicorn.access", "uvicorn.error", "rpa_core.sandbox")]
    for lg in loggers:
        lg.addHandler(handler)
    try:
        cpr = next(iter(box.server.app.state.sandbox.data.citizens))
        c = client(box, "indkomst")
        c.get(f"/indkomst/opslag?cpr={cpr}")
        c.get(f"/indkomst/{cpr}")
        c.post("/indkomst/opslag", data={"cpr": cpr, "month": "2024-10"})
        httpx.post(box.url("/indkomst/api/v1/opslag"), json={"cpr": cpr, "month": "bad"}, headers=box.api_headers)
        time.sleep(0.1)
    finally:
        for lg in loggers:
            lg.removeHandler(handler)
    messages = [r.getMessage() for r in records]
    assert any(f"{cpr[:6]}-XXXX" in m for m in messages), messages
    assert not [m for m in messages if contains_cpr(m)]


def test_another_municipality_names_its_flexjob_unit_otherwise(sandbox_factory) -> None:
    """Syddjurs' benefits system calls the flexjob unit FJ: its payments carry it and FLEKS is unknown there."""
    other = sandbox_factory(unit="FJ", citizens=12)
    c = client(other, "ydelse")
    flex = [p for p in other.payments().values() if p["grant_type"] == "FLT"]
    assert flex and {p["unit"] for p in flex} == {"FJ"}
    page = c.get("/ydelse/betalinger?enhed=FJ&ydelse=FLT")
    assert page.status_code == 200 and "Jobcenter – Fleksjob" in page.text
    assert c.get("/ydelse/betalinger?enhed=FLEKS").status_code == 400
