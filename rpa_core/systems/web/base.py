"""What every web page object shares: log in (again), close the system message, wait for late tables,
tell a 500 page, an error page and form errors apart, and run each step with bounded retries.

A step is one method call of an adapter (``get_payment``, ``register``, ...). A read step always opens its
page. A write step acts on the page the step before it left, when the browser still shows that very document
(the adapter remembers what it read and marks the document: see ``recall``); else it opens the page first.
Any failure, navigation, form input, dialog or login makes the adapter forget the page, so a retried attempt
re-reads the state before it writes anything; the system keywords for Robot Framework also forget it
with each new work item. The adapter owns its page: a change made to the same document by other code is not
seen.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, ClassVar, TypeVar
from urllib.parse import urljoin

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page, Response
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from rpa_core.browser.capture import declare_name_selectors
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
# JavaScript functions the page-level scripts below share.
_MARK_FN = """function markRead(mark) {  // this document was read: the mark lives on the document (a new one has none)
  window.__rpaRead = mark;
  addEventListener("pageshow", (e) => { if (e.persisted) window.__rpaRead = null; });  // back from bfcache
}"""
_READ_FN = """function readValues(specs) {
  return specs.map(([selector, what]) => {
    const el = document.querySelector(selector);
    if (!el) return null;
    if (what === "text") return el.textContent.trim();
    if (what === "value") return el.value;
    return el.getAttribute(what);
  });
}"""
# Set form fields as typing would leave them: through the element's own value setter (so frameworks that track
# it see the change), then input and change events. Returns the selectors it could not fill.
_FILL_FN = """function fillFields(values) {
  return Object.entries(values).filter(([selector, value]) => {
    const el = document.querySelector(selector);
    if (!el || el.disabled || el.readOnly) return true;
    let proto = Object.getPrototypeOf(el), setter = null;
    while (proto && !setter) {
      setter = Object.getOwnPropertyDescriptor(proto, "value")?.set;
      proto = Object.getPrototypeOf(proto);
    }
    if (setter) setter.call(el, value); else el.value = value;
    el.dispatchEvent(new Event("input", {bubbles: true}));
    el.dispatchEvent(new Event("change", {bubbles: true}));
    return false;
  }).map(([selector]) => selector);
}"""
# What the page shows (and, with ``specs``, the values to read from it; with ``mark``, the document marked).
_LOOK_JS = f"""(s) => {{
  {_MARK_FN}
  {_READ_FN}
  const q = (x) => document.querySelector(x);
  const error = q(s.error_), message = q(s.error_message), form = q(s.form_errors_);
  if (s.mark) markRead(s.mark);
  return {{
    dialog: !!q(s.dialog_close), login: !!q(s.login_form), login_error: !!q(s.login_error_), ready: !!q(s.ready),
    error: error ? {{code: error.getAttribute("data-code"), status: error.getAttribute("data-status"),
                    message: message ? message.textContent.trim() : ""}} : null,
    form_errors: form ? form.innerText.trim() : null,
    values: readValues(s.specs || []),
  }};
}}"""
_READ_JS = f"""([specs, mark]) => {{
  {_MARK_FN}
  {_READ_FN}
  if (mark) markRead(mark);
  return readValues(specs);
}}"""
_MARKED_JS = "(mark) => window.__rpaRead === mark"
# Fill the fields, then submit the button's form as the button would (its validation, submit handlers and
# name=value go along); a button or link outside a form is clicked. Nothing is submitted when a field cannot
# be filled ({{refused: [...]}}) or there is no such enabled button ({{missing: true}}).
_SUBMIT_JS = f"""([selector, values]) => {{
  {_FILL_FN}
  const refused = fillFields(values);
  if (refused.length) return {{refused}};
  const el = document.querySelector(selector);
  if (!el || el.disabled) return {{missing: true}};
  if (el.form && el.type === "submit" && typeof el.form.requestSubmit === "function") el.form.requestSubmit(el);
  else el.click();
  return {{}};
}}"""
Spec = tuple[str, str]  # (selector, "text" | "value" | attribute)

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


@dataclass(frozen=True)
class _Read:
    """What the adapter read from the page (``value``), which page that was (``key``), and how to know that
    the page still shows that document: its URL and a mark set on the document when it was read."""

    key: str
    url: str
    mark: str
    value: Any


class WebAdapter:
    """Base of the page-object adapters. ``base_url`` is the system's root, e.g. ``http://host:8400/ydelse``."""

    SYSTEM: ClassVar[str] = "web system"
    # CSS selectors of the elements that show a citizen's name (the system's selectors module declares them):
    # failure captures replace their text in the HTML and cover them in the screenshot.
    NAME_SELECTORS: ClassVar[tuple[str, ...]] = ()

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
        self._read: _Read | None = None
        declare_name_selectors(self.NAME_SELECTORS)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.base_url!r}, user={self.username!r})"

    # --- steps ------------------------------------------------------------------------------------------
    def run(self, step: str, action: Callable[[], T]) -> T:
        """Run one step with the adapter's retry policy; errors name the system and ``step``."""

        def attempt() -> T:
            self._step = step
            try:
                return action()
            except BaseException:
                self.forget_page()  # whatever the failure did to the page, a retry opens it again
                raise

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

    # --- what the current page was read as ------------------------------------------------------------------
    @staticmethod
    def new_mark() -> str:
        """A fresh mark for a page read: pass it to the read (``goto``, ``submit``, ``read``), then to
        :meth:`remember`."""
        return secrets.token_hex(8)

    def remember(self, key: str, value: T, mark: str) -> T:
        """Remember ``value``, read from the current page with ``mark``, as what page ``key`` (e.g.
        ``payment:B0000001``) shows, until something changes the page; returns ``value``."""
        self._read = _Read(key, self.page.url, mark, value)
        return value

    def recall(self, key: str) -> Any | None:
        """What :meth:`remember` read from page ``key``, when the browser still shows that very document and
        nothing changed it since (no navigation, form input, dialog, login or failure); else None (and the
        read is forgotten). One round trip to the page, instead of loading it again."""
        read, self._read = self._read, None
        if read is None or read.key != key or self.page.url != read.url:
            return None
        try:
            if self.page.evaluate(_MARKED_JS, read.mark) is not True:
                return None
        except PlaywrightError:  # the page is navigating or closed
            return None
        self._read = read
        return read.value

    def forget_page(self) -> None:
        """Forget what the current page was read as: the next step opens its page again."""
        self._read = None

    def goto(self, path: str, *, ready: str, read: Sequence[Spec] = (), mark: str = "") -> list[str | None]:
        """Open a page (logging in on the way when the session expired) and wait until ``ready`` is there;
        the values of ``read`` from it (see :meth:`read`), read in the same round trip as the page's state."""
        self.forget_page()
        response = self.page.goto(self.url(path), wait_until="domcontentloaded", timeout=self.timeout_ms)
        return self._arrive(response, ready=ready, after_post=False, read=read, mark=mark)

    def click_through(self, selector: str, *, ready: str, post: bool = True) -> None:
        """Click a button or link that loads a page (a form submit when ``post``) and wait for ``ready``.

        The system message needs no closing here: it only comes with a page, and every page load closes it."""
        self.forget_page()
        with self.page.expect_navigation(wait_until="domcontentloaded", timeout=self.timeout_ms) as navigation:
            self.page.click(selector, timeout=self.timeout_ms)
        self._arrive(navigation.value, ready=ready, after_post=post)

    def submit(
        self,
        selector: str,
        *,
        ready: str,
        post: bool = True,
        fill: dict[str, str] | None = None,
        read: Sequence[Spec] = (),
        mark: str = "",
    ) -> list[str | None]:
        """Fill the fields of ``fill`` (selector -> value) and submit the form of button ``selector``, in one round
        trip, as an RPA tool's simulated input does: each value through the field's own setter, then input and
        change events, then the form submitted as pressing the button would, without the pointer's checks and
        waits. Waits for the page it loads, as :meth:`click_through` does, and returns the values of ``read``
        from that page (as :meth:`goto`). A field that is missing, disabled or read-only, or a missing button,
        is a TransientError, and nothing is submitted."""
        self.forget_page()
        with self.page.expect_navigation(wait_until="domcontentloaded", timeout=self.timeout_ms) as navigation:
            try:
                answer = self.page.evaluate(_SUBMIT_JS, [selector, fill or {}])
            except PlaywrightError as exc:
                if "context was destroyed" not in str(exc):
                    raise
                answer = {}  # the navigation replaced the document before the answer came back
            if answer.get("refused"):
                raise TransientError(f"cannot fill {', '.join(answer['refused'])}", code="NOT_RENDERED")
            if answer.get("missing"):
                raise TransientError(f"nothing to submit ({selector} missing)", code="NOT_RENDERED")
        return self._arrive(navigation.value, ready=ready, after_post=post, read=read, mark=mark)

    def fill(self, selector: str, value: str) -> None:
        """Type ``value`` into a field (the page no longer shows what was read from it)."""
        self.forget_page()
        self.page.fill(selector, value, timeout=self.timeout_ms)

    def select(self, selector: str, value: str, *, code: str) -> None:
        """Choose ``value`` in a drop-down; BusinessError ``code`` when the system does not offer it."""
        offered = self.page.locator(f"{selector} option").evaluate_all("options => options.map(o => o.value)")
        if value not in offered:
            choices = ", ".join(v for v in offered if v)
            raise BusinessError(
                self.SYSTEM, self._step, f"{value!r} is not offered; choose one of {choices}", code=code
            )
        self.forget_page()
        self.page.select_option(selector, value, timeout=self.timeout_ms)

    def _arrive(
        self, response: Response | None, *, ready: str, after_post: bool, read: Sequence[Spec] = (), mark: str = ""
    ) -> list[str | None]:
        self._check_status(response)
        state = self._look(ready, read, mark)
        if state["login"]:
            if after_post:
                # the form went to a dead session: the system sent us to its login page instead
                raise SessionExpired("the session expired while submitting")
            # a page read: log in here; the login page sends us back to the page we asked for
            response, state = self._submit_login(ready, read, mark)
            self._check_status(response)
            if state["login"]:
                raise SessionExpired("the session expired again right after logging in")
        self._check_error_page(state)
        if not state["ready"]:
            self._wait_for(ready)
            return self.read(*read, mark=mark) if read else []  # the page was not complete when it was read
        return state["values"]

    def _look(self, ready: str, read: Sequence[Spec] = (), mark: str = "") -> dict[str, Any]:
        """What the page shows (with the values of ``read``, marking it with ``mark``), in one round trip;
        closes the system message when it is open (it lies over the page: what was read stays right)."""
        look = {**_LOOK_SELECTORS, "ready": ready, "specs": [list(spec) for spec in read], "mark": mark}
        state = self.page.evaluate(_LOOK_JS, look)
        if state["dialog"]:
            self.dismiss_dialog()
        return state

    def _submit_login(
        self, ready: str, read: Sequence[Spec] = (), mark: str = ""
    ) -> tuple[Response | None, dict[str, Any]]:
        """Fill in and submit the login form; the answer and what the next page shows (``_look``)."""
        self.stats.logins += 1
        self.forget_page()
        log.info("%s: logging in as %s", self.SYSTEM, self.username)
        self.fill(sel.USERNAME, self.username)
        self.fill(sel.PASSWORD, self._password)
        with self.page.expect_navigation(wait_until="domcontentloaded", timeout=self.timeout_ms) as navigation:
            self.page.click(sel.LOGIN_BUTTON, timeout=self.timeout_ms)
        state = self._look(ready, read, mark)
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
            self.forget_page()
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

    def read(self, *specs: Spec, mark: str = "") -> list[str | None]:
        """Several values in one round trip: ``(selector, "text" | "value" | attribute)`` -> str or None.
        ``mark`` (from :meth:`remember`) marks the document as read, in the same round trip."""
        return self.page.evaluate(_READ_JS, [[list(spec) for spec in specs], mark])

    def rows(self, row_selector: str, field_row: str = "", field_value: str = "") -> list[dict[str, Any]]:
        """Every row: ``data`` (its data-* attributes, camelCase), ``cells`` (by data-test: text and
        data-value) and ``fields`` (``field_row`` sub-rows by data-field -> ``field_value``'s data-value)."""
        return self.page.evaluate(_ROWS_JS, [row_selector, field_row, field_value])
