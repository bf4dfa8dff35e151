"""Users (admins only): add a user, change a role, disable or enable; each change in the audit log.

A password is set here only for a new user (an admin hands it over; ``rpa users passwd`` changes it). An admin
cannot disable or demote themselves, so a dashboard is never left without an admin by a slip.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from rpa_core.dashboard import audit
from rpa_core.dashboard import users as accounts
from rpa_core.dashboard.users import Role, User
from rpa_core.dashboard.web import checked_form, render, require
from rpa_core.errors import UserError

router = APIRouter()
_DONE = {"added": "User added.", "changed": "User changed."}


def _page(request: Request, status_code: int = 200, problem: str = "", done: str = "") -> Response:
    store = request.app.state.store
    return render(
        request,
        "users.html.j2",
        status_code=status_code,
        users=accounts.list_users(store),
        roles=list(Role),
        problem=problem,
        done=_DONE.get(done, ""),
    )


@router.get("/users", response_class=HTMLResponse)
def users_page(request: Request, done: str = "", user: User = Depends(require(Role.ADMIN))) -> Response:
    return _page(request, done=done)


@router.post("/users")
async def add(request: Request, user: User = Depends(require(Role.ADMIN))) -> Response:
    form = await checked_form(request)
    store = request.app.state.store
    name, role = form.get("name", "").strip().lower(), form.get("role", "")
    try:
        if role not in {r.value for r in Role}:
            raise UserError(f"role {role!r}: use viewer, operator or admin")
        accounts.add_user(store, name, role, form.get("password", ""))
    except UserError as exc:
        return _page(request, status_code=400, problem=str(exc))
    audit.record(
        store, user=user.name, action="user_add", target=f"user {name}", reason=form.get("reason", ""), role=role
    )
    return RedirectResponse("/users?done=added", status_code=303)


@router.post("/users/{name}")
async def change(name: str, request: Request, user: User = Depends(require(Role.ADMIN))) -> Response:
    form = await checked_form(request)
    store = request.app.state.store
    if accounts.get_user(store, name) is None:
        raise HTTPException(status_code=404, detail=f"no user {name}")
    role, disabled = form.get("role", ""), form.get("disabled", "")
    if name == user.name and (disabled == "yes" or (role and role != Role.ADMIN.value)):
        return _page(request, status_code=400, problem="you cannot disable or demote yourself; ask another admin")
    try:
        if role:
            if role not in {r.value for r in Role}:
                raise UserError(f"role {role!r}: use viewer, operator or admin")
            accounts.set_role(store, name, role)
        if disabled in ("yes", "no"):
            accounts.set_disabled(store, name, disabled == "yes")
    except UserError as exc:
        return _page(request, status_code=400, problem=str(exc))
    audit.record(
        store,
        user=user.name,
        action="user_change",
        target=f"user {name}",
        reason=form.get("reason", ""),
        role=role or None,
        disabled=disabled or None,
    )
    return RedirectResponse("/users?done=changed", status_code=303)
