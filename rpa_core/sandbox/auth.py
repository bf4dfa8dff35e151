"""Logins and sessions (one per system, cookie scoped to the system's path) and the JSON APIs' API key."""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from fastapi import Request

from rpa_core.privacy import mask_cpr
from rpa_core.sandbox.faults import Faults
from rpa_core.sandbox.state import SandboxError

SYSTEMS = {"ydelse": "Ydelsessystem", "indkomst": "Indkomstregister", "esdh": "ESDH"}
DEMO_LOGINS: dict[str, tuple[str, str]] = {
    "ydelse": ("robot", "ydelse-demo"),
    "indkomst": ("robot", "indkomst-demo"),
    "esdh": ("robot", "esdh-demo"),
}
DEMO_API_KEY = "sandbox-demo-key"
API_KEY_HEADER = "X-API-Key"


def cookie_name(system: str) -> str:
    return f"{system}_session"


@dataclass
class Session:
    token: str
    system: str
    user: str
    created: float
    last_seen: float
    requests: int = 0
    confirm_tokens: dict[str, str] = field(default_factory=dict)


class LoginRequired(Exception):
    """The page needs a login (none, or the session expired): the handler redirects to the login page."""

    def __init__(self, system: str, next_path: str, expired: bool) -> None:
        super().__init__(system)
        self.system, self.next_path, self.expired = system, next_path, expired


class Sessions:
    """In-memory sessions that expire after ``ttl_seconds`` without use, or earlier by the session faults.

    ``login_log`` lists every login to the pages (``at``, ``system``, ``user``, ``result`` ok or refused), for
    tests and benchmarks that count how often a robot logs in (``GET /admin/logins``)."""

    def __init__(self, faults: Faults, ttl_seconds: float = 1800, logins: dict | None = None) -> None:
        self.faults, self.ttl_seconds = faults, ttl_seconds
        self.logins = dict(logins or DEMO_LOGINS)
        self._sessions: dict[str, Session] = {}
        self._lock = threading.Lock()
        self.login_log: list[dict[str, Any]] = []

    def login(self, system: str, username: str, password: str) -> Session | None:
        """A new session when the credentials are right for ``system``."""
        expected = self.logins.get(system)
        if expected is None or not (
            secrets.compare_digest(username.encode(), expected[0].encode())
            and secrets.compare_digest(password.encode(), expected[1].encode())
        ):
            self._log_login(system, username, "refused")
            return None
        stamp = time.monotonic()
        session = Session(secrets.token_urlsafe(24), system, username, stamp, stamp)
        with self._lock:
            self._sessions[session.token] = session
        self._log_login(system, username, "ok")
        return session

    def _log_login(self, system: str, username: str, result: str) -> None:
        entry = {"at": datetime.now().astimezone().isoformat(), "system": system, "user": mask_cpr(username)}
        with self._lock:
            self.login_log.append(entry | {"result": result})

    def logout(self, token: str | None) -> None:
        with self._lock:
            self._sessions.pop(token or "", None)

    def clear(self) -> None:
        """End every session and empty the login log."""
        with self._lock:
            self._sessions.clear()
            self.login_log.clear()

    def check(self, system: str, token: str | None) -> tuple[Session | None, bool]:
        """(session, expired): the live session for this request, counting it; expired ones are removed."""
        if not token:
            return None, False
        stamp = time.monotonic()
        faults = self.faults.config
        with self._lock:
            session = self._sessions.get(token)
            if session is None or session.system != system:
                return None, session is None
            session.requests += 1
            expired = (
                stamp - session.last_seen > self.ttl_seconds
                or (faults.session_max_seconds and stamp - session.created > faults.session_max_seconds)
                or (faults.session_max_requests and session.requests > faults.session_max_requests)
            )
            if expired:
                del self._sessions[token]
                return None, True
            session.last_seen = stamp
            return session, False


def require_session(system: str) -> Callable[[Request], Session]:
    """Dependency: the logged-in session for ``system``, or LoginRequired (redirect to the login page)."""

    def dependency(request: Request) -> Session:
        sessions: Sessions = request.app.state.sessions
        token = request.cookies.get(cookie_name(system))
        session, expired = sessions.check(system, token)
        if session is None:
            next_path = f"/{system}/"
            if request.method == "GET":
                next_path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            raise LoginRequired(system, next_path, expired=bool(token) and expired)
        return session

    return dependency


def require_api_key(request: Request) -> str:
    """Dependency for the JSON APIs: the ``X-API-Key`` header must hold the sandbox's key."""
    given = request.headers.get(API_KEY_HEADER, "")
    if not given or not secrets.compare_digest(given.encode(), request.app.state.api_key.encode()):
        raise SandboxError(401, "UNAUTHORIZED", f"Mangler eller forkert API-nøgle i headeren {API_KEY_HEADER}.")
    return "api"


def safe_next(system: str, next_path: str | None) -> str:
    """Only paths inside the same system are allowed after login (no open redirect)."""
    if next_path and next_path.startswith(f"/{system}/") and "//" not in next_path and "\\" not in next_path:
        return next_path
    return f"/{system}/"
