"""Shared page plumbing: templates with the dashboard's filters, the signed-in user and CSRF checks, roles."""

from __future__ import annotations

import hmac
import logging
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import Depends, HTTPException, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from rpa_core.dashboard.users import Role, User
from rpa_core.privacy import mask_text
from rpa_core.scheduler.robots import ScheduledRobot, reload_changed

HERE = Path(__file__).parent
log = logging.getLogger("rpa_core.dashboard")
COPENHAGEN = ZoneInfo("Europe/Copenhagen")
templates = Jinja2Templates(directory=str(HERE / "templates"))
templates.env.autoescape = True  # every template, *.html.j2 too (Jinja's default only escapes *.html)


def served_robots(request: Request) -> list[ScheduledRobot]:
    """The robots the dashboard knows (``--robots``), each read again when its robot.toml or profile changed: the
    Schedules page shows what ``rpa scheduler``, which reloads them the same way, runs by."""
    state = request.app.state
    with state.reload_lock:
        reload_changed(state.robots, state.reloaders, log.info)
        return list(state.robots)


def local(value: datetime | None, style: str = "%Y-%m-%d %H:%M") -> str:
    """A stored time as an operator in Denmark reads it."""
    return "" if value is None else value.astimezone(COPENHAGEN).strftime(style)


def duration(seconds: float | None) -> str:
    """``1 h 04 min``, ``3 min 20 s``, ``12 s``."""
    if seconds is None:
        return ""
    seconds = int(seconds)
    if seconds >= 3600:
        return f"{seconds // 3600} h {seconds % 3600 // 60:02d} min"
    if seconds >= 60:
        return f"{seconds // 60} min {seconds % 60:02d} s"
    return f"{seconds} s"


templates.env.filters.update(local=local, duration=duration, masked=lambda text: mask_text(str(text or "")))

# The navigation: (path, label, the role that may see the page); Danish where caseworkers read it.
NAV = [
    ("/runs", "Runs", Role.VIEWER),
    ("/queue", "Queue", Role.VIEWER),
    ("/manual", "Manuel behandling", Role.VIEWER),
    ("/schedules", "Schedules", Role.VIEWER),
    ("/workers", "Workers", Role.VIEWER),
    ("/savings", "Savings", Role.VIEWER),
    ("/audit", "Audit", Role.OPERATOR),
    ("/users", "Users", Role.ADMIN),
]


def render(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    """A page for the signed-in user, with the navigation and the session's CSRF token for its forms."""
    user: User | None = getattr(request.state, "user", None)
    values = {"request": request, "user": user, "csrf": getattr(request.state, "csrf", ""), "nav": NAV, **context}
    return templates.TemplateResponse(request, template, values, status_code=status_code)


def current_user(request: Request) -> User:
    """The signed-in user (the app's middleware lets no request without one reach a page)."""
    user = getattr(request.state, "user", None)
    if user is None:  # pragma: no cover - the middleware answers first
        raise HTTPException(status_code=401)
    return user


def require(role: Role) -> Callable[[Request], User]:
    """A dependency: the signed-in user, who must have ``role`` (403 otherwise)."""

    def check(user: User = Depends(current_user)) -> User:
        if not user.role.allows(role):
            raise HTTPException(status_code=403, detail=f"this needs the {role.value} role; you are {user.role.value}")
        return user

    return check


async def checked_form(request: Request) -> dict[str, str]:
    """A POST's form after its CSRF token was checked against the session's (403 when missing or wrong)."""
    form = await request.form()
    token = str(form.get("csrf_token", ""))
    expected = getattr(request.state, "csrf", "")
    if not expected or not hmac.compare_digest(token.encode(), expected.encode()):
        raise HTTPException(status_code=403, detail="the form's security token is missing or wrong: reload the page")
    return {key: str(value) for key, value in form.items() if isinstance(value, str)}
