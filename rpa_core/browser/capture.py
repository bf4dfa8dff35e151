"""Failure artifacts of one page: a screenshot and the HTML, with CPR numbers, names and secrets masked.

File names pass through ``mask_text`` (secrets, registered names, CPR) and lose every character that is not safe
on Windows and POSIX. Each web adapter declares the elements that show a citizen's name (``NAME_SELECTORS`` of its
selectors module, CSS): in the HTML copy their text is ``[navn]``, and the whole copy passes ``mask_text``. The
screenshot cannot be masked as text, so every element that holds a CPR number or a registered name, or matches a
declared selector, is covered by a solid box while the screenshot is taken.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from rpa_core.privacy import NAME_TOKEN, SECRET_TOKEN, mask_text
from rpa_core.privacy.cpr import CPR_PATTERN
from rpa_core.privacy.registry import REGISTRY

if TYPE_CHECKING:  # pragma: no cover
    from playwright.sync_api import Page

MASK_ATTRIBUTE = "data-rpa-cpr-mask"
MASK_COLOR = "#404040"
SCREENSHOT_TIMEOUT_MS = 10_000
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
# The Python pattern in JavaScript syntax (named groups are written (?<name>...) there).
_JS_CPR_PATTERN = CPR_PATTERN.pattern.replace("(?P<", "(?<")

_MARK_SCRIPT = """([pattern, attribute, selectors, names]) => {
  const cpr = new RegExp(pattern);
  const lowered = names.map((name) => name.toLowerCase());
  const hasName = (text) => {
    const plain = (text || "").replace(/\\s+/g, " ").toLowerCase();
    return lowered.some((name) => plain.includes(name));
  };
  let marked = 0;
  const mark = (element) => {
    if (element && !element.hasAttribute(attribute)) { element.setAttribute(attribute, ""); marked++; }
  };
  const root = document.body || document.documentElement;
  if (!root) return 0;
  for (const selector of selectors) {
    try { document.querySelectorAll(selector).forEach(mark); } catch (e) { /* not CSS: skipped */ }
  }
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const text = walker.currentNode.nodeValue;
    if (cpr.test(text) || hasName(text)) mark(walker.currentNode.parentElement);
  }
  for (const field of document.querySelectorAll("input, textarea")) {
    if (cpr.test(field.value || "") || hasName(field.value)) mark(field);
  }
  return marked;
}"""
# The document as page.content() serialises it, from a copy whose declared name elements read [navn].
_CONTENT_SCRIPT = """([selectors, token]) => {
  const copy = document.documentElement.cloneNode(true);
  for (const selector of selectors) {
    let found = [];
    try { found = copy.querySelectorAll(selector); } catch (e) { continue; }
    for (const element of found) {
      if (element.hasAttribute("value")) element.setAttribute("value", token);
      else element.textContent = token;
    }
  }
  const doctype = document.doctype ? new XMLSerializer().serializeToString(document.doctype) : "";
  return doctype + copy.outerHTML;
}"""
_UNMARK_SCRIPT = """(attribute) => {
  for (const element of document.querySelectorAll(`[${attribute}]`)) element.removeAttribute(attribute);
}"""


_declared: set[str] = set()
_declared_lock = threading.Lock()


def declare_name_selectors(selectors: Iterable[str]) -> None:
    """Declare CSS selectors of elements that show a citizen's name (a web adapter does, for its system's pages).
    They apply to every page this process captures: an id of one system matches nothing on another's pages."""
    with _declared_lock:
        _declared.update(selector for selector in selectors if selector)


def name_selectors() -> tuple[str, ...]:
    """The declared name selectors, sorted."""
    with _declared_lock:
        return tuple(sorted(_declared))


def safe_name(text: str, limit: int = 60) -> str:
    """``text`` as part of a file name: masked (``mask_text``; a secret reads ``SECRET``, a name ``NAVN``), only
    ``A-Za-z0-9._-``, at most ``limit`` characters.

    Masked before the unsafe characters go (a name or secret is still whole then) and again after (what the
    replacement joined)."""
    masked = mask_text(text or "").replace(SECRET_TOKEN, "SECRET").replace(NAME_TOKEN, "NAVN")
    masked = _UNSAFE.sub("_", masked).strip("._-")
    return _UNSAFE.sub("_", mask_text(masked[:limit].rstrip("._-"))).strip("._-") or "page"


def failure_stem(label: str, system: str, number: int, pid: int, now: datetime | None = None) -> str:
    """The common part of a failure's file names: time, process, sequence number, label and system.

    The process id and the number keep names unique when several workers write into one run folder.
    """
    stamp = (now or datetime.now()).strftime("%Y%m%d-%H%M%S")
    return f"{stamp}-p{pid}-{number:02d}-{safe_name(label, 80)}-{safe_name(system, 30)}"


def mark_cpr_elements(page: Page) -> int:
    """Mark the elements that show a CPR number or a registered name, or match a declared name selector (for the
    screenshot's mask); returns how many."""
    return int(page.evaluate(_MARK_SCRIPT, [_JS_CPR_PATTERN, MASK_ATTRIBUTE, list(name_selectors()), REGISTRY.names()]))


def unmark_cpr_elements(page: Page) -> None:
    """Remove the marks again, so the page is as the robot left it."""
    page.evaluate(_UNMARK_SCRIPT, MASK_ATTRIBUTE)


def save_screenshot(page: Page, path: Path) -> Path:
    """A full-page PNG with every element that shows a CPR number or a name covered."""
    marked = mark_cpr_elements(page)
    try:
        mask = [page.locator(f"[{MASK_ATTRIBUTE}]")] if marked else []
        page.screenshot(path=str(path), full_page=True, mask=mask, mask_color=MASK_COLOR, timeout=SCREENSHOT_TIMEOUT_MS)
    finally:
        if marked:
            unmark_cpr_elements(page)
    return path


def save_html(page: Page, path: Path) -> Path:
    """The page's current HTML (the DOM as it is now) as UTF-8: declared name elements read ``[navn]``, and
    secrets, registered names and CPR numbers are masked in the rest."""
    selectors = list(name_selectors())
    content = page.evaluate(_CONTENT_SCRIPT, [selectors, NAME_TOKEN]) if selectors else page.content()
    path.write_text(mask_text(content), encoding="utf-8")
    return path
