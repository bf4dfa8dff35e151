"""How long a robot's artifacts and work-item data are kept: robot.toml ``[retention]``, a profile may change it.

    [retention]
    runs_days = 90        # run folders runs/<run-id>/ (logs, screenshots, captured pages), after the run ended
    payload_days = 30     # payloads and files of final work items, after the item's last change
    reports_days = 365    # report files (the robot's report folder, workbooks in run folders), after the run ended

A value is a whole number of days (1 or more), or ``"keep"`` (the default: kept until someone deletes it).
Something is expired when it is *older* than its period: ``moment < now - days``; exactly ``days`` old is kept.
``rpa retention prune`` (:mod:`rpa_core.runner.retention`) deletes what has expired.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

KEEP = "keep"
MAX_DAYS = 36_600  # a hundred years: anything longer is a typo


def _keep_is_none(value: Any) -> Any:
    if isinstance(value, str) and value.strip().lower() == KEEP:
        return None
    if isinstance(value, bool) or not isinstance(value, int | None):
        raise ValueError(f'must be a whole number of days (1 or more) or "{KEEP}", got {value!r}')
    return value


Days = Annotated[Annotated[int, Field(ge=1, le=MAX_DAYS)] | None, BeforeValidator(_keep_is_none)]


class RetentionSettings(BaseModel):
    """The retention periods in days; None keeps that kind of thing."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    runs_days: Days = None
    payload_days: Days = None
    reports_days: Days = None


def cutoff(now: datetime, days: int | None) -> datetime | None:
    """The moment before which things with a period of ``days`` have expired at ``now``; None when kept."""
    if now.tzinfo is None:
        raise ValueError("now must be an aware datetime (e.g. datetime.now(UTC))")
    return None if days is None else now - timedelta(days=days)


def expired(moment: datetime | None, days: int | None, now: datetime) -> bool:
    """True when something last changed at ``moment`` is older than ``days`` at ``now`` (never when kept)."""
    limit = cutoff(now, days)
    return limit is not None and moment is not None and moment < limit
