"""Shared web plumbing: templates and Danish formatting, error pages and JSON errors, the login pages."""

from __future__ import annotations

import logging
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from starlette.exceptions import HTTPException as StarletteHTTPException

from rpa_core.privacy import mask_cpr
from rpa_core.sandbox.auth import SYSTEMS, LoginRequired, Sessions, cookie_name, safe_next
from rpa_core.sandbox.state import SandboxError

log = logging.getLogger("rpa_core.sandbox")
HERE = Path(__file__).parent
templates = Jinja2Templates(directory=str(HERE / "templates"))


def format_kr(value: Decimal | None) -> str:
    """Danish money format: ``12.345,67``."""
    if value is None:
        return ""
    text = f"{Decimal(value):,.2f}"
    return text.replace(",", "X").replace(".", ",").replace("X", ".")


def format_hours(value: Decimal | None) -> str:
    return "" if value is None else f"{Decimal(value):.2f}".replace(".", ",")


templates.env.filters["kr"] = format_kr
templates.env.filters["hours"] = format_hours
templates.env.globals.update(systems=SYSTEMS, show_dialog=False, slow_table_ms=0, message=None, session=None)


def parse_amount(text: str | None, label: str) -> Decimal:
    """A non-negative amount from a form: ``12345.67``, ``12345,67`` or ``12.345,67``; ValueError otherwise."""
    raw = (text or "").strip().replace(" ", "").removesuffix("kr.").removesuffix("kr")
    if not raw:
        raise ValueError(f"{label} skal udfyldes.")
    if "," in raw:
        raw = raw.replace(".", "").replace(",", ".")
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise ValueError(f"{label} skal være et beløb, f.eks. 12345,67.") from None
    if not value.is_finite():
        raise ValueError(f"{label} skal være et beløb, f.eks. 12345,67.")
    if value < 0:
        raise ValueError(f"{label} må ikke være negativ.")
    if value != value.quantize(Decimal("0.01")):
        raise ValueError(f"{label} må højst have to decimaler.")
    if value >= Decimal("10000000"):
        raise ValueError(f"{label} er urimeligt stort.")
    return value.quantize(Decimal("0.01"))


VALIDATION_TEXTS = {
    "missing": "skal udfyldes",
    "string_too_short": "må ikke være tom",
    "string_too_long": "er for lang",
    "string_type": "skal være en tekst",
    "json_invalid": "er ikke gyldig JSON",
    "model_attributes_type": "skal være et JSON-objekt",
    "dict_type": "skal være et JSON-objekt",
}


def wants_json(request: Request) -> bool:
    path = request.url.path
    return "/api/" in path or path.startswith("/admin")


def render(request: Request, template: str, context: dict[str, Any], status_code: int = 200) -> HTMLResponse:
    """Render a page with the common context: the system, the dialog fault and the late-table fault."""
    faults = request.app.state.faults
    base = {
        "show_dialog": request.method == "GET" and faults.show_dialog(),
        "slow_table_ms": faults.config.slow_table_ms,
        "systems": SYSTEMS,
        "message": request.query_params.get("besked"),
    }
    return templates.TemplateResponse(request, template, base | context, status_code=status_code)


def error_response(request: Request, status_code: int, code: str, message: str, **extra: Any) -> Response:
    if wants_json(request):
        return JSONResponse({"error": {"code": code, "message": message, **extra}}, status_code=status_code)
    system = request.url.path.strip("/").split("/")[0]
    context = {"code": code, "error": message, "status_code": status_code, "system": system, **extra}
    return templates.TemplateResponse(request, "error.html", context, status_code=status_code)


def install_error_handlers(app: FastAPI) -> None:
    """Every refusal becomes a clear 4xx page or ``{"error": {...}}``; input is never echoed back."""

    @app.exception_handler(SandboxError)
    async def sandbox_error(request: Request, exc: SandboxError) -> Response:
        return error_response(request, exc.status_code, exc.code, exc.message)

    @app.exception_handler(LoginRequired)
    async def login_required(request: Request, exc: LoginRequired) -> Response:
        target = f"/{exc.system}/login?next={quote(exc.next_path, safe='/')}"
        if exc.expired:
            target += "&udloebet=1"
        return RedirectResponse(target, status_code=303)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        problems = []
        for err in exc.errors():
            where = ".".join(str(p) for p in err.get("loc", ()) if p != "body")
            message = VALIDATION_TEXTS.get(str(err.get("type")), mask_cpr(str(err.get("msg", "ugyldig værdi"))))
            problems.append({"field": where or "body", "message": message})
        text = "Ugyldig forespørgsel: " + "; ".join(f"{p['field']}: {p['message']}" for p in problems)
        return error_response(request, 422, "VALIDATION_ERROR", text, fields=problems)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        messages = {404: "Siden findes ikke.", 405: "Metoden er ikke tilladt her."}
        message = messages.get(exc.status_code, mask_cpr(str(exc.detail)))
        return error_response(
            request, exc.status_code, "NOT_FOUND" if exc.status_code == 404 else "HTTP_ERROR", message
        )

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> Response:  # a bug: logged masked, never echoed
        log.error("unexpected %s on %s: %s", type(exc).__name__, request.url.path, mask_cpr(str(exc)))
        return error_response(request, 500, "INTERNAL_ERROR", "Intern fejl i sandkassen.")


def login_router(system: str) -> APIRouter:
    """GET/POST ``login`` and POST ``logout``, to include in the system's router (prefix ``/{system}``)."""
    router = APIRouter()

    @router.get("/login", response_class=HTMLResponse, include_in_schema=False)
    def login_page(request: Request, next: str | None = None, udloebet: str | None = None) -> Response:
        context = {"system": system, "next": safe_next(system, next), "expired": bool(udloebet), "failed": False}
        return render(request, "login.html", context)

    @router.post("/login", include_in_schema=False)
    async def login(request: Request) -> Response:
        form = await request.form()
        sessions: Sessions = request.app.state.sessions
        username, password = str(form.get("username", "")), str(form.get("password", ""))
        next_path = safe_next(system, str(form.get("next", "")))
        session = sessions.login(system, username, password)
        if session is None:
            context = {"system": system, "next": next_path, "expired": False, "failed": True}
            return render(request, "login.html", context, status_code=401)
        response = RedirectResponse(next_path, status_code=303)
        response.set_cookie(cookie_name(system), session.token, path=f"/{system}", httponly=True, samesite="lax")
        return response

    @router.post("/logout", include_in_schema=False)
    def logout(request: Request) -> Response:
        request.app.state.sessions.logout(request.cookies.get(cookie_name(system)))
        response = RedirectResponse(f"/{system}/login", status_code=303)
        response.delete_cookie(cookie_name(system), path=f"/{system}")
        return response

    return router
