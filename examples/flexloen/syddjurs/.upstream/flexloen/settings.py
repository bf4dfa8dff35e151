"""The fleksløn robot's check of its settings (robot.toml ``[robot] check_settings``), before any step runs.

A wrong value in a municipality's profile (a threshold written ``25%``, a month ``2024-13``, a rate row without
its source) would otherwise fail every work item of the night one by one. Each problem names the setting and what
is allowed; the framework adds the value and where it came from.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

from flexloen.case_data import DEFAULT_COLUMNS
from flexloen.money import to_decimal
from flexloen.months import Month
from flexloen.rates import RateTable, RateTableError

MODES = ("api", "web")
URL_SETTINGS = ("ydelse_url", "indkomst_url", "esdh_url")
REQUIRED_TEXT = ("unit", "grant_type", "master_data_workbook", "report_folder")
SMTP_SECURITY = ("none", "starttls", "ssl")
_SECRET_NAME = re.compile(r"[a-z][a-z0-9_]*")


def check_settings(values: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The problems of the resolved settings as ``(setting, what is allowed)``; empty when all are good."""
    problems: list[tuple[str, str]] = []
    for name in URL_SETTINGS:
        if not str(values.get(name, "")).startswith(("http://", "https://")):
            problems.append((name, "must be the system's address, starting with http:// or https://"))
    for name in ("indkomst_mode", "esdh_mode"):
        if values.get(name) not in MODES:
            problems.append((name, f"must be one of {', '.join(MODES)}"))
    for name in REQUIRED_TEXT:
        if not str(values.get(name, "")).strip():
            problems.append((name, "must not be empty"))
    problems += _payment_month(values.get("payment_month", ""))
    problems += _columns(values.get("master_data_columns", {}))
    problems += _change_threshold(values.get("change_threshold", ""))
    problems += _rates(values.get("rates", {}))
    share = values.get("spot_check_share", 0)
    if not 0 <= share <= 1:
        problems.append(("spot_check_share", "must be a share from 0 to 1, e.g. 0.1 for 10 % of the approved cases"))
    mailbox = str(values.get("mailbox", "")).strip()
    if mailbox and "@" not in mailbox:
        problems.append(("mailbox", "must be an e-mail address, or empty for no mail"))
    if not 1 <= values.get("smtp_port", 25) <= 65535:
        problems.append(("smtp_port", "must be a port number from 1 to 65535"))
    problems += _smtp(values)
    return problems


def _smtp(values: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The mail server's security mode, login secret, CA file and timeout (never a password: that is in the vault)."""
    problems = []
    security = values.get("smtp_security", "none")
    if security not in SMTP_SECURITY:
        problems.append(("smtp_security", f"must be one of {', '.join(SMTP_SECURITY)}"))
    credential = str(values.get("smtp_credential", "")).strip()
    if credential and not _SECRET_NAME.fullmatch(credential):
        problems.append(("smtp_credential", "must be a vault secret's name (lower-case letters, digits, _) or empty"))
    elif credential and security == "none":
        problems.append(
            ("smtp_credential", "a login needs smtp_security starttls or ssl: the password must not cross unencrypted")
        )
    ca_file = str(values.get("smtp_ca_file", "")).strip()
    if ca_file and not Path(ca_file).is_file():
        problems.append(("smtp_ca_file", "must be an existing PEM file of CA certificates, or empty: the system's CAs"))
    if not values.get("smtp_timeout", 30.0) > 0:
        problems.append(("smtp_timeout", "must be a number of seconds above 0, e.g. 30"))
    return problems


def _payment_month(value: str) -> list[tuple[str, str]]:
    if not value:
        return []
    try:
        Month.parse(value)
    except ValueError:
        return [("payment_month", "must be a month written YYYY-MM, e.g. 2024-11, or empty for this month")]
    return []


def _columns(columns: Mapping[str, Any]) -> list[tuple[str, str]]:
    unknown = sorted(set(columns) - set(DEFAULT_COLUMNS))
    empty = sorted(key for key, heading in columns.items() if not str(heading).strip())
    problems = []
    if unknown:
        problems.append(
            ("master_data_columns", f"unknown key(s) {', '.join(unknown)}; the keys are {', '.join(DEFAULT_COLUMNS)}")
        )
    if empty:
        problems.append(("master_data_columns", f"the heading of {', '.join(empty)} must not be empty"))
    return problems


def _change_threshold(value: str) -> list[tuple[str, str]]:
    if value in ("", None):
        return []
    try:
        share = to_decimal(value, "change_threshold")
    except (TypeError, ValueError):
        share = None
    if share is None or not Decimal(0) < share <= Decimal(1):
        return [("change_threshold", "must be a share above 0 and at most 1, like 0.25 (25 %), or empty: no check")]
    return []


def _rates(rates: Mapping[Any, Any]) -> list[tuple[str, str]]:
    try:
        RateTable.default().with_overrides(rates)
    except RateTableError as exc:
        return [("rates", str(exc))]
    return []
