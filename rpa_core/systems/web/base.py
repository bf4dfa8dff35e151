"""What every web page object shares: log in (again), close the system message, wait for late tables,
tell a 500 page, an error page and form errors apart, and run each step with bounded retries.

A step is one method call of an adapter (``get_payment``, ``register``, ...). Each attempt starts by opening
its page, so after a failure the next attempt re-reads the state before it writes anything.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any, ClassVar, TypeVar
from urllib.parse import urljoin

from playwright.sync_api import Page, Response
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from rpa_core.systems.errors import ApplicationError, BusinessError
from rpa_core.systems.retry import RetryPolicy, RetryStats, SessionExpired, TransientError, run_step
from rpa_core.systems.web.selectors import common as sel

log = logging.getLogger("rpa_core.systems.web")
T = TypeVar("T")

# Error codes on a 4xx page that mean "try again", not "a caseworker must act".
TRANSIENT_CODES = frozenset({"NOT_CONFIRMED", "INTERNAL_ERROR"})

_LOOK_SELECTORS = {
    "dialog_close": sel.SYSTEM_MESSAGE_CLOSE,
    "login_form": sel.LOGIN_FORM,
    "login_error_": sel.LOGIN_ERROR,
    "error_": sel.ERROR,
    "error_message": sel.ERROR_MESSAGE,
    "form_errors_": sel.FORM_ERRORS,
}
_LOOK_JS = """(s) => {
  const q = (x) => document.querySelector(x);
  const error = q(s.error_), message = q(s.error_message), form = q(s.form_errors_);
  return {
    dialog: !!q(s.dialog_close), login: !!q(s.login_form), login_error: !!q(s.login_error_), ready: !!q(s.ready),
    error: error ? {code: error.getAttribute("data-code"), status: error.getAttribute("data-status"),
                    message: message ? message.textContent.trim() : ""} : null,
    form_errors: form ? form.innerText.trim() : null,
  };
}"""
_READ_JS = """(specs) => specs.map(([selector, what]) => {
  const el = document.querySelector(selector);
  if (!el) return null;
  if (what === "text") return el.textContent.trim();
  if (what === "value") return el.value;
  return el.getAttribute(what);
})"""

_ROWS_JS = """([rowSelector, fieldRow, fieldValue]) => Array.from(document.querySelectorAll(rowSelector)).map(row => {
  const cells = {};
  for (const cell of row.querySelectorAll("[data-test]")) {
    const key = cell.getAttribute("data-test");
    if (!(key in cells)) cells[key] = {text: cell.textContent.trim(), value: cell.getAttribute("data-value")};
  }
  const fields = {};
  if (fieldRow) for (const r of row.querySelectorAll(fieldRow)) {
    const v = r.querySelector(fieldValue);
    fields[r.getAttribute("data-field")] = v ? v.getAttribute("data-value") : null;
  }
  return {data: Object.assign({}, row.dataset), cells, fields};
})"""


def to_decimal(value: str | None) -> Decimal | None:
    """A machine amount from a ``data-value`` attribute (``"12345.67"``); None when empty."""
    if value is None or not value.strip():
        return None
    try:
        return Decimal(value.strip())
    except InvalidOperation:
        raise TransientError(f"not an amount in the page: {value[:20]!r}", code="BAD_PAGE") from None


class WebAdapter:
    """Base of the page-object adapters. ``base_url`` is the system's root, e.g. ``http://host:8400/ydelse``."""

    SYSTEM: ClassVar[str] = "web system"

    def __init__(
        self,
        page: Page,
        base_url: str,
        username: str,
        password: str,
        *,
        retry: RetryPolicy | None = None,
        timeout_ms: float = 10_000,
    ) -> None:
        self.page = page
        self.base_url = base_url.rstrip("/")
        self.username = username
        self._password = password
        self.retry = retry or RetryPolicy()
        self.timeout_ms = timeout_ms
        self.stats = RetryStats()
        self._step = "?"

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.base_url!r}, user={self.username!r})"

    # --- steps ------------------------------------------------------------------------------------------
    def run(self, step: str, action: Callable[[], T]) -> T:
        """Run one step with the adapter's retry policy; errors name the system and ``step``."""

        def attempt() -> T:
            self._step = step
            return action()

        return run_step(self.SYSTEM, step, attempt, policy=self.retry, stats=self.stats)

    def login(self) -> None:
        """Log in now. (Every step also logs in by itself whenever the system shows its login page.)"""

        def action() -> None:
            response = self.page.goto(self.url(sel.LOGIN_PATH), wait_until="domcontentloaded", timeout=self.timeout_ms)
            self._check_status(response)
            if not self._look(sel.LOGIN_FORM)["ready"]:
                self._wait_for(sel.LOGIN_FORM)
            response, state = self._submit_login(sel.CURRENT_USER)
            self._check_status(response)
            if state["login"]:
                raise SessionExpired("still on the login page after logging in")

        self.run("login", action)

    # --- navigation -------------------------------------------------------------------------------------
    def url(self, path: str) -> str:
        """The absolute URL of ``path`` inside this system (``/betalinger``), or of a link's href."""
        if path.startswith(("http://", "https://")):
            return path
        if path.startswith(self._root_path() + "/"):
            return urljoin(self.base_url + "/", path)
        return self.base_url + path

    def _root_path(self) -> str:
        rest = self.base_url.split("://", 1)[-1]
        return "/" + rest.split("/", 1)[1] if "/" in rest else ""

    def goto(self, path: str, *, ready: str) -> None:
        """Open a page (logging in on the way when the session expired) and wait until ``ready`` is there."""
        response = self.page.goto(self.url(path), wait_until="domcontentloaded", timeout=self.timeout_ms)
        self._arrive(response, ready=ready, after_post=False)

    def click_through(self, selector: str, *, ready: str, post: bool = True) -> None:
        """Click a button or link that loads a page (a form submit when ``post``) and wait for ``ready``.

        The system message needs no closing here: it only comes with a page, and every page load closes it."""
        with self.page.expect_navigation(wait_until="domcontentloaded", timeout=self.timeout_ms) as navigation:
            self.page.click(selector, timeout=self.timeout_ms)
        self._arrive(navigation.value, ready=ready, after_post=post)

    def fill(self, selector: str, value: str) -> None:
        self.page.fill(selector, value, timeout=self.timeout_ms)

    def select(self, selector: str, value: str, *, code: str) -> None:
        """Choose ``value`` in a drop-down; BusinessError ``code`` when the system does not offer it."""
        offered = self.page.locator(f"{selector} option").evaluate_all("options => options.map(o => o.value)")
        if value not in offered:
            choices = ", ".join(v for v in offered if v)
            raise BusinessError(
                self.SYSTEM, self._step, f"{value!r} is not offered; choose one of {choices}", code=code
            )
        self.page.select_option(selector, value, timeout=self.timeout_ms)

    def _arrive(self, response: Response | None, *, ready: str, after_post: bool) -> None:
        self._check_status(response)
        state = self._look(ready)
        if state["login"]:
            if after_post:
                # the form went to a dead session: the system sent us to its login page instead
                raise SessionExpired("the session expired while submitting")
            # a page read: log in here; the login page sends us back to the page we asked for
            response, state = self._submit_login(ready)
            self._check_status(response)
            if state["login"]:
                raise SessionExpired("the session expired again right after logging in")
        self._check_error_page(state)
        if not state["ready"]:
            self._wait_for(ready)

    def _look(self, ready: str) -> dict[str, Any]:
        """What the page shows, in one round trip; closes the system message when it is open."""
        state = self.page.evaluate(_LOOK_JS, {**_LOOK_SELECTORS, "ready": ready})
        if state["dialog"]:
            self.dismiss_dialog()
        return state

    def _submit_login(self, ready: str) -> tuple[Response | None, dict[str, Any]]:
        """Fill in and submit the login form; the answer and what the next page shows (``_look``)."""
        self.stats.logins += 1
        log.info("%s: logging in as %s", self.SYSTEM, self.username)
        self.fill(sel.USERNAME, self.username)
        self.fill(sel.PASSWORD, self._password)
        with self.page.expect_navigation(wait_until="domcontentloaded", timeout=self.timeout_ms) as navigation:
            self.page.click(sel.LOGIN_BUTTON, timeout=self.timeout_ms)
        state = self._look(ready)
        if state["login_error"]:
            # wrong credentials: retrying would only lock the account
            raise ApplicationError(
                self.SYSTEM, self._step, "login refused: wrong username or password", code="LOGIN_FAILED"
            )
        return navigation.value, state

    # --- what the page says -----------------------------------------------------------------------------
    def dismiss_dialog(self) -> None:
        """Close the system message dialog when it is open."""
        close = self.page.locator(sel.SYSTEM_MESSAGE_CLOSE)
        if close.count():  # the dialog is part of the page as served; it never opens later by itself
            close.first.click(timeout=self.timeout_ms)
            self.page.locator(sel.SYSTEM_MESSAGE).first.wait_for(state="detached", timeout=self.timeout_ms)
            self.stats.dialogs += 1

    def _check_status(self, response: Response | None) -> None:
        if response is not None and response.status >= 500:
            path = response.url.split("?", 1)[0]
            raise TransientError(f"HTTP {response.status} from {path}", code=f"HTTP_{response.status}")

    def _check_error_page(self, state: dict[str, Any]) -> None:
        error = state["error"]
        if error is None:
            if state["form_errors"] is not None:
                message = state["form_errors"].replace("\n", "; ") or "the form was refused"
                raise BusinessError(self.SYSTEM, self._step, message, code="VALIDATION_ERROR")
            return
        code, status = error["code"] or "ERROR", error["status"] or ""
        if status.startswith("5") or code in TRANSIENT_CODES:
            raise TransientError(f"error page {status} {code}", code=code)
        raise BusinessError(self.SYSTEM, self._step, error["message"] or f"the system refused ({status})", code=code)

    def _wait_for(self, selector: str) -> None:
        """Wait until ``selector`` is in the page (late tables appear after the page itself)."""
        try:
            self.page.locator(selector).first.wait_for(state="attached", timeout=self.timeout_ms)
        except PlaywrightTimeout:
            raise TransientError(f"the page did not render ({selector} missing)", code="NOT_RENDERED") from None

    def read(self, *specs: tuple[str, str]) -> list[str | None]:
        """Several values in one round trip: ``(selector, "text" | "value" | attribute)`` -> str or None."""
        return self.page.evaluate(_READ_JS, [list(spec) for spec in specs])

    def rows(self, row_selector: str, field_row: str = "", field_value: str = "") -> list[dict[str, Any]]:
        """Every row: ``data`` (its data-* attributes, camelCase), ``cells`` (by data-test: text and
        data-value) and ``fields`` (``field_row`` sub-rows by data-field -> ``field_value``'s data-value)."""
        return self.page.evaluate(_ROWS_JS, [row_selector, field_row, field_value])
