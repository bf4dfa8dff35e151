"""Nobody sees anything without a login; forms need the session's token; viewers cannot act; logins are slow to
guess; cookies are flagged; the server listens on 127.0.0.1 unless told otherwise."""

from __future__ import annotations

import re
import socket
import subprocess
import sys
import time

import pytest
from dashboard_support import PASSWORD, client_as, csrf_of, login
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from starlette.routing import Mount

from rpa_core.dashboard.app import create_app
from rpa_core.dashboard.users import MAX_FAILURES_PER_USER, add_user, set_disabled
from rpa_core.store import open_store

PUBLIC = ("/login", "/static", "/favicon.ico")


@pytest.fixture
def store(sqlite_url):
    opened = open_store(sqlite_url)
    yield opened
    opened.close()


def concrete(path: str) -> str:
    """A route's path with each parameter filled in."""
    return re.sub(r"\{[^}]+\}", "1", path)


def _routes(routes):
    """Every route, the included routers' too (FastAPI keeps an included router's routes inside it)."""
    for route in routes:
        included = getattr(route, "original_router", None)
        if included is not None:
            yield from _routes(included.routes)
        else:
            yield route


def every_route(app):
    """(method, path) of every route the app knows, public ones left out."""
    for route in _routes(app.routes):
        if isinstance(route, APIRoute) and not route.path.startswith(PUBLIC):
            for method in sorted(route.methods):
                yield method, concrete(route.path)
        elif isinstance(route, Mount) and not route.path.startswith(PUBLIC):
            yield "GET", route.path + "/x"


def test_every_route_without_a_session_is_refused_and_shows_nothing(store):
    app = create_app(store)
    client = TestClient(app)
    routes = list(every_route(app))
    assert len(routes) >= 15, routes  # the app's own pages are found, not a hand list
    for method, path in routes:
        response = client.request(method, path, follow_redirects=False)
        if method in ("GET", "HEAD"):
            assert response.status_code == 303, (method, path, response.status_code)
            assert response.headers["location"].startswith("/login?next="), (method, path)
        else:
            assert response.status_code == 401, (method, path, response.status_code)
        assert len(response.content) < 40, (method, path, response.text)
        assert response.headers["x-frame-options"] == "DENY"


def test_a_forged_or_expired_cookie_is_no_session(store):
    add_user(store, "anna", "admin", PASSWORD)
    client = TestClient(create_app(store))
    client.cookies.set("rpa_session", "eyJ1IjoiYW5uYSIsImMiOiJ4In0.forged.signature")
    assert client.get("/runs", follow_redirects=False).status_code == 303


def test_every_form_needs_the_sessions_csrf_token(store):
    app = create_app(store)
    client = client_as(store, "olga", "admin")
    posts = [path for method, path in every_route(app) if method == "POST"]
    assert "/logout" in posts
    for path in posts:
        for token in (None, "wrong"):
            data = {} if token is None else {"csrf_token": token}
            response = client.post(path, data=data, follow_redirects=False)
            assert response.status_code == 403, (path, token, response.status_code)
            assert "security token" in response.text, (path, response.text[:200])


def test_a_viewer_cannot_act(store):
    app = create_app(store)
    client = client_as(store, "vera", "viewer")
    token = csrf_of(client)
    acts = [path for method, path in every_route(app) if method == "POST" and path != "/logout"]
    for path in acts:
        response = client.post(path, data={"csrf_token": token, "reason": "test", "note": "test"})
        assert response.status_code == 403, (path, response.status_code)


def test_logins_are_rate_limited_per_user_and_per_address(store):
    add_user(store, "anna", "viewer", PASSWORD)
    client = TestClient(create_app(store))
    for _ in range(MAX_FAILURES_PER_USER):
        assert "failed=1" in login(client, "anna", "wrong password!!").headers["location"]
    assert "failed=1" in login(client, "anna").headers["location"], "blocked even with the right password"
    add_user(store, "bo", "viewer", PASSWORD)
    for number in range(20):  # many names guessed from one address
        login(client, f"guess{number}", "wrong password!!")
    assert "failed=1" in login(client, "bo").headers["location"], "the address is blocked too"


def test_a_good_login_is_a_flagged_cookie_and_goes_only_to_this_site(store):
    add_user(store, "anna", "viewer", PASSWORD)
    client = TestClient(create_app(store, secure_cookies=True), base_url="https://testserver")
    response = login(client, "anna", next_path="//evil.example/steal")
    assert response.headers["location"] == "/runs"
    cookie = response.headers["set-cookie"]
    for flag in ("HttpOnly", "SameSite=strict", "Secure", "Max-Age=28800", "Path=/"):
        assert flag in cookie, cookie


def test_the_login_form_needs_its_token(store):
    add_user(store, "anna", "viewer", PASSWORD)
    client = TestClient(create_app(store))
    response = client.post("/login", data={"name": "anna", "password": PASSWORD}, follow_redirects=False)
    assert response.status_code == 403 and "rpa_session" not in response.headers.get("set-cookie", "")


def test_a_disabled_users_session_ends_at_the_next_request(store):
    client = client_as(store, "anna", "operator")
    assert client.get("/runs").status_code == 200
    set_disabled(store, "anna")
    assert client.get("/runs", follow_redirects=False).status_code == 303


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _outward_address() -> str | None:
    """This machine's address on its network (no packet is sent), or None when it has only loopback."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("10.255.255.255", 1))
            address = probe.getsockname()[0]
        except OSError:
            return None
    return None if address.startswith("127.") else address


def test_serve_listens_on_127_0_0_1_by_default(store, tmp_path):
    add_user(store, "anna", "viewer", PASSWORD)
    port = _free_port()
    command = [sys.executable, "-m", "rpa_core.cli.main", "dashboard", "serve", "--port", str(port)]
    server = subprocess.Popen([*command, "--store", str(store.url_string())], cwd=tmp_path)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert time.monotonic() < deadline and server.poll() is None, "the dashboard did not start"
                time.sleep(0.2)
        outward = _outward_address()
        if outward is None:
            pytest.skip("this machine has no address but loopback to try from")
        with pytest.raises(OSError):
            socket.create_connection((outward, port), timeout=2).close()
    finally:
        server.terminate()
        server.wait(10)
