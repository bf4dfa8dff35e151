"""Sandbox benchmark: generation time for 10,000 citizens and p50/p95 latency per page type.

Prints figures and ratios against baselines measured in the same run: generation against 1,000 citizens
(how it scales), each page against ``/health`` (the server's floor), and the 10,000-citizen server against a
50-citizen one (the list stays paginated and fast however many payments there are).

    .venv/bin/python benchmarks/sandbox_latency.py [--citizens 10000] [--requests 200]
"""

from __future__ import annotations

import argparse
import gc
import statistics
import time
from collections.abc import Callable

import httpx

from rpa_core.sandbox.generator import GeneratorConfig, generate
from rpa_core.sandbox.testing import Sandbox, start_sandbox
from rpa_core.sandbox.workbook import stamdata_bytes


def timed(fn: Callable[[], object]) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def percentiles(samples: list[float]) -> tuple[float, float, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return statistics.median(ordered) * 1000, p95 * 1000, ordered[-1] * 1000


def logged_in(box: Sandbox, system: str) -> httpx.Client:
    c = httpx.Client(base_url=box.base_url, timeout=30)
    user, password = box.logins[system]
    c.post(f"/{system}/login", data={"username": user, "password": password})
    return c


def page_types(box: Sandbox) -> dict[str, Callable[[], httpx.Response]]:
    outcome = next(o for o in box.expected()["outcomes"] if o["outcome"] == "CALCULATED")
    cpr, pid, case = outcome["cpr"], outcome["payment_id"], outcome["case_number"]
    ydelse, indkomst, esdh = (logged_in(box, s) for s in ("ydelse", "indkomst", "esdh"))
    api = httpx.Client(base_url=box.base_url, headers=box.api_headers, timeout=30)
    last = -(-len(box.payments()) // 13)
    return {
        "health (baseline)": lambda: api.get("/health"),
        "ydelse list, page 1": lambda: ydelse.get("/ydelse/betalinger?status=alle"),
        "ydelse list, last page": lambda: ydelse.get(f"/ydelse/betalinger?status=alle&side={last}"),
        "ydelse list, filtered": lambda: ydelse.get("/ydelse/betalinger?enhed=FLEKS&ydelse=FLT&side=2"),
        "ydelse payment page": lambda: ydelse.get(f"/ydelse/betalinger/{pid}"),
        "ydelse CPR search": lambda: ydelse.post("/ydelse/betalinger/soeg", data={"cpr": cpr}),
        "indkomst payslip page": lambda: indkomst.post("/indkomst/opslag", data={"cpr": cpr, "month": "2024-10"}),
        "indkomst JSON API": lambda: api.post("/indkomst/api/v1/opslag", json={"cpr": cpr, "month": "2024-10"}),
        "esdh case page": lambda: esdh.get(f"/esdh/sager/{case}"),
        "esdh notes JSON API": lambda: api.get(f"/esdh/api/v1/sager/{case}/notater"),
    }


def measure(box: Sandbox, requests: int) -> dict[str, tuple[float, float, float]]:
    results = {}
    for name, call in page_types(box).items():
        for _ in range(5):  # warm up
            assert call().status_code == 200, name
        samples = []
        for _ in range(requests):
            started = time.perf_counter()
            response = call()
            samples.append(time.perf_counter() - started)
            assert response.status_code == 200, name
        results[name] = percentiles(samples)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--citizens", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()

    small = min(1_000, args.citizens)
    base_gen = min(timed(lambda: generate(GeneratorConfig(citizens=small))) for _ in range(3))
    data = None

    def full() -> None:
        nonlocal data
        data = generate(GeneratorConfig(citizens=args.citizens))

    gen = min(timed(full) for _ in range(3))
    book = timed(lambda: stamdata_bytes(data))
    payments = len(data.payments)
    print(f"Generation: {args.citizens} citizens {gen:.2f} s (best of 3); {small} citizens {base_gen:.3f} s; "
          f"ratio {gen / base_gen:.1f}x for {args.citizens / small:.0f}x the citizens")  # fmt: skip
    print(f"stamdata.xlsx for {args.citizens} citizens: {book:.2f} s; generation + workbook {gen + book:.2f} s "
          f"(target < 60 s)")  # fmt: skip

    big = start_sandbox(citizens=args.citizens)
    baseline_box = start_sandbox(citizens=50)
    data = None
    gc.collect()
    gc.freeze()  # as `rpa sandbox serve` does: the long-lived data stays out of full GC passes
    try:
        results = measure(big, args.requests)
        baseline = measure(baseline_box, max(50, args.requests // 4))
    finally:
        big.server.stop()
        baseline_box.server.stop()
    floor = results["health (baseline)"][0]
    print(f"\nLatency over HTTP on 127.0.0.1, {args.requests} requests each, {args.citizens} citizens "
          f"({payments} payments, {-(-payments // 13)} list pages):")  # fmt: skip
    print(f"{'page type':<26}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}{'p50/health':>12}{'p50 vs 50 citizens':>20}")
    for name, (p50, p95, worst) in results.items():
        small_p50 = baseline[name][0]
        print(f"{name:<26}{p50:>9.2f}{p95:>9.2f}{worst:>9.2f}{p50 / floor:>11.1f}x{p50 / small_p50:>19.2f}x")


if __name__ == "__main__":
    main()
