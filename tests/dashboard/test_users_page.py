"""The users page: admins only, every change audited, an admin cannot lock themselves out."""

from __future__ import annotations

import pytest
from dashboard_support import PASSWORD, client_as, csrf_of, login
from fastapi.testclient import TestClient

from rpa_core.dashboard import audit
from rpa_core.dashboard.app import create_app
from rpa_core.dashboard.users import get_user
from rpa_core.store import open_store


@pytest.fixture
def store(sqlite_url):
    opened = open_store(sqlite_url)
    yield opened
    opened.close()


def test_an_admin_adds_changes_and_disables_users_and_each_change_is_audited(store):
    admin = client_as(store, "ada", "admin")
    token = csrf_of(admin, "/users")
    form = {"csrf_token": token, "name": "bo", "role": "viewer", "password": PASSWORD, "reason": "ny kollega"}
    assert admin.post("/users", data=form, follow_redirects=False).headers["location"] == "/users?done=added"
    change = {"csrf_token": token, "role": "operator", "disabled": "no", "reason": "skal kunne genkøre"}
    assert admin.post("/users/bo", data=change, follow_redirects=False).status_code == 303
    assert get_user(store, "bo").role.value == "operator"
    assert login(TestClient(create_app(store)), "bo").headers["location"] == "/runs"
    admin.post("/users/bo", data={**change, "disabled": "yes", "reason": "stoppet"})
    assert get_user(store, "bo").disabled
    entries, _ = audit.entries(store)
    assert [(e.action, e.target, e.reason) for e in entries] == [
        ("user_change", "user bo", "stoppet"),
        ("user_change", "user bo", "skal kunne genkøre"),
        ("user_add", "user bo", "ny kollega"),
    ]


def test_an_admin_cannot_disable_or_demote_themselves_and_a_short_password_is_refused(store):
    admin = client_as(store, "ada", "admin")
    token = csrf_of(admin, "/users")
    mine = admin.post("/users/ada", data={"csrf_token": token, "role": "viewer", "reason": "x"})
    assert mine.status_code == 400 and "cannot disable or demote yourself" in mine.text
    short = admin.post("/users", data={"csrf_token": token, "name": "cy", "role": "viewer", "password": "kort"})
    assert short.status_code == 400 and "at least 12 characters" in short.text and get_user(store, "cy") is None


def test_only_an_admin_sees_the_users_page(store):
    operator = client_as(store, "olga", "operator")
    assert operator.get("/users").status_code == 403
    assert 'href="/users"' not in operator.get("/runs").text and 'href="/audit"' in operator.get("/runs").text
