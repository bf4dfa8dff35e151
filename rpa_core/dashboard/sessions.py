"""Sessions: a signed, expiring cookie holding the user's name and the session's CSRF token.

The cookie is HttpOnly (no script reads it), SameSite=Strict (no other site sends it), Secure when the dashboard
is served over HTTPS (``--secure-cookies``), and expires after ``SESSION_SECONDS``. It is signed with a key the
store keeps (``store_meta``: every dashboard on the store shares it) or ``RPA_DASHBOARD_SECRET``. The user is
looked up on every request, so a disabled or removed user's session ends at once.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass

from itsdangerous import BadSignature, URLSafeTimedSerializer

from rpa_core.store import Store
from rpa_core.store.meta import value_once

COOKIE = "rpa_session"
LOGIN_COOKIE = "rpa_login"  # the login form's CSRF token before there is a session (double submit)
SESSION_SECONDS = 8 * 3600
SECRET_VARIABLE = "RPA_DASHBOARD_SECRET"
_SALT = "rpa-dashboard-session"


@dataclass(frozen=True)
class Session:
    user: str
    csrf: str


class SessionSigner:
    """Makes and reads session cookies."""

    def __init__(self, store: Store) -> None:
        secret = os.environ.get(SECRET_VARIABLE) or value_once(
            store, "dashboard_session_key", lambda: secrets.token_hex(32)
        )
        self._serializer = URLSafeTimedSerializer(secret, salt=_SALT)

    def make(self, user: str) -> tuple[str, Session]:
        session = Session(user=user, csrf=secrets.token_urlsafe(32))
        return self._serializer.dumps({"u": session.user, "c": session.csrf}), session

    def read(self, cookie: str | None) -> Session | None:
        if not cookie:
            return None
        try:
            data = self._serializer.loads(cookie, max_age=SESSION_SECONDS)
        except BadSignature:  # also SignatureExpired
            return None
        if not isinstance(data, dict) or not isinstance(data.get("u"), str) or not isinstance(data.get("c"), str):
            return None
        return Session(user=data["u"], csrf=data["c"])


def cookie_options(secure: bool, max_age: int = SESSION_SECONDS) -> dict:
    """The flags every cookie of the dashboard carries."""
    return {"httponly": True, "samesite": "strict", "secure": secure, "max_age": max_age, "path": "/"}
