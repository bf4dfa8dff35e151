"""Adapters of the three reference systems against the sandbox, in headless Chromium and over httpx."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from rpa_core.systems.api import EsdhApi, IndkomstApi
from rpa_core.systems.retry import RetryPolicy
from rpa_core.systems.web import EsdhWeb, IndkomstWeb, YdelseWeb

# Short waits keep the tests fast; the counts are the defaults.
FAST = RetryPolicy(attempts=3, backoff_seconds=0.01, max_backoff_seconds=0.05)
UNKNOWN_CPR = "010203-0000"  # CPR-shaped, not in the sandbox's data


@dataclass
class Systems:
    ydelse: YdelseWeb
    indkomst_web: IndkomstWeb
    esdh_web: EsdhWeb
    indkomst_api: IndkomstApi
    esdh_api: EsdhApi

    def close(self) -> None:
        self.indkomst_api.close()
        self.esdh_api.close()

    def all(self) -> list:
        return [self.ydelse, self.indkomst_web, self.esdh_web, self.indkomst_api, self.esdh_api]


def make_systems(page, sandbox, retry: RetryPolicy = FAST, timeout_ms: float = 10_000) -> Systems:
    """Every adapter, all on one browser page (each system keeps its own session cookie)."""

    def web(cls, system):
        return cls(page, sandbox.url(f"/{system}"), *sandbox.logins[system], retry=retry, timeout_ms=timeout_ms)

    return Systems(
        ydelse=web(YdelseWeb, "ydelse"),
        indkomst_web=web(IndkomstWeb, "indkomst"),
        esdh_web=web(EsdhWeb, "esdh"),
        indkomst_api=IndkomstApi(sandbox.url("/indkomst"), sandbox.api_key, retry=retry),
        esdh_api=EsdhApi(sandbox.url("/esdh"), sandbox.api_key, retry=retry),
    )


@pytest.fixture
def systems_factory(page) -> Iterator:
    """``systems_factory(sandbox, retry=..., timeout_ms=...)``: every adapter against that sandbox."""
    made: list[Systems] = []

    def factory(sandbox, retry: RetryPolicy = FAST, timeout_ms: float = 10_000) -> Systems:
        made.append(make_systems(page, sandbox, retry, timeout_ms))
        return made[-1]

    yield factory
    for systems in made:
        systems.close()


@pytest.fixture
def unknown_cpr() -> str:
    return UNKNOWN_CPR


@pytest.fixture
def outcomes():
    """``outcomes(sandbox, outcome=..., scenario=...)``: expected outcomes filtered, in payment-id order."""
    return outcomes_by


@pytest.fixture
def failing_first_seed() -> int:
    return seed_failing_first()


@pytest.fixture
def systems(page, sandbox) -> Iterator[Systems]:
    """All adapters against the fresh shared sandbox (no faults)."""
    made = make_systems(page, sandbox)
    yield made
    made.close()


def outcomes_by(sandbox, *, outcome: str | None = None, scenario: str | None = None) -> list[dict]:
    """Expected outcomes filtered by outcome and/or scenario, in payment-id order."""
    found = [
        o
        for o in sandbox.expected()["outcomes"]
        if (outcome is None or o["outcome"] == outcome) and (scenario is None or o["scenario"] == scenario)
    ]
    return sorted(found, key=lambda o: o["payment_id"])


def seed_failing_first(rate: float = 0.5) -> int:
    """A fault seed whose first draw injects an HTTP 500 and whose second does not (error_rate only)."""
    import random

    for seed in range(1, 1000):
        rng = random.Random(seed)
        if rng.random() < rate <= rng.random():
            return seed
    raise AssertionError("no such seed")
