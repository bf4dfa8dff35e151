"""pytest plugin: the sandbox on a free localhost port for tests (``pytest_plugins = ["rpa_core.sandbox.testing"]``).

Fixtures:
    sandbox_server   (session) one sandbox (seed 1, 50 citizens, payment month 2024-11, admin on), shared
    sandbox          (function) the shared sandbox, reset to fresh data, no faults and no sessions
    sandbox_factory  (function) ``sandbox_factory(seed=.., citizens=.., month=.., faults=..)`` starts another
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from rpa_core.sandbox.app import SandboxConfig, create_app
from rpa_core.sandbox.auth import API_KEY_HEADER
from rpa_core.sandbox.faults import FaultConfig, parse_faults
from rpa_core.sandbox.generator import GeneratorConfig
from rpa_core.sandbox.rates import RateTable
from rpa_core.sandbox.server import SandboxServer


@dataclass
class Sandbox:
    """A running sandbox: where it is, how to log in, and the admin helpers tests use."""

    base_url: str
    logins: dict[str, tuple[str, str]]
    api_key: str
    payment_month: str
    server: SandboxServer = field(repr=False)

    @property
    def api_headers(self) -> dict[str, str]:
        """Headers for the JSON APIs."""
        return {API_KEY_HEADER: self.api_key}

    def url(self, path: str) -> str:
        return self.base_url + path

    def _admin(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        response = httpx.request(method, self.url(f"/admin{path}"), timeout=30, **kwargs)
        response.raise_for_status()
        return response

    def expected(self) -> dict[str, Any]:
        """``GET /admin/expected``: months, rates and ``outcomes`` (one per fleksløntilskud payment)."""
        return self._admin("GET", "/expected").json()

    def outcomes(self) -> dict[str, dict[str, Any]]:
        """Expected outcomes by payment id."""
        return {o["payment_id"]: o for o in self.expected()["outcomes"]}

    def set_faults(self, **faults: Any) -> dict[str, Any]:
        """Change faults at run time, e.g. ``set_faults(error_rate=1.0)``."""
        return self._admin("PUT", "/faults", json=faults).json()

    def clear_faults(self) -> dict[str, Any]:
        return self._admin("DELETE", "/faults").json()

    def audit(self, system: str | None = None, action: str | None = None) -> list[dict[str, Any]]:
        """The audit entries, optionally of one system and action."""
        params = {k: v for k, v in (("system", system), ("action", action)) if v}
        return self._admin("GET", "/audit", params=params).json()["entries"]

    def login_log(self, system: str | None = None) -> list[dict[str, Any]]:
        """Every login to the systems' pages since the last reset (``system``, ``user``, ``result``, ``at``)."""
        params = {"system": system} if system else {}
        return self._admin("GET", "/logins", params=params).json()["logins"]

    def requests(self, prefix: str = "") -> dict[str, Any]:
        """Requests to the systems since the last reset (``GET /admin/requests``): ``requests`` in order
        (``method``, ``path``, ``status``) and ``counts`` per ``"METHOD path"``; only paths under ``prefix``."""
        return self._admin("GET", "/requests", params={"prefix": prefix} if prefix else {}).json()

    def clear_requests(self) -> None:
        """Forget the requests counted so far (a reset does too)."""
        self._admin("DELETE", "/requests")

    def close_case(self, case_number: str) -> dict[str, Any]:
        """Close a case now: it refuses notes, and the expected outcome of its payment says CASE_CLOSED."""
        return self._admin("POST", f"/cases/{case_number}/close").json()

    def reopen_case(self, case_number: str) -> dict[str, Any]:
        """Reopen a case (the expected outcomes follow)."""
        return self._admin("POST", f"/cases/{case_number}/reopen").json()

    def close_case_on_next_note(self, case_number: str) -> dict[str, Any]:
        """The case stays open until the next note arrives; then it closes and refuses that note (CASE_CLOSED)."""
        return self._admin("POST", f"/cases/{case_number}/close-on-next-note").json()

    def forget_in_income_register(self, cpr: str) -> None:
        """The income register answers UNKNOWN_CPR for the citizen from now on (the other systems know them)."""
        self._admin("POST", "/indkomst/forget", json={"cpr": cpr})

    def payments(self) -> dict[str, dict[str, Any]]:
        """This month's payments as they stand now, by payment id."""
        return {p["payment_id"]: p for p in self._admin("GET", "/payments").json()["payments"]}

    def stamdata(self, path: str | Path) -> Path:
        """Download stamdata.xlsx to ``path`` (a file or a folder)."""
        path = Path(path)
        if path.is_dir():
            path = path / "stamdata.xlsx"
        path.write_bytes(self._admin("GET", "/stamdata.xlsx").content)
        return path

    def reset(self) -> None:
        """Fresh data from the seed, empty audit, no sessions, no faults."""
        self._admin("POST", "/reset")
        self.clear_faults()


def start_sandbox(
    *,
    seed: int = 1,
    citizens: int = 50,
    month: str = "2024-11",
    faults: FaultConfig | str | dict[str, Any] | None = None,
    rates: RateTable | None = None,
    session_ttl_seconds: float = 1800,
    shares: dict[str, float] | None = None,
    access_log: bool = False,
    unit: str = "FLEKS",
) -> Sandbox:
    """Start a sandbox (admin on) in a background thread; stop it with ``sandbox.server.stop()``.

    ``unit`` is the benefits system's code for its flexjob unit (another municipality's, e.g. ``FJ``).
    """
    gen_kwargs: dict[str, Any] = {"seed": seed, "citizens": citizens, "payment_month": month, "unit": unit}
    if rates is not None:
        gen_kwargs["rates"] = rates
    if shares is not None:
        gen_kwargs["shares"] = shares
    config = SandboxConfig(generator=GeneratorConfig(**gen_kwargs), session_ttl_seconds=session_ttl_seconds)
    if isinstance(faults, str):
        faults = parse_faults(faults)
    elif isinstance(faults, dict):
        faults = parse_faults([f"{k}={v}" for k, v in faults.items()])
    app = create_app(config, faults=faults, admin=True)
    level = "info" if access_log else "warning"
    server = SandboxServer(app, access_log=access_log, log_level=level).start()
    return Sandbox(server.base_url, dict(config.logins), config.api_key, month, server)


@pytest.fixture(scope="session")
def sandbox_server() -> Iterator[Sandbox]:
    """One sandbox for the whole session (seed 1, 50 citizens, payment month 2024-11)."""
    sandbox = start_sandbox()
    yield sandbox
    sandbox.server.stop()


@pytest.fixture
def sandbox(sandbox_server: Sandbox) -> Sandbox:
    """The session's sandbox, reset to fresh data with no faults, for one test."""
    sandbox_server.reset()
    return sandbox_server


@pytest.fixture
def sandbox_factory() -> Iterator[Callable[..., Sandbox]]:
    """Start sandboxes with their own settings (see ``start_sandbox``); all stop when the test ends."""
    started: list[Sandbox] = []

    def factory(**kwargs: Any) -> Sandbox:
        sandbox = start_sandbox(**kwargs)
        started.append(sandbox)
        return sandbox

    yield factory
    for sandbox in started:
        sandbox.server.stop()
