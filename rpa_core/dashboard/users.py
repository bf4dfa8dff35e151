"""The dashboard's people: local users with a role, passwords hashed with argon2, failed logins counted.

Roles are ordered: a viewer reads; an operator also requeues, abandons, marks cases handled and starts runs;
an admin also manages users. A disabled user cannot log in, and a session of theirs ends at its next request.
Failed logins are counted per user name and per address over ``WINDOW``; past the limits, logins are refused
until the window has passed (also with the right password), so guessing is slow.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import delete, func, insert, select, update

from rpa_core.errors import UserError
from rpa_core.store import Store
from rpa_core.store.models import login_failures, users
from rpa_core.store.types import utcnow

_NAME = re.compile(r"^[a-z0-9][a-z0-9._@-]{0,99}$")
MIN_PASSWORD = 12
WINDOW = timedelta(minutes=15)
MAX_FAILURES_PER_USER = 5
MAX_FAILURES_PER_ADDRESS = 20
_hasher = PasswordHasher()
# Verified against when the user does not exist, so an unknown name takes as long as a wrong password.
_DUMMY_HASH = _hasher.hash("not a password anybody has")


class Role(StrEnum):
    """What a user may do; each role may do what the ones before it may."""

    VIEWER = "viewer"
    OPERATOR = "operator"
    ADMIN = "admin"

    def allows(self, needed: Role) -> bool:
        order = list(Role)
        return order.index(self) >= order.index(needed)


@dataclass(frozen=True)
class User:
    name: str
    role: Role
    disabled: bool
    created_at: datetime
    changed_at: datetime


def _user(row) -> User:
    return User(row.name, Role(row.role), bool(row.disabled), row.created_at, row.changed_at)


def check_name(name: str) -> str:
    if not _NAME.match(name):
        raise UserError(f"user name '{name}': lower-case letters, digits, '.', '_', '-' or '@', up to 100")
    return name


def check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise UserError(f"a password has at least {MIN_PASSWORD} characters")
    return password


def get_user(store: Store, name: str) -> User | None:
    with store.read() as conn:
        row = conn.execute(select(users).where(users.c.name == name)).first()
    return _user(row) if row else None


def list_users(store: Store) -> list[User]:
    with store.read() as conn:
        return [_user(row) for row in conn.execute(select(users).order_by(users.c.name))]


def add_user(store: Store, name: str, role: Role | str, password: str) -> User:
    """A new user; a UserError when the name is taken or the password too short."""
    check_name(name)
    check_password(password)
    now = utcnow()
    if get_user(store, name):
        raise UserError(f"user '{name}' exists already (rpa users passwd to change the password)")
    row = {"name": name, "role": Role(role).value, "password_hash": _hasher.hash(password), "disabled": 0}
    with store.engine.begin() as conn:
        conn.execute(insert(users).values(**row, created_at=now, changed_at=now))
    return get_user(store, name)


def _change(store: Store, name: str, **values) -> User:
    with store.engine.begin() as conn:
        changed = conn.execute(update(users).where(users.c.name == name).values(**values, changed_at=utcnow()))
    if changed.rowcount != 1:
        raise UserError(f"no user '{name}' (rpa users ls lists them)")
    return get_user(store, name)


def set_password(store: Store, name: str, password: str) -> User:
    return _change(store, name, password_hash=_hasher.hash(check_password(password)))


def set_role(store: Store, name: str, role: Role | str) -> User:
    return _change(store, name, role=Role(role).value)


def set_disabled(store: Store, name: str, disabled: bool = True) -> User:
    return _change(store, name, disabled=int(disabled))


def remove_user(store: Store, name: str) -> None:
    with store.engine.begin() as conn:
        if conn.execute(delete(users).where(users.c.name == name)).rowcount != 1:
            raise UserError(f"no user '{name}' (rpa users ls lists them)")


def _failures(store: Store, column, value: str, since: datetime) -> int:
    query = select(func.count()).select_from(login_failures).where(column == value, login_failures.c.at >= since)
    with store.read() as conn:
        return conn.execute(query).scalar_one()


def login_blocked(store: Store, name: str, address: str, now: datetime | None = None) -> bool:
    """Whether too many logins failed lately for this user name or from this address."""
    since = (now or utcnow()) - WINDOW
    return (
        _failures(store, login_failures.c.user, name, since) >= MAX_FAILURES_PER_USER
        or _failures(store, login_failures.c.address, address, since) >= MAX_FAILURES_PER_ADDRESS
    )


def authenticate(store: Store, name: str, password: str, address: str) -> User | None:
    """The user when ``password`` is theirs and they may log in; None otherwise (and the failure is counted).

    A blocked name or address is refused before the password is looked at.
    """
    name = name.strip().lower()[:100]
    if login_blocked(store, name, address):
        return None
    with store.read() as conn:
        row = conn.execute(select(users).where(users.c.name == name)).first()
    try:
        _hasher.verify(row.password_hash if row else _DUMMY_HASH, password)
        ok = row is not None and not row.disabled
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        ok = False
    if not ok:
        with store.engine.begin() as conn:
            conn.execute(insert(login_failures).values(at=utcnow(), user=name, address=address[:100]))
        return None
    if _hasher.check_needs_rehash(row.password_hash):
        _change(store, name, password_hash=_hasher.hash(password))
    with store.engine.begin() as conn:  # a good login clears the name's count (not the address's)
        conn.execute(delete(login_failures).where(login_failures.c.user == name))
    return _user(row)
