"""The audit log: every operator action in the dashboard, with who, when, what, on what, and why."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, select

from rpa_core.privacy import mask_text
from rpa_core.store import Store
from rpa_core.store.models import audit_log
from rpa_core.store.types import utcnow


@dataclass(frozen=True)
class AuditEntry:
    id: int
    at: datetime
    user: str
    action: str
    target: str
    reason: str
    details: dict[str, Any]


def record(store: Store, *, user: str, action: str, target: str = "", reason: str = "", **details: Any) -> int:
    """Write one entry; the reason is masked (a caseworker may type a CPR number into it)."""
    row = {
        "at": utcnow(),
        "user": user,
        "action": action,
        "target": target,
        "reason": mask_text(reason),
        "details": json.dumps(details, default=str, ensure_ascii=False),
    }
    with store.engine.begin() as conn:
        return conn.execute(insert(audit_log).values(**row).returning(audit_log.c.id)).scalar_one()


def entries(store: Store, *, limit: int = 100, offset: int = 0) -> tuple[list[AuditEntry], int]:
    """The newest entries first, and how many there are in all."""
    query = select(audit_log).order_by(audit_log.c.id.desc()).limit(limit).offset(offset)
    with store.read() as conn:
        rows = [
            AuditEntry(r.id, r.at, r.user, r.action, r.target, r.reason, json.loads(r.details or "{}"))
            for r in conn.execute(query)
        ]
        total = conn.execute(select(func.count()).select_from(audit_log)).scalar_one()
    return rows, total
