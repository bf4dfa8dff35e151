"""For the dashboard's tests: an app over a real store, users, and a logged-in client."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from rpa_core.dashboard.app import create_app
from rpa_core.dashboard.users import add_user

PASSWORD = "correct horse battery staple"


def login(client: TestClient, name: str, password: str = PASSWORD, next_path: str = "/runs"):
    """Log in as a browser does: the login page's token, then the form; the response of the POST."""
    page = client.get("/login")
    token = re.search(r'name="login_token" value="([^"]+)"', page.text).group(1)
    form = {"login_token": token, "name": name, "password": password, "next": next_path}
    return client.post("/login", data=form, follow_redirects=False)


def client_as(store, name: str, role: str, **app_options) -> TestClient:
    """A client logged in as a new user ``name`` with ``role``."""
    add_user(store, name, role, PASSWORD)
    client = TestClient(create_app(store, **app_options))
    assert login(client, name).status_code == 303
    return client


def csrf_of(client: TestClient, path: str = "/runs") -> str:
    """The session's CSRF token, as a page's forms carry it."""
    return re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).text).group(1)
