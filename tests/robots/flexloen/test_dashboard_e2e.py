"""Issue 15: the operator dashboard in headless Chromium over a real fleksløn run.

Once for the module: a sandbox of 10 fictitious citizens, some of them cases for a caseworker, one run of the
fleksløn robot into a SQLite store, and the dashboard served for real by uvicorn on a free localhost port, with an
operator and a viewer. The dashboard runs as ``rpa dashboard serve`` does, in a process that never ran the robot:
the privacy registry the run filled (its citizens' names, its secrets) is emptied before it serves, so only what the
dashboard masks by itself keeps personal data off its pages.

Then in Chromium: the operator logs in through the form, sees the run with its counts and the "Items per night"
chart (one ``g.mark`` per night, 30), opens the run and a business exception, requeues it (PENDING, in the audit);
the operations pages render. The viewer sees no requeue form and a POST of it is refused (403). Full-page
screenshots of the main pages go to ``test-artifacts/dashboard/`` (1280 px, and /runs and /manual at 1024 px), to be
looked at. Every list page's HTML (and every item's) is searched for the citizens' CPR numbers (with or without the
dash), names and addresses and for the sandbox's passwords and API key.
"""

from __future__ import annotations

import html
import re
import socket
import threading
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import ROBOT_DIR, run_flexloen

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ARTIFACTS = Path(__file__).resolve().parents[3] / "test-artifacts" / "dashboard"
PASSWORD = "e2e dashboard password 15"
OPERATOR, VIEWER = "olga", "vera"
# Cases a caseworker must see: 2 with two employers, 1 missing from the master data, 1 corrected income.
SHARES = {"MULTIPLE_EMPLOYERS": 0.2, "MISSING_MASTER_DATA": 0.1, "INCOME_CORRECTION": 0.1}
WIDE, NARROW = {"width": 1280, "height": 900}, {"width": 1024, "height": 900}
QUEUE = "flexloen"


@dataclass
class Deployed:
    base_url: str
    store: object
    sandbox: object
    citizens: list
    run_id: str
    counts: dict[str, int]
    secrets: dict[str, str]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def deployed(tmp_path_factory):
    import uvicorn

    from rpa_core.dashboard.app import create_app
    from rpa_core.dashboard.users import add_user
    from rpa_core.privacy.registry import REGISTRY
    from rpa_core.sandbox.testing import start_sandbox
    from rpa_core.scheduler.robots import load_scheduled
    from rpa_core.store import open_store

    tmp = tmp_path_factory.mktemp("dashboard-e2e")
    sandbox = start_sandbox(citizens=10, shares=SHARES)
    store = open_store(f"sqlite:///{(tmp / 'store.db').as_posix()}")
    server = thread = None
    try:
        result = run_flexloen(sandbox, tmp / "work", store)
        assert result.exit_code == 0, result
        assert result.counts.get("DONE", 0) >= 3 and result.counts.get("BUSINESS_EXCEPTION", 0) >= 3, result.counts
        REGISTRY.clear()  # the dashboard's process never ran the robot: it knows no name or secret of the run
        add_user(store, OPERATOR, "operator", PASSWORD)
        add_user(store, VIEWER, "viewer", PASSWORD)

        port = _free_port()
        app = create_app(store, robots=load_scheduled([f"{ROBOT_DIR}@skanderborg"]))
        server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
        thread = threading.Thread(target=server.run, name="dashboard", daemon=True)
        thread.start()
        deadline = time.monotonic() + 20
        while not server.started:
            assert thread.is_alive() and time.monotonic() < deadline, "the dashboard did not start"
            time.sleep(0.05)

        citizens = list(sandbox.server.app.state.sandbox.data.citizens.values())
        secrets = {f"{system} password": login[1] for system, login in sandbox.logins.items()}
        secrets |= {"api key": sandbox.api_key, "dashboard password": PASSWORD}
        yield Deployed(f"http://127.0.0.1:{port}", store, sandbox, citizens, result.run_id, result.counts, secrets)
    finally:
        if server is not None:
            server.should_exit = True
            thread.join(10)
        store.close()
        sandbox.server.stop()


