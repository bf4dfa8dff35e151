"""IndkomstWeb and IndkomstApi against the sandbox: the same lines either way, errors and faults."""

from __future__ import annotations

import time
from decimal import Decimal

import pytest

from rpa_core.systems.api import IndkomstApi
from rpa_core.systems.errors import ApplicationError, BusinessError
from rpa_core.systems.interfaces import IncomeRegister
from rpa_core.systems.retry import RetryPolicy

pytestmark = pytest.mark.browser
INCOME_MONTH = "2024-10"


def test_web_and_api_return_equal_lines(systems, sandbox, outcomes) -> None:
    web: IncomeRegister = systems.indkomst_web
    api: IncomeRegister = systems.indkomst_api
    scenarios = ("NORMAL", "MULTIPLE_EMPLOYERS", "SICKNESS_BENEFIT", "MATERNITY_BENEFIT", "NO_WAGE")
    for scenario in scenarios:
        case = outcomes(sandbox, scenario=scenario)[0]
        from_web = web.income_lines(case["cpr"], INCOME_MONTH)
        assert from_web == api.income_lines(case["cpr"], INCOME_MONTH), scenario
        assert all(line.month == INCOME_MONTH for line in from_web)
        wages = [line for line in from_web if line.kind == "LOEN"]
        if case["registration"] is not None and scenario == "NORMAL":
            assert len(wages) == 1 and wages[0].fields["0057"] == Decimal(case["registration"]["wage"])
            assert wages[0].income_type == "0000" and wages[0].cvr and wages[0].reporter
    kinds = {
        line.kind for line in api.income_lines(outcomes(sandbox, scenario="SICKNESS_BENEFIT")[0]["cpr"], INCOME_MONTH)
    }
    assert "SYGEDAGPENGE" in kinds
    no_wage = web.income_lines(outcomes(sandbox, scenario="NO_WAGE")[0]["cpr"], INCOME_MONTH)
    assert [line.income_type for line in no_wage] == ["0083"]


def test_a_month_without_lines_is_an_empty_list(systems, sandbox, outcomes) -> None:
    cpr = outcomes(sandbox, outcome="CALCULATED")[0]["cpr"]
    assert systems.indkomst_web.income_lines(cpr, "2020-01") == [] == systems.indkomst_api.income_lines(cpr, "2020-01")


def test_unknown_and_invalid_input_are_business_errors(systems, unknown_cpr) -> None:
    for adapter in (systems.indkomst_web, systems.indkomst_api):
        with pytest.raises(BusinessError) as caught:
            adapter.income_lines(unknown_cpr, INCOME_MONTH)
        error = caught.value
        assert (error.code, error.system, error.step) == ("UNKNOWN_CPR", "Indkomstregister", "income_lines")
        assert unknown_cpr not in str(error)
    with pytest.raises(BusinessError) as caught:
        systems.indkomst_api.income_lines(unknown_cpr, "oktober")
    assert caught.value.code == "INVALID_MONTH"
    with pytest.raises(BusinessError) as caught:
        systems.indkomst_web.income_lines(unknown_cpr, "oktober")
    assert caught.value.code == "VALIDATION_ERROR" and "ÅÅÅÅ-MM" in caught.value.detail


def test_web_waits_for_late_lines_closes_dialogs_and_logs_in_again(systems, sandbox, outcomes) -> None:
    cpr = outcomes(sandbox, outcome="CALCULATED")[0]["cpr"]
    expected = systems.indkomst_api.income_lines(cpr, INCOME_MONTH)
    sandbox.set_faults(slow_table_ms=600, dialog_rate=1.0, session_max_requests=2)
    started = time.monotonic()
    for _ in range(3):
        assert systems.indkomst_web.income_lines(cpr, INCOME_MONTH) == expected
    assert time.monotonic() - started > 3 * 0.6
    stats = systems.indkomst_web.stats
    assert stats.dialogs >= 3 and stats.logins >= 2


def test_http_500s_are_retried_then_an_application_error(systems, sandbox, outcomes, failing_first_seed) -> None:
    cpr = outcomes(sandbox, outcome="CALCULATED")[0]["cpr"]
    expected = systems.indkomst_api.income_lines(cpr, INCOME_MONTH)
    sandbox.set_faults(error_rate=0.5, seed=failing_first_seed)
    assert systems.indkomst_api.income_lines(cpr, INCOME_MONTH) == expected
    assert systems.indkomst_api.stats.retries == 1
    sandbox.set_faults(error_rate=1.0)
    for adapter in (systems.indkomst_api, systems.indkomst_web):
        with pytest.raises(ApplicationError) as caught:
            adapter.income_lines(cpr, INCOME_MONTH)
        error = caught.value
        assert (error.system, error.step, error.code) == ("Indkomstregister", "income_lines", "HTTP_500")
        assert cpr not in str(error)


def test_api_timeouts_are_retried_then_an_application_error(sandbox, outcomes) -> None:
    cpr = outcomes(sandbox, outcome="CALCULATED")[0]["cpr"]
    sandbox.set_faults(latency_ms=400)
    with IndkomstApi(sandbox.url("/indkomst"), sandbox.api_key, retry=RetryPolicy(2, 0.01), timeout=0.1) as api:
        with pytest.raises(ApplicationError) as caught:
            api.income_lines(cpr, INCOME_MONTH)
        assert caught.value.code == "TIMEOUT" and api.stats.retries == 1
    with IndkomstApi(sandbox.url("/indkomst/api/v1/"), sandbox.api_key, timeout=5) as api:
        assert api.income_lines(cpr, INCOME_MONTH)


def test_a_wrong_api_key_is_an_application_error_at_once(sandbox, outcomes) -> None:
    with IndkomstApi(sandbox.url("/indkomst"), "wrong-key", retry=RetryPolicy(3, 5.0)) as api:
        started = time.monotonic()
        with pytest.raises(ApplicationError) as caught:
            api.income_lines(outcomes(sandbox, outcome="CALCULATED")[0]["cpr"], INCOME_MONTH)
        assert caught.value.code == "UNAUTHORIZED" and time.monotonic() - started < 2
