"""``create_app``: one FastAPI app with the three reference systems, each under its own path and login."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles

from rpa_core.sandbox import admin as admin_routes
from rpa_core.sandbox import esdh, indkomst, ydelse
from rpa_core.sandbox.auth import DEMO_API_KEY, DEMO_LOGINS, Sessions
from rpa_core.sandbox.faults import FaultConfig, Faults, install_fault_middleware
from rpa_core.sandbox.generator import GeneratorConfig
from rpa_core.sandbox.request_log import RequestCounter, RequestLog
from rpa_core.sandbox.state import SandboxState
from rpa_core.sandbox.web import install_error_handlers, render

STATIC = Path(__file__).parent / "static"


@dataclass(frozen=True)
class SandboxConfig:
    """The data (``generator``), the session lifetime, the logins and the API key of one sandbox."""

    generator: GeneratorConfig = field(default_factory=GeneratorConfig)
    session_ttl_seconds: float = 1800
    logins: dict[str, tuple[str, str]] = field(default_factory=lambda: dict(DEMO_LOGINS))
    api_key: str = DEMO_API_KEY


def create_app(
    config: SandboxConfig | None = None, *, faults: FaultConfig | None = None, admin: bool = False
) -> FastAPI:
    """The sandbox app. ``admin=True`` (tests only) mounts ``/admin``; without it those paths are 404."""
    config = config or SandboxConfig()
    state = SandboxState(config.generator)
    app = FastAPI(
        title="Sandkasse: kommunale referencesystemer",
        description="Fictitious reference systems (Ydelsessystem, Indkomstregister, ESDH) for robot tests. "
        "JSON APIs need the header X-API-Key.",
        version="1.0",
    )
    app.state.sandbox = state
    app.state.faults = Faults(faults)
    app.state.sessions = Sessions(app.state.faults, config.session_ttl_seconds, config.logins)
    app.state.api_key = config.api_key
    app.state.admin = admin
    app.state.requests = RequestLog()
    install_error_handlers(app)
    install_fault_middleware(app, app.state.faults)
    if admin:  # added after the faults, so it sees their HTTP 500s too; read with GET /admin/requests
        app.add_middleware(RequestCounter, log=app.state.requests)
    app.mount("/static", StaticFiles(directory=str(STATIC)), name="static")
    app.include_router(ydelse.router)
    app.include_router(indkomst.pages)
    app.include_router(indkomst.api)
    app.include_router(esdh.pages)
    app.include_router(esdh.api)
    if admin:
        app.include_router(admin_routes.router)

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def index(request: Request) -> Response:
        data = state.data
        return render(request, "index.html", {"system": "", "seed": data.seed, "month": str(data.payment_month)})

    @app.get("/health", include_in_schema=False)
    def health() -> dict[str, str]:
        return {"status": "ok"}

    return app