def logged_in(browser, deployed: Deployed, name: str, viewport=WIDE):
    """A new context whose page has logged in as ``name`` through the login form."""
    context = browser.new_context(viewport=viewport, base_url=deployed.base_url)
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.goto("/runs")
    assert "/login" in page.url, "a page without a session goes to the login"
    page.fill("input[name=name]", name)
    page.fill("input[name=password]", PASSWORD)
    page.click("button:text('Log in')")
    page.wait_for_url("**/runs")
    assert page.locator(".who").inner_text() == f"{name} ({'operator' if name == OPERATOR else 'viewer'})"
    return context, page


@pytest.fixture
def operator(browser, deployed):
    context, page = logged_in(browser, deployed, OPERATOR)
    yield page
    context.close()


@pytest.fixture
def viewer(browser, deployed):
    context, page = logged_in(browser, deployed, VIEWER)
    yield page
    context.close()


def items_by_state(store) -> dict[str, list]:
    from rpa_core.queue import list_items

    found: dict[str, list] = {}
    for item in list_items(store, queue=QUEUE, limit=10_000):
        found.setdefault(item.state.value, []).append(item)
    return found


def business_exception(store):
    """The oldest item still for a caseworker."""
    return min(items_by_state(store)["BUSINESS_EXCEPTION"], key=lambda item: item.id)


# --- the operator -------------------------------------------------------------------------------------------------


def test_the_runs_page_lists_last_nights_run_with_its_counts_and_a_chart_of_30_nights(operator, deployed):
    states = Counter({state: len(items) for state, items in items_by_state(deployed.store).items()})
    row = operator.locator(f'tr[data-run="{deployed.run_id}"]')
    assert row.count() == 1
    shown = {name: int(row.locator(f"td.count-{name}").inner_text()) for name in ("done", "manual", "errors", "open")}
    assert shown == {
        "done": states["DONE"],
        "manual": states["BUSINESS_EXCEPTION"],
        "errors": states["APPLICATION_ERROR"] + states["ABANDONED"],
        "open": states["PENDING"] + states["IN_PROGRESS"],
    }
    assert shown["done"] == deployed.counts["DONE"] and shown["done"] + shown["manual"] + shown["open"] >= 10
    assert "skanderborg" in row.inner_text() and row.locator(".badge").inner_text() == "SUCCEEDED"

    chart = operator.locator("#chart-nights svg")
    assert chart.count() == 1 and chart.is_visible()
    box = chart.bounding_box()
    assert box["width"] > 400 and box["height"] > 100, box
    marks = chart.locator("g.mark")
    assert marks.count() == 30
    tonight = marks.nth(29).locator("title").text_content()
    assert f"done: {deployed.counts['DONE']}" in tonight, tonight
    assert marks.nth(29).locator("rect").count() >= 2, "tonight's column has its done and manual bars"
    assert operator.locator("#chart-durations svg g.mark").count() == 1


def test_the_operator_opens_the_run_and_an_item_and_requeues_it(operator, deployed):
    operator.click(f'a[href="/runs/{deployed.run_id}"]')
    operator.wait_for_url(f"**/runs/{deployed.run_id}")
    assert operator.locator("h1").inner_text().startswith(f"Run {deployed.run_id}")
    steps = operator.locator("table.steps tbody tr td:first-child").all_inner_texts()
    assert steps[0] == "producer" and "consumer" in steps and steps[-1] == "reporter", steps
    assert operator.locator("table.items tbody tr").count() == sum(deployed.counts.values())

    operator.goto("/queue?state=BUSINESS_EXCEPTION")
    links = operator.locator("table tbody tr td.num a")
    assert links.count() == len(items_by_state(deployed.store)["BUSINESS_EXCEPTION"])
    target = int(links.last.inner_text())  # the oldest (last updated first)
    links.last.click()
    operator.wait_for_url(f"**/queue/{target}")
    assert operator.locator("h1 .badge").inner_text() == "BUSINESS_EXCEPTION"
    assert operator.locator(f'form[action="/queue/{target}/requeue"]').count() == 1

    form = operator.locator(f'form[action="/queue/{target}/requeue"]')
    form.locator("input[name=reason]").fill("stamdata rettet af sagsbehandler")
    form.locator("button").click()
    operator.wait_for_url(f"**/queue/{target}?done=requeued")
    assert "Requeued" in operator.locator(".flash").inner_text()
    assert operator.locator("h1 .badge").inner_text() == "PENDING"
    assert operator.locator("dl.facts dd").nth(2).inner_text() == "PENDING"
    assert any(item.id == target for item in items_by_state(deployed.store)["PENDING"])

    operator.goto("/audit")
    entries = operator.locator("table.audit tbody tr")
    texts = [entries.nth(n).inner_text() for n in range(entries.count())]
    mine = [text for text in texts if f"item {target}" in text]
    assert mine and OPERATOR in mine[0] and "requeue" in mine[0] and "stamdata rettet" in mine[0], texts


