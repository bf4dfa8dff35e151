"""The operator dashboard: a FastAPI app over the store, server-rendered, nothing shown without a login.

Every request but the login page and the static files passes one gate (``_gate``): without a valid session a
page request is sent to the login (303) and anything else is refused (401), before any route runs. So a route
added later is behind the login too; a test crawls every route the app knows to hold it to that. Forms carry the
session's CSRF token; the login form a token of its own (double submit). Pages are in ``pages_*`` modules.
"""

from __future__ import annotations

import secrets
import threading
from urllib.parse import quote, urlsplit

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from rpa_core.dashboard import users as accounts
from rpa_core.dashboard.sessions import COOKIE, LOGIN_COOKIE, SessionSigner, cookie_options
from rpa_core.dashboard.web import HERE, render
from rpa_core.scheduler.robots import Reloader, ScheduledRobot
from rpa_core.store import Store

PUBLIC = ("/login", "/static/", "/favicon.ico")
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


def _safe_next(target: str | None) -> str:
    """Where to go after the login: a path of this site only (never another host)."""
    if not target or not target.startswith("/") or target.startswith("//") or urlsplit(target).netloc:
        return "/runs"
    return target


def create_app(
    store: Store,
    *,
    robots: list[ScheduledRobot] | None = None,
    secure_cookies: bool = False,
) -> FastAPI:
    """The dashboard for ``store``; ``robots`` are the robot folders it knows (schedules, savings, run now)."""
    app = FastAPI(title="rpa dashboard", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.store = store
    app.state.robots = list(robots or [])
    app.state.reloaders = {entry.label: Reloader(entry) for entry in app.state.robots}
    app.state.reload_lock = threading.Lock()
    app.state.secure_cookies = secure_cookies
    signer = SessionSigner(store)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")

    @app.middleware("http")
    async def _gate(request: Request, call_next) -> Response:
        path = request.url.path
        if not path.startswith(PUBLIC):
            session = signer.read(request.cookies.get(COOKIE))
            user = accounts.get_user(store, session.user) if session else None
            if user is None or user.disabled:
                if request.method in ("GET", "HEAD"):
                    response: Response = RedirectResponse(f"/login?next={quote(path)}", status_code=303)
                else:
                    response = PlainTextResponse("log in first", status_code=401)
                response.delete_cookie(COOKIE, path="/")
                return _secured(response)
            request.state.user, request.state.csrf = user, session.csrf
        return _secured(await call_next(request))

    @app.exception_handler(StarletteHTTPException)
    async def _error(request: Request, exc: StarletteHTTPException) -> Response:
        if getattr(request.state, "user", None) is None:
            return PlainTextResponse(str(exc.detail), status_code=exc.status_code)
        return render(request, "error.html.j2", status_code=exc.status_code, status=exc.status_code, detail=exc.detail)

    @app.get("/", include_in_schema=False)
    def home() -> RedirectResponse:
        return RedirectResponse("/runs", status_code=303)

    @app.get("/login", response_class=HTMLResponse)
    def login_page(request: Request, next: str = "/runs", failed: bool = False) -> Response:
        # A token the browser has already keeps working: a second login page (another tab, a favicon request
        # sent here) does not break the form that is open.
        token = request.cookies.get(LOGIN_COOKIE) or secrets.token_urlsafe(32)
        if len(token) < 32:
            token = secrets.token_urlsafe(32)
        page = render(request, "login.html.j2", next=_safe_next(next), login_token=token, failed=failed)
        page.set_cookie(LOGIN_COOKIE, token, **cookie_options(app.state.secure_cookies, max_age=3600))
        return page

    @app.post("/login")
    async def login(request: Request) -> Response:
        form = await request.form()
        token, expected = str(form.get("login_token", "")), request.cookies.get(LOGIN_COOKIE, "")
        if not expected or not secrets.compare_digest(token.encode(), expected.encode()):
            raise HTTPException(status_code=403, detail="the login form's security token is missing or wrong")
        address = request.client.host if request.client else "unknown"
        user = accounts.authenticate(store, str(form.get("name", "")), str(form.get("password", "")), address)
        target = _safe_next(str(form.get("next", "")))
        if user is None:
            return RedirectResponse(f"/login?failed=1&next={quote(target)}", status_code=303)
        cookie, _ = signer.make(user.name)
        response = RedirectResponse(target, status_code=303)
        response.set_cookie(COOKIE, cookie, **cookie_options(app.state.secure_cookies))
        response.delete_cookie(LOGIN_COOKIE, path="/")
        return response

    @app.post("/logout")
    async def logout(request: Request) -> Response:
        from rpa_core.dashboard.web import checked_form

        await checked_form(request)
        response = RedirectResponse("/login", status_code=303)
        response.delete_cookie(COOKIE, path="/")
        return response

    _include_pages(app)
    return app


def _include_pages(app: FastAPI) -> None:
    from rpa_core.dashboard import pages_ops, pages_queue, pages_runs, pages_users

    for module in (pages_runs, pages_queue, pages_ops, pages_users):
        app.include_router(module.router)


def _secured(response: Response) -> Response:
    for header, value in SECURITY_HEADERS.items():
        response.headers.setdefault(header, value)
    return response
