"""Every request to the three systems since the last reset (method, path, status), for tests and benchmarks
that count page loads: ``GET /admin/requests``. Mounted only with admin=True, like the other admin hooks.

Paths carry no CPR numbers (the systems take them in POST bodies only); query strings are left out.
"""

from __future__ import annotations

import threading
from collections import Counter, deque
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from rpa_core.sandbox.faults import FAULTY_PREFIXES

MAX_ENTRIES = 100_000  # the log keeps the newest; the counts keep everything


class RequestLog:
    """Requests to the systems, in order (the newest ``MAX_ENTRIES``) and counted per ``"METHOD path"``."""

    def __init__(self, max_entries: int = MAX_ENTRIES) -> None:
        self._lock = threading.Lock()
        self._entries: deque[dict[str, Any]] = deque(maxlen=max_entries)
        self._counts: Counter[str] = Counter()

    def record(self, method: str, path: str, status: int) -> None:
        with self._lock:
            self._entries.append({"method": method, "path": path, "status": status})
            self._counts[f"{method} {path}"] += 1

    def to_json(self, prefix: str = "") -> dict[str, Any]:
        """``{"requests": [{"method", "path", "status"}], "counts": {"GET /ydelse/betalinger/B0000001": 3}}``,
        only paths starting with ``prefix`` when it is given."""
        with self._lock:
            entries = [dict(e) for e in self._entries if e["path"].startswith(prefix)]
            counts = {key: n for key, n in self._counts.items() if key.split(" ", 1)[1].startswith(prefix)}
        return {"requests": entries, "counts": counts}

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._counts.clear()


class RequestCounter:
    """ASGI middleware: records each request to the systems' paths in ``log`` with its answer's status (an
    injected HTTP 500 of the fault middleware included, when this one is added after it)."""

    def __init__(self, app: ASGIApp, log: RequestLog) -> None:
        self.app = app
        self.log = log

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "") if scope["type"] == "http" else ""
        if not path.startswith(FAULTY_PREFIXES):
            await self.app(scope, receive, send)
            return
        status = 0

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            self.log.record(scope.get("method", ""), path, status)
