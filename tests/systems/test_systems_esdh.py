"""EsdhWeb and EsdhApi against the sandbox: cases, notes, a note written once, refusals and faults."""

from __future__ import annotations

import time

import pytest

from rpa_core.systems.errors import ApplicationError, BusinessError
from rpa_core.systems.interfaces import CaseSystem
from rpa_core.systems.retry import RetryPolicy

pytestmark = pytest.mark.browser
NOTE_TEXT = "Fleksløntilskud for november 2024 er beregnet.\nLøn: 13.976,82 kr.\nTilskud: 14.753,31 kr."


def citizen_with_closed_case(sandbox, systems) -> tuple[str, str, str]:
    """(cpr, open FLEKSJOB case, closed case) of the first citizen who has a closed case."""
    for outcome in sandbox.expected()["outcomes"]:
        cases = systems.esdh_api.find_cases(outcome["cpr"])
        closed = [c for c in cases if c.status != "Åben"]
        if closed:
            open_case = next(c for c in cases if c.kind == "FLEKSJOB")
            return outcome["cpr"], open_case.case_number, closed[0].case_number
    raise AssertionError("no citizen with a closed case")


def test_web_and_api_find_and_read_the_same_cases_and_notes(systems, sandbox) -> None:
    web: CaseSystem = systems.esdh_web
    api: CaseSystem = systems.esdh_api
    cpr, open_case, closed_case = citizen_with_closed_case(sandbox, systems)
    cases = web.find_cases(cpr)
    assert cases == api.find_cases(cpr)
    assert {c.case_number for c in cases} == {open_case, closed_case}
    assert all(c.cpr == cpr for c in cases)
    assert {c.case_number: c.is_open for c in cases} == {open_case: True, closed_case: False}, "only open takes notes"
    for number in (open_case, closed_case):
        assert web.get_case(number) == api.get_case(number) == next(c for c in cases if c.case_number == number)
        notes = web.journal_notes(number)
        assert notes == api.journal_notes(number) and len(notes) == 1
        assert notes[0].created is not None and notes[0].author


def test_add_a_note_once_by_web_and_by_api(systems, sandbox, outcomes) -> None:
    first, second = outcomes(sandbox, outcome="CALCULATED")[:2]
    by_web = systems.esdh_web.add_journal_note(first["case_number"], "Fleksløntilskud 2024-11", NOTE_TEXT)
    by_api = systems.esdh_api.add_journal_note(second["case_number"], "Fleksløntilskud 2024-11", NOTE_TEXT)
    assert by_web.title == by_api.title == "Fleksløntilskud 2024-11"
    assert by_web.text.replace("\r\n", "\n") == by_api.text == NOTE_TEXT  # a browser form sends CRLF
    assert (by_web.author, by_api.author) == ("robot", "api")  # the web user; the API client
    # the same note again (either way) is found, not written twice
    assert (
        systems.esdh_api.add_journal_note(first["case_number"], "Fleksløntilskud 2024-11", NOTE_TEXT)
        == (systems.esdh_api.journal_notes(first["case_number"])[-1])
    )
    assert (
        systems.esdh_web.add_journal_note(second["case_number"], "Fleksløntilskud 2024-11", NOTE_TEXT + "\n")
        == (systems.esdh_web.journal_notes(second["case_number"])[-1])
    )
    for case in (first, second):
        web_notes = systems.esdh_web.journal_notes(case["case_number"])
        api_notes = systems.esdh_api.journal_notes(case["case_number"])
        assert [(n.note_id, n.title, n.author) for n in web_notes] == [
            (n.note_id, n.title, n.author) for n in api_notes
        ]
        assert len(web_notes) == 2
    entries = sandbox.audit(system="esdh", action="add_note")
    assert sorted((e["object_id"], e["result"]) for e in entries) == sorted(
        [(first["case_number"], "ok"), (second["case_number"], "ok")]
    )


