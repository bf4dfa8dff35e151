"""When runs start: schedules' due times, Danish bank days, `rpa scheduler` (daemon), exports, operator mail."""

from rpa_core.scheduler.bankdays import (
    bank_days_between,
    closing_reason,
    is_bank_day,
    next_bank_day,
    nth_bank_day_of_month,
    previous_bank_day,
)

__all__ = [
    "bank_days_between",
    "closing_reason",
    "is_bank_day",
    "next_bank_day",
    "nth_bank_day_of_month",
    "previous_bank_day",
]
