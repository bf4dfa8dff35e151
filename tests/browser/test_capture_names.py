"""Failure captures mask citizens' names as well as CPR numbers: on the sandbox's pages in real headless Chromium,
the HTML file holds neither, and the screenshot is taken with mask locators over the name elements."""

from __future__ import annotations

import re

import pytest

from rpa_core.browser import BrowserSession
from rpa_core.browser.capture import MASK_ATTRIBUTE, name_selectors, safe_name
from rpa_core.privacy import contains_cpr
from rpa_core.privacy.registry import REGISTRY
from rpa_core.systems.web import YdelseWeb
from rpa_core.systems.web.selectors import ydelse as ydelse_selectors

EXTRA_NAME = "Maren Kirstine Poulsen"


@pytest.fixture(autouse=True)
def empty_registry():
    REGISTRY.clear()
    yield
    REGISTRY.clear()


def _spy_on_screenshots(page) -> list[list[str]]:
    """Record, for each screenshot, what its mask locators cover (read while the page is marked)."""
    seen: list[list[str]] = []
    original = page.screenshot

    def screenshot(**options):
        covered = []
        for locator in options.get("mask") or []:
            covered += locator.evaluate_all("els => els.map(e => e.id || e.dataset.test || e.tagName)")
        seen.append(covered)
        return original(**options)

    page.screenshot = screenshot
    return seen


def test_names_and_cpr_are_masked_in_capture_html_and_covered_in_the_screenshot(
    sandbox, sandbox_login, in_own_thread, tmp_path
):
    outcome = next(iter(sandbox.expected()["outcomes"]))
    payment_id, cpr = outcome["payment_id"], outcome["cpr"]

    def scenario() -> tuple[list, list, str, list[str]]:
        session = BrowserSession(artifacts_dir=tmp_path)
        try:
            page = session.page("ydelse")
            user, password = sandbox.logins["ydelse"]
            YdelseWeb(page, sandbox.url("/ydelse"), user, password)  # the adapter declares its name selectors
            REGISTRY.clear()  # the declared selectors alone must hide the name
            sandbox_login(page, sandbox, "ydelse")
            page.goto(sandbox.url(f"/ydelse/betalinger/{payment_id}"))
            name = page.inner_text(ydelse_selectors.CITIZEN_NAME)
            seen = _spy_on_screenshots(page)
            files = session.capture_failure(f"Payment {cpr}")  # names in file names: test_safe_name
            assert page.inner_text(ydelse_selectors.CITIZEN_NAME) == name, "the page is left as it was"
            assert page.locator(f"[{MASK_ATTRIBUTE}]").count() == 0

            page.goto(sandbox.url("/ydelse/betalinger"))
            list_names = page.locator("[data-test=name]").all_inner_texts()
            REGISTRY.add_name(EXTRA_NAME)  # a registered name in an element no selector declares
            page.evaluate(f"document.body.insertAdjacentHTML('beforeend', '<p id=\"extra\">Til {EXTRA_NAME}</p>')")
            files += session.capture_failure("list")
            return files, seen, name, list_names
        finally:
            session.close()

    files, seen, name, list_names = in_own_thread(scenario)
    assert set(ydelse_selectors.NAME_SELECTORS) <= set(name_selectors())
    assert name and len(list_names) > 1
    payment_html, list_html = (f.read_text(encoding="utf-8") for f in files if f.suffix == ".html")
    assert payment_id in payment_html and f"{cpr[:6]}-XXXX" in payment_html
    assert name not in payment_html and '<span id="citizen-name" data-test="citizen-name">[navn]</span>' in payment_html
    for citizen in list_names:
        assert citizen not in list_html, citizen
    assert EXTRA_NAME not in list_html and "Til [navn]" in list_html
    for html in (payment_html, list_html):
        assert not contains_cpr(html)
    for file in files:
        assert not re.search(r"\d{6}-?\d{4}(?!\d)", file.name), file.name
    payment_shot, list_shot = seen
    assert {"citizen-name", "citizen-cpr"} <= set(payment_shot), payment_shot
    assert list_shot.count("name") == len(list_names) and "extra" in list_shot, list_shot


def test_safe_name_masks_secrets_and_names():
    REGISTRY.add_secret("Kodeord-99")
    REGISTRY.add_name("Jens Hansen")
    assert safe_name("login Kodeord-99 for Jens Hansen 3110654264") == "login_SECRET_for_NAVN_311065-XXXX"
