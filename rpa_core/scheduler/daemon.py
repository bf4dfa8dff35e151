"""``rpa scheduler``: a long-running process that starts each due run exactly once, on one machine or many.

Every tick (5 s) it:
1. writes its heartbeat (host, pid, version, last tick) to the store, and reads again the schedules of a robot
   whose robot.toml or profile changed (a broken edit leaves the old ones in force);
2. settles the runs it started that have ended (the run's own record says how), stops a run past its schedule's
   ``max_duration`` (SIGTERM: the runner's clean stop) and settles runs whose scheduler is gone;
3. looks at each schedule from where any scheduler last looked (``schedule_marks``) to now, and claims each due
   time with one row in ``schedule_runs``: the store's unique row per schedule and due time is what makes two
   schedulers sharing a PostgreSQL start it once. A due time noticed more than ``late_after`` after it was due
   was missed while no scheduler ran: ``catch_up`` decides (one run for all of them, or none), and the decision is
   the row's;
4. starts waiting rows: the store refuses a second RUNNING row of one robot+profile (a partial unique index), so
   a run never overlaps its robot's previous one on any machine; it waits, and a newer due time of the same
   schedule supersedes it. A run a person started from the dashboard (``Decision.MANUAL``) waits the same way,
   however long, and is never superseded; it has no ``max_duration``.
Once a day (04:00 Copenhagen time) one scheduler prunes each robot's expired data (``rpa retention prune``).
A failed, stopped or missed run mails the profile's ``operator_mail`` once.

SIGTERM or Ctrl-C: nothing more starts; running robots may finish within the grace period, then they are
stopped the runner's way; the scheduler waits for them, records their outcomes and exits 0.
"""

from __future__ import annotations

import os
import signal
import socket
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from rpa_core import installed_version
from rpa_core.errors import UserError
from rpa_core.packaging.schedules import CatchUp, Schedule
from rpa_core.privacy import mask_text
from rpa_core.runner.records import RunStatus, get_run, new_run_id
from rpa_core.runner.stopping import stop_signals
from rpa_core.scheduler import launch, records
from rpa_core.scheduler.clock import Clock
from rpa_core.scheduler.housekeeping import last_prune_time, prune_daily
from rpa_core.scheduler.notify import NoticeKind, mail_operator
from rpa_core.scheduler.records import Decision, ScheduleKey, ScheduleRun, ScheduleRunState
from rpa_core.scheduler.robots import Reloader, ScheduledRobot, reload_changed
from rpa_core.scheduler.times import occurrences, place
from rpa_core.store import Store
from rpa_core.store.types import utcnow

COPENHAGEN = ZoneInfo("Europe/Copenhagen")
TICK_SECONDS = 5.0
LATE_AFTER_SECONDS = 300.0  # a due time noticed later than this was missed while no scheduler ran
STALE_AFTER_SECONDS = 60.0  # a scheduler whose heartbeat is older is gone; another settles its runs
KILL_AFTER_STOP_SECONDS = 60.0  # a run that has not ended this long after its stop is killed


def _local(moment: datetime) -> str:
    return moment.astimezone(COPENHAGEN).isoformat(sep=" ", timespec="seconds")


def _manual(row: ScheduleRun) -> bool:
    """A run a person started from the dashboard ("run now"): no schedule of its own."""
    return row.decision is Decision.MANUAL and row.schedule == records.MANUAL_SCHEDULE


