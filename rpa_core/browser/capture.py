"""Failure artifacts of one page: a screenshot and the HTML, with CPR numbers masked.

File names pass through ``mask_cpr`` and lose every character that is not safe on Windows and POSIX. The HTML
is masked with the same function. The screenshot cannot be masked as text, so every element whose text (or
input value) holds a CPR number is covered by a solid box while the screenshot is taken.
"""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from rpa_core.privacy import mask_cpr
from rpa_core.privacy.cpr import CPR_PATTERN

if TYPE_CHECKING:  # pragma: no cover
    from playwright.sync_api import Page

MASK_ATTRIBUTE = "data-rpa-cpr-mask"
MASK_COLOR = "#404040"
SCREENSHOT_TIMEOUT_MS = 10_000
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
# The Python pattern in JavaScript syntax (named groups are written (?<name>...) there).
_JS_CPR_PATTERN = CPR_PATTERN.pattern.replace("(?P<", "(?<")

_MARK_SCRIPT = """([pattern, attribute]) => {
  const cpr = new RegExp(pattern);
  let marked = 0;
  const mark = (element) => {
    if (element && !element.hasAttribute(attribute)) { element.setAttribute(attribute, ""); marked++; }
  };
  const root = document.body || document.documentElement;
  if (!root) return 0;
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    if (cpr.test(walker.currentNode.nodeValue)) mark(walker.currentNode.parentElement);
  }
  for (const field of document.querySelectorAll("input, textarea")) {
    if (cpr.test(field.value || "")) mark(field);
  }
  return marked;
}"""
_UNMARK_SCRIPT = """(attribute) => {
  for (const element of document.querySelectorAll(`[${attribute}]`)) element.removeAttribute(attribute);
}"""


def safe_name(text: str, limit: int = 60) -> str:
    """``text`` as part of a file name: CPR masked, only ``A-Za-z0-9._-``, at most ``limit`` characters."""
    masked = _UNSAFE.sub("_", mask_cpr(text or "")).strip("._-")
    return mask_cpr(masked[:limit].rstrip("._-")) or "page"


def failure_stem(label: str, system: str, number: int, pid: int, now: datetime | None = None) -> str:
    """The common part of a failure's file names: time, process, sequence number, label and system.

    The process id and the number keep names unique when several workers write into one run folder.
    """
    stamp = (now or datetime.now()).strftime("%Y%m%d-%H%M%S")
    return f"{stamp}-p{pid}-{number:02d}-{safe_name(label, 80)}-{safe_name(system, 30)}"


def mark_cpr_elements(page: Page) -> int:
    """Mark the elements that show a CPR number (for the screenshot's mask); returns how many."""
    return int(page.evaluate(_MARK_SCRIPT, [_JS_CPR_PATTERN, MASK_ATTRIBUTE]))


def unmark_cpr_elements(page: Page) -> None:
    """Remove the marks again, so the page is as the robot left it."""
    page.evaluate(_UNMARK_SCRIPT, MASK_ATTRIBUTE)


def save_screenshot(page: Page, path: Path) -> Path:
    """A full-page PNG with every element that shows a CPR number covered."""
    marked = mark_cpr_elements(page)
    try:
        mask = [page.locator(f"[{MASK_ATTRIBUTE}]")] if marked else []
        page.screenshot(path=str(path), full_page=True, mask=mask, mask_color=MASK_COLOR, timeout=SCREENSHOT_TIMEOUT_MS)
    finally:
        if marked:
            unmark_cpr_elements(page)
    return path


def save_html(page: Page, path: Path) -> Path:
    """The page's current HTML (the DOM as it is now), CPR masked, as UTF-8."""
    path.write_text(mask_cpr(page.content()), encoding="utf-8")
    return path
