"""A small JSON API client over httpx shared by the API adapters: the API key header, bounded retries,
and the mapping of answers to errors (5xx and transport failures are transient; a 4xx with an error code
is a business answer; a refused API key is an application error)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar, Self, TypeVar

import httpx

from rpa_core.systems.errors import ApplicationError, BusinessError
from rpa_core.systems.retry import RetryPolicy, RetryStats, TransientError, run_step

T = TypeVar("T")
API_PREFIX = "/api/v1"
API_KEY_HEADER = "X-API-Key"


class ApiAdapter:
    """Base of the API adapters. ``base_url`` is the system's root (``http://host:8400/esdh``); the
    adapter talks to ``<base_url>/api/v1`` (a ``base_url`` that already ends in ``/api/v1`` is fine)."""

    SYSTEM: ClassVar[str] = "api"

    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        retry: RetryPolicy | None = None,
        timeout: float = 10.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        root = base_url.rstrip("/")
        if not root.endswith(API_PREFIX):
            root += API_PREFIX
        self.base_url = root
        self.retry = retry or RetryPolicy()
        self.stats = RetryStats()
        headers = {API_KEY_HEADER: api_key, "Accept": "application/json"}
        self._http = httpx.Client(base_url=root, headers=headers, timeout=timeout, transport=transport)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.base_url!r})"

    def close(self) -> None:
        """Close the HTTP connections."""
        self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def run(self, step: str, action: Callable[[], T]) -> T:
        """Run one step (one or more requests) with the adapter's retry policy."""
        return run_step(self.SYSTEM, step, action, policy=self.retry, stats=self.stats)

    def call(self, step: str, method: str, path: str, *, json: Any = None) -> Any:
        """One request as a whole step, retried: the decoded JSON answer."""
        return self.run(step, lambda: self.request(step, method, path, json=json))

    def request(self, step: str, method: str, path: str, *, json: Any = None) -> Any:
        """One request, not retried: the decoded JSON answer, or the error it means."""
        response = self._http.request(method, path, json=json)
        status = response.status_code
        if status >= 500 or status in (408, 429):
            raise TransientError(f"HTTP {status} from {method} {path}", code=f"HTTP_{status}")
        if response.is_success:
            try:
                return response.json()
            except ValueError:
                raise TransientError(f"not JSON from {method} {path}", code="BAD_RESPONSE") from None
        code, message = _error_of(response)
        if status in (401, 403):
            raise ApplicationError(self.SYSTEM, step, message, code=code or "UNAUTHORIZED")
        raise BusinessError(self.SYSTEM, step, message, code=code or f"HTTP_{status}")


def _error_of(response: httpx.Response) -> tuple[str | None, str]:
    """(code, message) of an ``{"error": {"code", "message"}}`` answer, or of a bare HTTP status."""
    try:
        error = response.json().get("error") or {}
    except (ValueError, AttributeError):
        error = {}
    if not isinstance(error, dict):
        error = {}
    message = str(error.get("message") or f"HTTP {response.status_code}")
    return (str(error["code"]) if error.get("code") else None), message
