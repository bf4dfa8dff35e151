"""The sandbox's admin hooks the fleksløn tests use: a closed case, a case that closes on the next note, a citizen
the income register does not know, and the log of logins. Over HTTP, no browser."""

import httpx
import pytest

from rpa_core.privacy import contains_cpr


def first_calculated(sandbox) -> dict:
    return next(o for o in sandbox.outcomes().values() if o["outcome"] == "CALCULATED")


def add_note(sandbox, case_number: str) -> httpx.Response:
    note = {"title": "Test", "text": "Et notat."}
    return httpx.post(sandbox.url(f"/esdh/api/v1/sager/{case_number}/notater"), json=note, headers=sandbox.api_headers)


def test_a_closed_case_refuses_notes_and_the_expected_outcome_says_case_closed(sandbox):
    case = first_calculated(sandbox)
    closed = sandbox.close_case(case["case_number"])
    assert closed["status"] == "Afsluttet"
    expected = sandbox.outcomes()[case["payment_id"]]
    assert (expected["outcome"], expected["reasons"]) == ("MANUAL", ["CASE_CLOSED"])
    assert expected["calculation"] == case["calculation"], "the caseworker still sees the calculation"
    answer = add_note(sandbox, case["case_number"])
    assert answer.status_code == 409 and answer.json()["error"]["code"] == "CASE_CLOSED"

    assert sandbox.reopen_case(case["case_number"])["status"] == "Åben"
    assert sandbox.outcomes()[case["payment_id"]] == case
    assert add_note(sandbox, case["case_number"]).status_code == 201


def test_a_case_can_close_just_as_the_next_note_arrives(sandbox):
    case = first_calculated(sandbox)
    sandbox.close_case_on_next_note(case["case_number"])
    found = httpx.get(sandbox.url(f"/esdh/api/v1/sager/{case['case_number']}"), headers=sandbox.api_headers)
    assert found.json()["status"] == "Åben", "open until the note comes"
    assert add_note(sandbox, case["case_number"]).status_code == 409
    assert add_note(sandbox, case["case_number"]).status_code == 409, "and it stays closed"
    assert [e["result"] for e in sandbox.audit(action="add_note")] == ["refused", "refused"]
    sandbox.reset()
    assert add_note(sandbox, case["case_number"]).status_code == 201, "a reset forgets the hook"


def test_the_income_register_can_forget_a_citizen_the_other_systems_know(sandbox):
    case = first_calculated(sandbox)
    sandbox.forget_in_income_register(case["cpr"])
    lookup = {"cpr": case["cpr"], "month": sandbox.expected()["income_month"]}
    answer = httpx.post(sandbox.url("/indkomst/api/v1/opslag"), json=lookup, headers=sandbox.api_headers)
    assert answer.status_code == 404 and answer.json()["error"]["code"] == "UNKNOWN_CPR"
    assert not contains_cpr(answer.text)
    cases = httpx.post(sandbox.url("/esdh/api/v1/sager/soeg"), json={"cpr": case["cpr"]}, headers=sandbox.api_headers)
    assert cases.status_code == 200 and cases.json()["cases"]
    with pytest.raises(httpx.HTTPStatusError):
        sandbox.forget_in_income_register("010101-0000")  # nobody the sandbox knows: 404


def test_every_login_is_logged_until_a_reset(sandbox):
    user, password = sandbox.logins["ydelse"]
    with httpx.Client(base_url=sandbox.base_url) as client:
        client.post("/ydelse/login", data={"username": user, "password": "forkert"})
        client.post("/ydelse/login", data={"username": user, "password": password})
    log = sandbox.login_log()
    assert [(e["system"], e["user"], e["result"]) for e in log] == [("ydelse", user, "refused"), ("ydelse", user, "ok")]
    assert sandbox.login_log(system="esdh") == []
    sandbox.reset()
    assert sandbox.login_log() == []