class SchedulerProcess:
    """One scheduler: the robots it serves, the store they share, and the runs it started."""

    def __init__(
        self,
        store: Store,
        robots: list[ScheduledRobot],
        *,
        store_url: str,
        runs_dir: Path,
        clock: Clock | None = None,
        tick: float = TICK_SECONDS,
        late_after: float = LATE_AFTER_SECONDS,
        grace: float = 600.0,
        workdir: Path | None = None,
        say: Callable[[str], None] | None = None,
    ) -> None:
        self.store, self.robots, self.store_url = store, robots, store_url
        self.runs_dir = Path(runs_dir).resolve()
        self.clock = clock or Clock()
        self.tick_seconds, self.late_after, self.grace = tick, late_after, grace
        self.workdir = workdir or Path.cwd()
        self.host, self.pid = socket.gethostname(), os.getpid()
        self.version = installed_version() or "unknown"
        self._pruned_for: datetime | None = None  # the daily prune time this process has seen claimed
        self.id = f"{self.host}:{self.pid}:{new_run_id()[-6:]}"
        self._say = say or (lambda line: print(line, flush=True))
        self._live: dict[int, launch.Launched] = {}
        self._signals: list[int] = []
        self._by_label = {entry.label: entry for entry in robots}
        self._reloaders = {entry.label: Reloader(entry) for entry in robots}

    # ------------------------------------------------------------------ the loop
    def say(self, text: str) -> None:
        self._say(f"{_local(self.clock.now())} {mask_text(text)}")

    def request_stop(self, signum: int = signal.SIGTERM) -> None:
        self._signals.append(signum)

    def serve(self) -> int:
        """Tick until a stop signal; then let running robots finish (up to ``grace``), stop them, exit 0."""
        previous = {signum: signal.signal(signum, lambda n, f: self.request_stop(n)) for signum in stop_signals()}
        try:
            if self.clock.label:
                self.say(f"not for production: {self.clock.label}")
            names = ", ".join(entry.label for entry in self.robots) or "no robots"
            self.say(f"scheduler {self.id} (rpa-core {self.version}) serves {names}; runs in {self.runs_dir}")
            while not self._signals:
                self.tick()
                self._sleep(self.tick_seconds)
            self._stop_runs()
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler)
            records.stop_beat(self.store, self.id)
        self.say(f"scheduler {self.id} stopped")
        return 0

    def _sleep(self, seconds: float) -> None:
        deadline = time.monotonic() + self.clock.real_seconds(seconds)
        while not self._signals and time.monotonic() < deadline:
            time.sleep(min(0.1, max(0.0, deadline - time.monotonic())))

    def tick(self) -> None:
        """One round: heartbeat, settle ended and overdue runs, claim due times, start what may start."""
        now = self.clock.now()
        self._beat()
        self._reload_changed()
        self._reap()
        self._enforce_max_duration()
        self._settle_orphans()
        self.claim_due(now)
        if self._pruned_for != last_prune_time(now):  # once a day per process; the store makes it once in all
            for entry in self.robots:
                for line in prune_daily(self.store, entry, now=now, scheduler_id=self.id, host=self.host):
                    self.say(line)
            self._pruned_for = last_prune_time(now)
        self.start_waiting(now)

    def _reload_changed(self) -> None:
        """A robot whose robot.toml or profile was edited runs by its new schedules from now on; a broken edit
        is said once and its old schedules go on (a run already started keeps the schedule it started by)."""
        for fresh in reload_changed(self.robots, self._reloaders, self.say):
            self._by_label[fresh.label] = fresh

    def _beat(self) -> None:
        robots = list(self._by_label)
        records.beat(self.store, self.id, host=self.host, pid=self.pid, version=self.version, robots=robots)

    def claim_due(self, now: datetime) -> None:
        """Claim every schedule's due times up to ``now`` (a row each; the decisions for missed ones)."""
        for entry in self.robots:
            for schedule in entry.active():
                self._plan(entry, schedule, now)

    # ------------------------------------------------------------------ due times
    def _claim(self, key: ScheduleKey, due: datetime, decision: Decision, message: str | None, *, skip: bool) -> int:
        state = ScheduleRunState.SKIPPED if skip else ScheduleRunState.WAITING
        row_id = records.claim(
            self.store, key, due, decision=decision, scheduler_id=self.id, host=self.host, state=state, message=message
        )
        return row_id or 0

    def _plan(self, entry: ScheduledRobot, schedule: Schedule, now: datetime) -> None:
        """Claim the schedule's due times since it was last looked at; a missed one by its catch_up."""
        key = entry.key(schedule)
        mark = records.checked_until(self.store, key)
        if mark is None:  # a schedule nobody looked at before: due times from now on
            records.advance_mark(self.store, key, now)
            self.say(f"{entry.label} {schedule.name}: {schedule.rule()}; first due times from now on")
            return
        if now <= mark:
            return
        found = occurrences(schedule, mark, now)
        for o in found:
            if o.due is None and self._claim(
                key, place(o.wall, schedule.zone)[0], Decision.BANK_DAY, o.note, skip=True
            ):
                self.say(f"{entry.label} {schedule.name}: {o.note}")
        due = [o.due for o in found if o.due is not None]
        late = [d for d in due if (now - d).total_seconds() > self.late_after]
        on_time = [d for d in due if d not in late]
        if late:
            self._missed(entry, schedule, key, late, on_time, now)
        for moment in on_time:
            if self._claim(key, moment, Decision.ON_TIME, None, skip=False):
                self.say(f"{entry.label} {schedule.name}: due {_local(moment)}")
        records.advance_mark(self.store, key, now)

    def _missed(
        self,
        entry: ScheduledRobot,
        schedule: Schedule,
        key: ScheduleKey,
        late: list[datetime],
        on_time: list[datetime],
        now: datetime,
    ) -> None:
        """Due times missed while no scheduler ran: one run for all of them (catch_up = once, unless a run is due
        now anyway), or none (catch_up = skip, and the operator is mailed)."""
        span = f"{len(late)} due time(s) from {_local(late[0])} to {_local(late[-1])}"
        if schedule.catch_up is CatchUp.ONCE and not on_time:
            message = f"caught up at {_local(now)}: {span} missed while no scheduler ran"
            if self._claim(key, late[-1], Decision.CAUGHT_UP, message, skip=False):
                self.say(f"{entry.label} {schedule.name}: {message}; one run now")
            folded = f"missed while no scheduler ran; the catch-up run due {_local(late[-1])} covers it"
            for moment in late[:-1]:
                self._claim(key, moment, Decision.MISSED, folded, skip=True)
            return
        if on_time:
            why = f"missed while no scheduler ran; the run due {_local(on_time[0])} covers it"
        else:
            why = "missed while no scheduler ran; catch_up = skip"
        claimed = [row for row in (self._claim(key, m, Decision.MISSED, why, skip=True) for m in late) if row]
        self.say(f"{entry.label} {schedule.name}: {span} missed ({why})")
        if claimed and not on_time:
            summary = f"{span} missed while no scheduler ran; none was run (catch_up = skip)"
            mail_operator(self.store, claimed[-1], entry, NoticeKind.MISSED, summary, say=self.say)

    # ------------------------------------------------------------------ starting
    def start_waiting(self, now: datetime) -> None:
        """Start the waiting rows of the robots served whose robot+profile is free; supersede older ones.

        A run a person started from the dashboard (``Decision.MANUAL``, schedule ``MANUAL_SCHEDULE``) has no
        schedule: it waits for its robot+profile like any row, however long, and is never superseded or missed."""
        rows = [
            row
            for row in records.waiting(self.store)
            if self._entry(row) is not None and (_manual(row) or not row.schedule.startswith(":"))
        ]  # a ':' row other than a manual run is the scheduler's own work (the daily prune), never started here
        newest: dict[ScheduleKey, ScheduleRun] = {}
        manual: list[ScheduleRun] = []
        for row in rows:  # oldest due first
            if _manual(row):
                manual.append(row)
                continue
            older = newest.get(row.key)
            if older is not None:
                busy = f"the robot was still busy when the next due time {_local(row.due_at)} came"
                if records.skip(self.store, older.id, decision=Decision.SUPERSEDED, message=busy):
                    entry = self._entry(older)
                    self.say(f"{entry.label} {older.schedule}: due {_local(older.due_at)} superseded: {busy}")
            newest[row.key] = row
        for row in sorted([*manual, *newest.values()], key=lambda r: (r.due_at, r.id)):
            entry = self._entry(row)
            schedule = None if _manual(row) else next((s for s in entry.active() if s.name == row.schedule), None)
            if schedule is None and not _manual(row):
                records.skip(self.store, row.id, decision=row.decision, message="the schedule was turned off")
                continue
            late = schedule is not None and (now - row.due_at).total_seconds() > self.late_after
            if late and schedule.catch_up is CatchUp.SKIP and row.decision is not Decision.CAUGHT_UP:
                why = f"still waiting {_local(now)}, past late_after (robot busy, or no scheduler ran); catch_up = skip"
                if records.skip(self.store, row.id, decision=Decision.MISSED, message=why):
                    self.say(f"{entry.label} {row.schedule}: due {_local(row.due_at)} missed: {why}")
                    mail_operator(self.store, row.id, entry, NoticeKind.MISSED, why, say=self.say)
                continue
            run_id = new_run_id(now)
            if records.start(self.store, row.id, run_id=run_id, scheduler_id=self.id, host=self.host):
                self._launch(row, entry, schedule, run_id, now)

    def _launch(
        self, row: ScheduleRun, entry: ScheduledRobot, schedule: Schedule | None, run_id: str, now: datetime
    ) -> None:
        try:
            process = launch.launch(entry, run_id, self.runs_dir, self.store_url, self.workdir)
        except OSError as exc:
            message = f"could not start rpa run: {exc}"
            records.finish(self.store, row.id, outcome=RunStatus.FAILED, message=message)
            self.say(f"{entry.label} {row.schedule}: {message}")
            mail_operator(self.store, row.id, entry, NoticeKind.FAILED, message, say=self.say)
            return
        records.set_pid(self.store, row.id, process.pid)
        self._live[row.id] = launch.Launched(row.id, run_id, entry, schedule, row.due_at, time.monotonic(), process)
        late = "" if row.decision is Decision.ON_TIME else f" ({row.decision.value.lower().replace('_', ' ')})"
        self.say(f"{entry.label} {row.schedule}: run {run_id} started for due {_local(row.due_at)}{late}")

    def _entry(self, row: ScheduleRun) -> ScheduledRobot | None:
        return self._by_label.get(f"{row.robot}/{row.profile}" if row.profile else row.robot)

    # ------------------------------------------------------------------ watching
    def _reap(self) -> None:
        for row_id, live in list(self._live.items()):
            code = live.process.poll()
            if code is None:
                continue
            del self._live[row_id]
            outcome, message = self._outcome(live.run_id, code, self.runs_dir / live.run_id / launch.CONSOLE_FILE)
            if live.stop_reason:
                outcome, message = RunStatus.STOPPED, live.stop_reason + (f"; {message}" if message else "")
            records.finish(self.store, row_id, outcome=outcome, message=message)
            took = round(time.monotonic() - live.started)
            self.say(
                f"{live.entry.label} {live.schedule_name}: run {live.run_id} {outcome.value} after {took} s"
                + (f": {message}" if message else "")
            )
            if outcome is not RunStatus.SUCCEEDED:
                kind = NoticeKind.STOPPED if outcome is RunStatus.STOPPED else NoticeKind.FAILED
                mail_operator(self.store, row_id, live.entry, kind, message, say=self.say)

    def _outcome(self, run_id: str, code: int, console: Path) -> tuple[RunStatus, str | None]:
        """How a run ended: its own record, or (when it never got that far) its exit code and last line."""
        try:
            run = get_run(self.store, run_id)
        except UserError:  # no record: the run stopped before it began (a bad profile, a broken task file)
            return RunStatus.FAILED, f"rpa run exited {code} before the run began: {launch.last_line(console)}"
        if run.status == RunStatus.RUNNING.value:
            return RunStatus.FAILED, f"rpa run ended (exit code {code}) without finishing its run record"
        return RunStatus(run.status), run.stop_reason

    def _enforce_max_duration(self) -> None:
        for live in self._live.values():
            limit = live.max_seconds
            if live.stop_sent is None and limit is not None and time.monotonic() - live.started > limit:
                live.stop_reason = f"max_duration {live.schedule.max_duration} exceeded: stopped"
                self._ask_to_stop(live)
            elif (
                live.stop_sent is not None
                and time.monotonic() - live.stop_sent > KILL_AFTER_STOP_SECONDS
                and not live.killed
            ):
                launch.kill(live.process)
                live.killed = True
                self.say(f"{live.entry.label} {live.schedule_name}: run {live.run_id} killed after its stop")

    def _ask_to_stop(self, live: launch.Launched) -> None:
        live.stop_sent = time.monotonic()
        launch.ask_to_stop(live.process)
        self.say(f"{live.entry.label} {live.schedule_name}: run {live.run_id}: {live.stop_reason}")

    def _settle_orphans(self) -> None:
        """RUNNING rows whose scheduler is gone: the run's record says how it ended, or its process is gone."""
        for row in records.stale_running(self.store, older_than=utcnow() - timedelta(seconds=STALE_AFTER_SECONDS)):
            if row.id in self._live or self._entry(row) is None:
                continue
            try:
                run = get_run(self.store, row.run_id) if row.run_id else None
            except UserError:  # no record: it never began
                run = None
            gone = row.host == self.host and (row.pid is None or not launch.alive(row.pid))
            if run is not None and run.status != RunStatus.RUNNING.value:
                outcome, message = RunStatus(run.status), run.stop_reason
            elif gone:
                outcome, message = RunStatus.FAILED, "the run's process and the scheduler that started it are gone"
            else:
                continue  # still running on another machine, or here without its scheduler: look again later
            note = f"settled by scheduler {self.id}: the one that started it stopped"
            if records.finish(self.store, row.id, outcome=outcome, message=f"{message}; {note}" if message else note):
                self.say(f"{row.robot} {row.schedule}: run {row.run_id} {outcome.value} ({note})")
                if outcome is not RunStatus.SUCCEEDED:
                    kind = NoticeKind.STOPPED if outcome is RunStatus.STOPPED else NoticeKind.FAILED
                    mail_operator(self.store, row.id, self._entry(row), kind, message, say=self.say)

    # ------------------------------------------------------------------ stopping
    def _stop_runs(self) -> None:
        """After a stop signal: wait up to ``grace`` for running robots, then stop them, then wait for them."""
        label = signal.Signals(self._signals[0]).name if self._signals else "stop"
        if self._live:
            self.say(f"{label}: starting nothing more; {len(self._live)} run(s) may finish within {self.grace:g} s")
        deadline = time.monotonic() + self.grace
        asked = len(self._signals)
        while self._live:
            hurry = len(self._signals) > asked  # a second signal: stop them now
            if time.monotonic() >= deadline or hurry:
                for live in self._live.values():
                    if live.stop_sent is None:
                        live.stop_reason = f"the scheduler was stopped ({label})"
                        self._ask_to_stop(live)
            self._beat()
            self._reap()
            self._enforce_max_duration()
            time.sleep(0.2)
