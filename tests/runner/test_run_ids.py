"""Run ids are never CPR-shaped, whatever the time of day and the random part."""

from __future__ import annotations

from datetime import datetime

from rpa_core.privacy import contains_cpr
from rpa_core.runner import records
from rpa_core.runner.records import COPENHAGEN, new_run_id


def test_a_cpr_shaped_random_part_is_drawn_again(monkeypatch) -> None:
    draws = iter(["1538a6", "0000ff", "a1538b"])
    monkeypatch.setattr(records.secrets, "token_hex", lambda n: next(draws))
    at = datetime(2026, 12, 1, 16, 6, 26, tzinfo=COPENHAGEN)  # 160626 reads as 16 June 1926

    assert new_run_id(at) == "20261201-160626-a1538b"


def test_run_ids_at_every_minute_of_a_day_hold_no_cpr() -> None:
    day = datetime(2026, 6, 1, tzinfo=COPENHAGEN)
    ids = [new_run_id(day.replace(hour=h, minute=m, second=m % 60)) for h in range(24) for m in range(60)]

    assert not [run_id for run_id in ids if contains_cpr(run_id)]
    assert all(run_id.startswith("20260601-") for run_id in ids)
