"""The scheduler's clock: the real one, or one that starts at a chosen time and may run faster.

``RPA_SCHEDULER_CLOCK="2026-12-02T02:29:00+01:00"`` starts the clock at that time; ``...,x60`` also makes a
minute pass in a second; ``...,x60,since=UNIXTIME`` says at which real time the clock showed that time (so that
several schedulers share one clock). It is for tests and rehearsals ("what does the scheduler do on 24
December?"), never for production: the scheduler says so on its first line when it is set.
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta

from rpa_core.errors import ConfigError

CLOCK_VARIABLE = "RPA_SCHEDULER_CLOCK"


class Clock:
    """Real time."""

    label = ""

    def now(self) -> datetime:
        """The time now, aware, in UTC."""
        return datetime.now(UTC)

    def real_seconds(self, seconds: float) -> float:
        """How long ``seconds`` of this clock's time take in real time."""
        return seconds

    def sleep(self, seconds: float) -> None:
        time.sleep(max(0.0, self.real_seconds(seconds)))


class ShiftedClock(Clock):
    """A clock that started at ``start`` when it was made, running ``speed`` times as fast as real time."""

    def __init__(self, start: datetime, speed: float = 1.0, since: float | None = None) -> None:
        self._start = start.astimezone(UTC)
        self._origin = time.time() if since is None else since
        self.speed = speed
        self.label = f"{CLOCK_VARIABLE}: clock starts at {start.isoformat()}, {speed:g}x real time"

    def now(self) -> datetime:
        return self._start + timedelta(seconds=(time.time() - self._origin) * self.speed)

    def real_seconds(self, seconds: float) -> float:
        return seconds / self.speed


def clock_from_env(environ: Mapping[str, str] | None = None) -> Clock:
    """``RPA_SCHEDULER_CLOCK``'s clock, or the real one when it is not set."""
    raw = (os.environ if environ is None else environ).get(CLOCK_VARIABLE, "").strip()
    if not raw:
        return Clock()
    text, *options = (part.strip() for part in raw.split(","))
    start, speed, since = None, 1.0, None
    try:
        start = datetime.fromisoformat(text)
        for option in options:
            if option.startswith("since="):
                since = float(option.removeprefix("since="))
            else:
                speed = float(option.removeprefix("x"))
    except ValueError:
        start = None
    if start is None or start.tzinfo is None or not 0 < speed <= 10_000:
        raise ConfigError(
            f"{CLOCK_VARIABLE}={raw!r}: use a time with its offset, optionally a speed and a real start: "
            "2026-12-02T02:29:00+01:00 or 2026-12-02T02:29:00+01:00,x60,since=1796173740"
        )
    return ShiftedClock(start, speed, since)