def test_refusals_are_business_errors(systems, sandbox, unknown_cpr) -> None:
    _, _, closed_case = citizen_with_closed_case(sandbox, systems)
    for adapter in (systems.esdh_web, systems.esdh_api):
        with pytest.raises(BusinessError) as caught:
            adapter.add_journal_note(closed_case, "Notat", "Tekst")
        assert (caught.value.code, caught.value.system, caught.value.step) == (
            "CASE_CLOSED",
            "ESDH",
            "add_journal_note",
        )
        with pytest.raises(BusinessError) as caught:
            adapter.get_case("FJ-1900-99999")
        assert (caught.value.code, caught.value.step) == ("UNKNOWN_CASE", "get_case")
        with pytest.raises(BusinessError) as caught:
            adapter.journal_notes("FJ-1900-99999")
        assert caught.value.code == "UNKNOWN_CASE"
        with pytest.raises(BusinessError) as caught:
            adapter.find_cases(unknown_cpr)
        assert caught.value.code == "UNKNOWN_CPR" and unknown_cpr not in str(caught.value)
        with pytest.raises(BusinessError) as caught:
            adapter.add_journal_note(closed_case.replace("-", "") + "X", "Notat", "Tekst")
        assert caught.value.code == "UNKNOWN_CASE"
    open_case = next(
        c for c in systems.esdh_api.find_cases(citizen_with_closed_case(sandbox, systems)[0]) if c.status == "Åben"
    )
    for adapter in (systems.esdh_web, systems.esdh_api):
        with pytest.raises(BusinessError) as caught:
            adapter.add_journal_note(open_case.case_number, "Notat", "   ")
        assert caught.value.code == "VALIDATION_ERROR"
    results = [e["result"] for e in sandbox.audit(system="esdh", action="add_note")]
    assert results == ["refused", "refused"]


def test_web_waits_for_late_notes_closes_dialogs_and_logs_in_again(sandbox_factory, systems_factory, outcomes) -> None:
    sandbox = sandbox_factory(session_ttl_seconds=1.5, faults="slow_table_ms=300,dialog_rate=1.0")
    systems = systems_factory(sandbox)
    case = outcomes(sandbox, outcome="CALCULATED")[0]["case_number"]
    expected = systems.esdh_api.journal_notes(case)
    assert systems.esdh_web.journal_notes(case) == expected
    time.sleep(1.7)
    note = systems.esdh_web.add_journal_note(case, "Efter pause", "Tekst")
    assert systems.esdh_web.journal_notes(case) == [*expected, note]
    stats = systems.esdh_web.stats
    assert stats.logins >= 2 and stats.dialogs >= 4


def test_http_500s_are_retried_and_the_note_written_once(
    sandbox, systems_factory, outcomes, failing_first_seed
) -> None:
    systems = systems_factory(sandbox, retry=RetryPolicy(attempts=8, backoff_seconds=0.01, max_backoff_seconds=0.05))
    cases = [o["case_number"] for o in outcomes(sandbox, outcome="CALCULATED")[:4]]
    sandbox.set_faults(error_rate=0.25, seed=failing_first_seed)
    for number in cases[:2]:
        systems.esdh_api.add_journal_note(number, "Notat", NOTE_TEXT)
    for number in cases[2:]:
        systems.esdh_web.add_journal_note(number, "Notat", NOTE_TEXT)
    assert systems.esdh_api.stats.retries + systems.esdh_web.stats.retries >= 1
    sandbox.set_faults(error_rate=1.0)
    for adapter in (systems.esdh_api, systems.esdh_web):
        adapter.retry = RetryPolicy(attempts=3, backoff_seconds=0.01)
        with pytest.raises(ApplicationError) as caught:
            adapter.add_journal_note(cases[0], "Andet notat", "Tekst")
        assert (caught.value.system, caught.value.step, caught.value.code) == ("ESDH", "add_journal_note", "HTTP_500")
    sandbox.clear_faults()
    entries = sandbox.audit(system="esdh", action="add_note")
    assert sorted(e["object_id"] for e in entries) == sorted(cases)
    assert {e["result"] for e in entries} == {"ok"}