def test_the_manual_schedules_savings_and_workers_pages_render(operator, deployed):
    operator.goto("/manual")
    reasons = operator.locator("section.reason")
    chart = operator.locator("figure.chart svg")
    assert chart.count() == 1 and chart.is_visible() and chart.bounding_box()["height"] > 100
    assert reasons.count() >= 2 and chart.locator("g.mark").count() == reasons.count()
    codes = Counter(item.last_code for item in items_by_state(deployed.store)["BUSINESS_EXCEPTION"])
    headings = " | ".join(operator.locator("section.reason h2").all_inner_texts())
    for code, count in codes.items():
        assert f"{code} · {count} sag" in headings, (code, headings)

    operator.goto("/schedules")
    section = operator.locator("section.robot-schedules")
    assert section.locator("h2").inner_text() == "flexloen/skanderborg"
    payments = section.locator("tbody tr", has=operator.locator("td:text-is('payments')"))
    assert payments.count() == 1
    times = payments.locator("td").nth(3).locator("div").all_inner_texts()
    assert len(times) >= 3 and all(re.fullmatch(r"\d{4}-\d\d-\d\d\xa006:00\+0[12]:00", t) for t in times), times
    assert section.locator("form.run-now").count() == 1, "an operator may start a run now"

    operator.goto("/savings")
    saving = operator.locator("section.robot-savings")
    assert saving.count() == 1 and "7 minutes per case" in saving.inner_text()
    assert saving.locator("svg").count() == 1 and saving.locator("svg g.mark").count() >= 1
    assert saving.locator("tfoot th.num").first.inner_text() == str(deployed.counts["DONE"])

    operator.goto("/workers")
    ended = operator.locator("table.steps-ended tbody tr")
    assert ended.count() >= 3
    assert {ended.nth(n).locator("td").nth(2).inner_text() for n in range(ended.count())} >= {
        "producer",
        "consumer",
        "reporter",
    }
    assert operator.locator(f'table.steps-ended a[href="/runs/{deployed.run_id}"]').count() >= 3


# --- the viewer ---------------------------------------------------------------------------------------------------


def test_a_viewer_sees_no_requeue_form_and_its_post_is_refused(viewer, deployed):
    target = business_exception(deployed.store)
    viewer.goto(f"/queue/{target.id}")
    assert viewer.locator("h1 .badge").inner_text() == "BUSINESS_EXCEPTION"
    assert viewer.locator("form[action$='/requeue']").count() == 0
    assert viewer.locator("form[action$='/abandon'], form[action$='/handled']").count() == 0
    assert "Actions" not in viewer.locator("h2").all_inner_texts()

    token = viewer.locator("form.logout input[name=csrf_token]").get_attribute("value")
    assert token and len(token) > 20
    refused = viewer.request.post(
        f"/queue/{target.id}/requeue", form={"csrf_token": token, "reason": "viewer tries"}, max_redirects=0
    )
    assert refused.status == 403, refused.status
    assert "needs the operator role" in refused.text()
    viewer.reload()
    assert viewer.locator("h1 .badge").inner_text() == "BUSINESS_EXCEPTION", "nothing happened"
    assert viewer.request.get("/audit").status == 403, "the audit log is for operators"


# --- screenshots --------------------------------------------------------------------------------------------------


def overflow(page) -> list[str]:
    """What is wider than its room: the page (it scrolls sideways) or a table in its ``.scroll`` box (its right
    columns are hidden until scrolled to), so the report can name it."""
    return page.evaluate(
        """() => {
        const found = [];
        const root = document.documentElement;
        if (root.scrollWidth > root.clientWidth) found.push(`page ${root.scrollWidth} px wide in ${root.clientWidth}`);
        for (const box of document.querySelectorAll('.scroll')) {
            if (box.scrollWidth > box.clientWidth + 1) {
                const table = box.querySelector('table');
                const name = table ? 'table' + (table.className ? '.' + table.className : '') : 'box';
                found.push(`${name} ${box.scrollWidth} px wide in ${box.clientWidth}`);
            }
        }
        return found;
    }"""
    )


