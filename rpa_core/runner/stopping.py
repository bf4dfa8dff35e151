"""How a run is stopped by a signal: which signals, how they are named, the grace period, the handler.

The handler only records the signal (so no store write is cut in half); the runner's main loop acts on it.
"""

from __future__ import annotations

import math
import os
import signal
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from types import FrameType

from rpa_core.errors import ConfigError

STOP_GRACE_SECONDS = 20.0
STOP_GRACE_VARIABLE = "RPA_STOP_GRACE_SECONDS"
_LABELS = {
    "SIGINT": "SIGINT (Ctrl-C)",
    "SIGHUP": "SIGHUP (terminal closed)",
    "SIGBREAK": "SIGBREAK (Ctrl-Break or console closed)",
}


def stop_signals() -> tuple[int, ...]:
    """The signals that stop a run on this platform."""
    names = ("SIGTERM", "SIGINT", "SIGBREAK") if os.name == "nt" else ("SIGTERM", "SIGINT", "SIGHUP")
    return tuple(getattr(signal, name) for name in names if hasattr(signal, name))


def signal_label(signum: int) -> str:
    """How a stop names its signal: ``SIGTERM``, ``SIGINT (Ctrl-C)``."""
    try:
        name = signal.Signals(signum).name
    except ValueError:
        return f"signal {signum}"
    return _LABELS.get(name, name)


def stop_grace_seconds(environ: Mapping[str, str] | None = None) -> float:
    """How long stopped children get to end by themselves: ``RPA_STOP_GRACE_SECONDS`` or 20 s."""
    raw = (os.environ if environ is None else environ).get(STOP_GRACE_VARIABLE, "").strip()
    if not raw:
        return STOP_GRACE_SECONDS
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value >= 0):
        raise ConfigError(f"{STOP_GRACE_VARIABLE}={raw!r}: the grace period is a number of seconds, 0 or more")
    return value


class StopRequest:
    """A stop asked for by a signal. The handler only records it (so no store write is cut in half); the first
    signal names the reason, a second one skips what is left of the grace period."""

    def __init__(self) -> None:
        self.signum: int | None = None
        self.count = 0

    def __call__(self, signum: int, frame: FrameType | None = None) -> None:
        self.count += 1
        if self.signum is None:
            self.signum = signum

    @property
    def requested(self) -> bool:
        return self.signum is not None

    @property
    def hurry(self) -> bool:
        """A second signal came: kill at once."""
        return self.count > 1

    @property
    def label(self) -> str:
        return signal_label(self.signum) if self.signum is not None else ""

    @property
    def reason(self) -> str:
        return f"run stopped by {self.label}"


@contextmanager
def signal_handlers(handler: Callable[[int, FrameType | None], None]) -> Iterator[None]:
    """``handler`` for the stop signals while the run goes, then the previous handlers again.

    Only the main thread can install handlers; a runner in another thread is stopped with ``request_stop``.
    A SIGHUP the caller ignores (``nohup``) stays ignored.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous: dict[int, object] = {}
    try:
        for signum in stop_signals():
            current = signal.getsignal(signum)
            if signum == getattr(signal, "SIGHUP", None) and current == signal.SIG_IGN:
                continue
            try:
                signal.signal(signum, handler)
            except (OSError, ValueError):  # a signal this platform will not let us handle
                continue
            previous[signum] = current
        yield
    finally:
        for signum, old in previous.items():
            signal.signal(signum, old if old is not None else signal.SIG_DFL)
