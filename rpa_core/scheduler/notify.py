"""The operator's mail about a scheduled run that failed, was stopped or was missed: one per run, to the
profile's ``[profile] operator_mail``, over the robot's own SMTP settings (``mail_settings_from``).

The scheduler decides when to mail; this module only composes and sends. The mail carries no CPR number, secret
or citizen's name: the failure's text passes through ``mask_text``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from rpa_core.errors import ConfigError, UserError
from rpa_core.privacy import mask_text
from rpa_core.reporting import MailSettings, send_mail

if TYPE_CHECKING:
    from rpa_core.scheduler.robots import ScheduledRobot
    from rpa_core.store import Store

COPENHAGEN = ZoneInfo("Europe/Copenhagen")
_ADDRESS = re.compile(r"[^@\s,;]+@[^@\s,;]+")


class NoticeKind(StrEnum):
    FAILED = "FAILED"  # the run ended in failure (a step failed, max_duration exceeded, ...)
    STOPPED = "STOPPED"  # the run was stopped (rpa runs stop, the kill switch)
    MISSED = "MISSED"  # no scheduler was running at the due time


_HAPPENED = {
    NoticeKind.FAILED: "failed",
    NoticeKind.STOPPED: "was stopped",
    NoticeKind.MISSED: "was missed: no scheduler was running at the due time, so it did not start then",
}


@dataclass(frozen=True)
class Notice:
    """What the operator is told about one scheduled run."""

    robot: str
    profile: str | None
    schedule: str
    due_at: datetime  # aware
    what: NoticeKind
    message: str | None = None  # the failure's reason or the stop reason; masked before it is mailed
    run_id: str | None = None
    artifacts_dir: str | None = None
    host: str = ""

    def __post_init__(self) -> None:
        if self.due_at.tzinfo is None or self.due_at.utcoffset() is None:
            raise ValueError(f"Notice.due_at must be an aware datetime, got {self.due_at.isoformat()}")
        object.__setattr__(self, "what", NoticeKind(self.what))


def operator_address(profile_info: Mapping[str, Any]) -> str | None:
    """The profile's ``[profile] operator_mail``: one address, or several joined by ``, `` (a list in the
    profile); None when it is not set or empty."""
    value = profile_info.get("operator_mail")
    if value is None or value == "" or value == []:
        return None
    addresses = [value] if isinstance(value, str) else value
    if not isinstance(addresses, list) or not all(
        isinstance(a, str) and _ADDRESS.fullmatch(a.strip()) for a in addresses
    ):
        raise ConfigError(
            f"profile.operator_mail: {value!r} is not an e-mail address; use one address "
            '(operator_mail = "drift@kommune.dk") or a list of them (operator_mail = ["a@kommune.dk", "b@kommune.dk"])'
        )
    return ", ".join(a.strip() for a in addresses)


def _local(moment: datetime) -> str:
    """``2026-12-02 02:30 +01:00``, in Copenhagen."""
    local = moment.astimezone(COPENHAGEN)
    return f"{local:%Y-%m-%d %H:%M} {local.isoformat(timespec='minutes')[16:]}"


def compose(notice: Notice) -> tuple[str, str]:
    """The mail's subject and plain-text body."""
    who = f"{notice.robot}/{notice.profile}" if notice.profile else notice.robot
    due = _local(notice.due_at)
    subject = f"[rpa] {who} {notice.schedule} {notice.what.value} (due {due})"
    profile = f", profile {notice.profile}" if notice.profile else ""
    lines = [
        f"The scheduled run of robot {notice.robot}{profile}, schedule {notice.schedule}, due {due}, "
        f"{_HAPPENED[notice.what]}.",
        "",
    ]
    if notice.message:
        lines.append(f"What happened: {' '.join(mask_text(notice.message).split())}")
    if notice.run_id:
        lines.append(f"Run: {notice.run_id}")
    if notice.artifacts_dir:
        lines.append(f"Artifacts: {notice.artifacts_dir}")
    if notice.host:
        lines.append(f"Scheduler host: {mask_text(notice.host)}")
    if notice.run_id:
        lines += ["", "To look at the run:", f"    rpa runs show {notice.run_id}"]
    elif notice.what is NoticeKind.MISSED:
        lines += ["", "Check that the scheduler is running on its host; the schedule's catch_up decides what follows."]
    lines += ["", "-- sent by the rpa scheduler; this mail holds no personal data."]
    return subject, "\n".join(lines) + "\n"


def send_notice(notice: Notice, *, to: str | Sequence[str], settings: MailSettings) -> None:
    """Compose the notice and send it as one mail to ``to`` (an address, ``a, b``, or a list)."""
    subject, body = compose(notice)
    recipients = [to] if isinstance(to, str) else list(to)
    send_mail(settings, recipients, subject, body)


def mail_operator(
    store: Store,
    row_id: int,
    entry: ScheduledRobot | None,
    what: NoticeKind,
    message: str | None,
    *,
    say: Callable[[str], None],
) -> None:
    """Mail the operator of ``entry``'s profile about schedule run ``row_id``, once however many schedulers
    see it (``records.take_mail``). A profile without ``operator_mail`` or a mail that fails is a line in the
    scheduler's output, never a stop."""
    from rpa_core.packaging import resolve_settings
    from rpa_core.reporting import MailNotSentError, PersonalDataInMailError, mail_settings_from
    from rpa_core.scheduler import records
    from rpa_core.vault import login_of

    row = records.get(store, row_id)
    if entry is None or row is None or not records.take_mail(store, row_id):
        return
    label = f"{entry.label} {row.schedule}"
    try:
        settings = resolve_settings(entry.robot, profile=entry.profile, check=False)
        to = operator_address(settings.profile_info)
        if not to:
            say(f"{label}: {what.value}; no mail (the profile has no [profile] operator_mail)")
            return
        mail = mail_settings_from(settings.values, login=lambda name: login_of(name, store_url=store.url_string()))
        run = row.run_id
        folder = None
        if run:
            from rpa_core.runner.records import get_run

            try:
                folder = get_run(store, run).artifacts_dir
            except UserError:  # the run never began
                run = None
        notice = Notice(entry.robot.name, entry.profile, row.schedule, row.due_at, what, message, run, folder, row.host)
        send_notice(notice, to=to, settings=mail)
        say(f"{label}: {what.value} mailed to the operator")
    except (ConfigError, MailNotSentError, PersonalDataInMailError, LookupError) as exc:
        say(f"{label}: {what.value}; the operator's mail was not sent: {exc}")