def test_screenshots_of_the_main_pages(browser, deployed):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    item = business_exception(deployed.store)
    wide = {
        "runs": "/runs",
        "run": f"/runs/{deployed.run_id}",
        "queue": "/queue",
        "item": f"/queue/{item.id}",
        "manual": "/manual",
        "schedules": "/schedules",
        "workers": "/workers",
        "savings": "/savings",
        "audit": "/audit",
    }
    problems: dict[str, list[str]] = {}
    for viewport, pages in ((WIDE, wide), (NARROW, {"runs": "/runs", "manual": "/manual"})):
        context, page = logged_in(browser, deployed, OPERATOR, viewport)
        try:
            for name, path in pages.items():
                response = page.goto(path)
                assert response.status == 200, (path, response.status)
                shot = ARTIFACTS / f"{name}-{viewport['width']}.png"
                page.screenshot(path=str(shot), full_page=True)
                assert shot.stat().st_size > 10_000, shot
                sticking_out = overflow(page)
                if sticking_out:
                    problems[shot.name] = sticking_out
        finally:
            context.close()
    print(f"screenshots in {ARTIFACTS}; horizontal overflow: {problems or 'none'}")


# --- privacy ------------------------------------------------------------------------------------------------------


def needles(deployed: Deployed) -> list[tuple[str, re.Pattern[str]]]:
    """(label, pattern) for each citizen's CPR number (with or without the dash), name and address, and each
    secret; a label never shows a CPR's serial or a secret's value."""
    from rpa_core.privacy import mask_cpr

    found = [(label, re.compile(re.escape(value))) for label, value in deployed.secrets.items()]
    for citizen in deployed.citizens:
        date, serial = citizen.cpr[:6], citizen.cpr[-4:]
        found.append((f"cpr {mask_cpr(citizen.cpr)}", re.compile(rf"(?<!\d){date}[- ]?{serial}(?!\d)")))
        for kind, text in (("name", citizen.name), ("address", citizen.address)):
            words = r"\W+".join(re.escape(word) for word in re.findall(r"\w+", text))
            found.append((f"{kind} {text}", re.compile(rf"(?<!\w){words}(?!\w)", re.IGNORECASE)))
    return found


def hits_in(text: str, patterns) -> list[str]:
    forms = {text, html.unescape(text)}
    return [label for label, pattern in patterns if any(pattern.search(form) for form in forms)]


def every_page(page, first: str) -> list[str]:
    """``first`` and every page its pager's "older" link leads to."""
    paths, path = [], first
    while path and len(paths) < 100:
        paths.append(path)
        page.goto(path)
        older = page.locator("nav.pager a", has_text="older")
        path = older.first.get_attribute("href") if older.count() else None
        if path and path.startswith("?"):
            path = first.split("?")[0] + path
    return paths


def test_no_cpr_number_name_or_secret_in_any_list_page(operator, deployed):
    patterns = needles(deployed)
    citizen = deployed.citizens[0]
    probes = [citizen.cpr, citizen.cpr.replace("-", ""), citizen.name.upper(), html.escape(f"<b>{citizen.name}</b>")]
    assert all(hits_in(probe, patterns) for probe in [*probes, *deployed.secrets.values()]), "the search sees a leak"

    queue_pages = every_page(operator, "/queue")
    run_pages = every_page(operator, f"/runs/{deployed.run_id}")
    lists = ["/runs", *run_pages, *queue_pages, "/manual", "/schedules", "/workers", "/savings", "/audit"]
    items = [f"/queue/{item.id}" for items in items_by_state(deployed.store).values() for item in items]
    leaks: dict[str, list[str]] = {}
    masked = 0
    for path in [*lists, *items]:
        raw = operator.request.get(path)
        assert raw.status == 200, (path, raw.status)
        operator.goto(path)
        for where, text in ((f"{path} (HTML)", raw.text()), (f"{path} (DOM)", operator.content())):
            masked += len(re.findall(r"\b\d{6}-XXXX\b", text))
            found = hits_in(text, patterns)
            if found:
                leaks[where] = found
    assert len(queue_pages) >= 1 and len(items) >= 10
    print(f"searched {len(lists)} list pages and {len(items)} item pages; masked CPR numbers seen: {masked}")
    assert not leaks, leaks
