"""Injectable faults for resilience tests: latency, HTTP 500s, session expiry, system dialogs, a late table.

All are off by default. Set them with ``--faults name=value,...`` or at run time through the admin endpoint
(``PUT /admin/faults``) when the sandbox was started for tests.
"""

from __future__ import annotations

import asyncio
import random
import threading
from dataclasses import asdict, dataclass, fields, replace
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse

FAULTY_PREFIXES = ("/ydelse", "/indkomst", "/esdh")


@dataclass(frozen=True)
class FaultConfig:
    """The faults in force. Zero means off."""

    latency_ms: int = 0  # added to every request to a system
    jitter_ms: int = 0  # plus a uniform random 0..jitter_ms
    error_rate: float = 0.0  # share of requests answered with HTTP 500
    session_max_requests: int = 0  # a login session ends after this many requests
    session_max_seconds: float = 0.0  # a login session ends this many seconds after login
    dialog_rate: float = 0.0  # share of pages that open a system message dialog which must be closed
    slow_table_ms: int = 0  # tables (payments, payslip, notes) appear this long after the page
    seed: int = 0  # for the random choices above

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


FAULT_NAMES = tuple(f.name for f in fields(FaultConfig))
_TYPES = {f.name: (float if f.type in ("float", float) else int) for f in fields(FaultConfig)}
_RATES = ("error_rate", "dialog_rate")


def apply_changes(config: FaultConfig, changes: dict[str, Any]) -> FaultConfig:
    """``config`` with ``changes`` applied; ValueError naming the fault for an unknown name or bad value."""
    clean: dict[str, Any] = {}
    for name, raw in changes.items():
        if name not in FAULT_NAMES:
            raise ValueError(f"unknown fault '{name}'; known faults: {', '.join(FAULT_NAMES)}")
        try:
            value = _TYPES[name](raw)
        except (TypeError, ValueError):
            raise ValueError(f"fault {name} needs a number, not '{raw}'") from None
        if value < 0 or (name in _RATES and value > 1):
            raise ValueError(f"fault {name} must be {'between 0 and 1' if name in _RATES else 'at least 0'}")
        clean[name] = value
    return replace(config, **clean)


def parse_faults(specs: str | list[str] | None) -> FaultConfig:
    """Parse ``"latency_ms=200,error_rate=0.1"`` (or a list of such strings) into a FaultConfig."""
    if isinstance(specs, str):
        specs = [specs]
    changes: dict[str, str] = {}
    for spec in specs or []:
        for part in filter(None, (p.strip() for p in spec.split(","))):
            name, sep, value = part.partition("=")
            if not sep:
                raise ValueError(f"fault '{part}' needs a value: name=value, e.g. error_rate=0.1")
            changes[name.strip()] = value.strip()
    return apply_changes(FaultConfig(), changes)


class Faults:
    """The live fault settings and their random source, shared by middleware, sessions and pages."""

    def __init__(self, config: FaultConfig | None = None) -> None:
        self._lock = threading.Lock()
        self.set(config or FaultConfig())

    @property
    def config(self) -> FaultConfig:
        return self._config

    def set(self, config: FaultConfig) -> FaultConfig:
        """Replace the settings (and restart the random sequence from the config's seed)."""
        with self._lock:
            self._config = config
            self._rng = random.Random(config.seed)
        return config

    def _draw(self) -> float:
        with self._lock:
            return self._rng.random()

    def delay_seconds(self) -> float:
        c = self._config
        if not c.latency_ms and not c.jitter_ms:
            return 0.0
        return (c.latency_ms + self._draw() * c.jitter_ms) / 1000

    def fail_now(self) -> bool:
        return self._config.error_rate > 0 and self._draw() < self._config.error_rate

    def show_dialog(self) -> bool:
        return self._config.dialog_rate > 0 and self._draw() < self._config.dialog_rate


def install_fault_middleware(app: FastAPI, faults: Faults) -> None:
    """Add latency and injected HTTP 500s to every request to the three systems."""

    @app.middleware("http")
    async def inject_faults(request: Request, call_next):  # type: ignore[no-untyped-def]
        path = request.url.path
        if path.startswith(FAULTY_PREFIXES):
            delay = faults.delay_seconds()
            if delay:
                await asyncio.sleep(delay)
            if faults.fail_now():
                headers = {"X-Sandbox-Fault": "error_rate"}
                if "/api/" in path:
                    body = {"error": {"code": "INTERNAL_ERROR", "message": "Intern serverfejl (injiceret fejl)."}}
                    return JSONResponse(body, status_code=500, headers=headers)
                html = (
                    "<!doctype html><html lang='da'><head><title>Serverfejl</title></head><body>"
                    "<h1 id='error-title'>500 – Intern serverfejl</h1><p id='error-message' data-code='INTERNAL_ERROR'>"
                    "Systemet kunne ikke behandle forespørgslen. Prøv igen senere.</p></body></html>"
                )
                return HTMLResponse(html, status_code=500, headers=headers)
        return await call_next(request)
