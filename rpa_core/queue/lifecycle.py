"""The life of a work item, in one place: its states, how an attempt ends, its events, and every transition.

Every change of an item's state goes through :data:`TRANSITIONS`: a claim, a worker's release (DONE, a business
exception, an application error), the queue's lease expiry, a stopped run giving an item back (RETURNED) and a
person's requeue, abandon or mark as handled. The queue's SQL takes its source states and its retry-or-abandon
CASE from this table, and a test checks every statement against it, so there is no second place where a state
name decides anything.

    PENDING ──claim──> IN_PROGRESS ──DONE──────────────> DONE
       ^  ^                 │ ├──BUSINESS_EXCEPTION──> BUSINESS_EXCEPTION ─┐
       │  └──RETURNED───────┘ ├──APPLICATION_ERROR──> APPLICATION_ERROR ──┤ (claimed again after its backoff)
       │                      └──LEASE_EXPIRED─────> (or ABANDONED when no attempts are left)
       └──────────────────────────requeue (by a person)──────────────────┘

A person may also abandon an item that is PENDING, in an APPLICATION_ERROR or a BUSINESS_EXCEPTION (-> ABANDONED),
never one IN_PROGRESS: a worker holds that one and would release it over the person's decision (stop the run or
wait for the attempt to end). A caseworker who handled a BUSINESS_EXCEPTION by hand marks it handled: the state
stays BUSINESS_EXCEPTION (the robot did not finish it) and a HANDLED event records who and the note.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import ColumnElement, case, literal


class ItemState(StrEnum):
    """Where a work item is in its life."""

    PENDING = "PENDING"  # waiting to be claimed
    IN_PROGRESS = "IN_PROGRESS"  # claimed by a worker holding a lease
    DONE = "DONE"  # finished
    BUSINESS_EXCEPTION = "BUSINESS_EXCEPTION"  # a caseworker must act; never retried automatically
    APPLICATION_ERROR = "APPLICATION_ERROR"  # last attempt failed technically; retried after a backoff
    ABANDONED = "ABANDONED"  # out of attempts; needs a person to requeue it

    @property
    def final(self) -> bool:
        """Nothing happens to the item any more unless a person requeues it."""
        return self in FINAL

    @property
    def ok(self) -> bool:
        """A state a run counts as handled: done, or with a caseworker."""
        return self in (ItemState.DONE, ItemState.BUSINESS_EXCEPTION)


class Outcome(StrEnum):
    """How one attempt ended."""

    DONE = "DONE"
    BUSINESS_EXCEPTION = "BUSINESS_EXCEPTION"
    APPLICATION_ERROR = "APPLICATION_ERROR"
    LEASE_EXPIRED = "LEASE_EXPIRED"  # the worker died or hung; the lease ran out (set by the queue)
    RETURNED = "RETURNED"  # the run was stopped (a signal): the item goes back uncharged

    @property
    def charged(self) -> bool:
        """Whether the attempt uses up one of the item's attempts (a returned one is given back)."""
        return self is not Outcome.RETURNED

    @property
    def technical_failure(self) -> bool:
        """What the kill switch counts: the run's systems or robot are failing, not the cases."""
        return self in (Outcome.APPLICATION_ERROR, Outcome.LEASE_EXPIRED)


class Action(StrEnum):
    """What happens to an item other than an attempt ending."""

    CLAIM = "CLAIM"  # a worker takes it with a lease
    REQUEUE = "REQUEUE"  # a person puts it back
    ABANDON = "ABANDON"  # a person gives it up: nobody works it again unless it is requeued
    MARK_HANDLED = "MARK_HANDLED"  # a caseworker handled a business exception by hand (the state stays)


class EventKind(StrEnum):
    """What an item's history records besides its attempts."""

    LEASE_EXPIRED = "LEASE_EXPIRED"
    ABANDONED = "ABANDONED"  # out of attempts (actor: the queue), or abandoned by a person (actor: who)
    HANDLED = "HANDLED"  # a caseworker handled a business exception by hand; the message is their note
    REQUEUED = "REQUEUED"
    RETURNED = "RETURNED"
    SETTLED = "SETTLED"  # released by the runner for a step process that exited while holding it
    PAYLOAD_PRUNED = "PAYLOAD_PRUNED"  # retention blanked a final item's payload and deleted its files


Trigger = Outcome | Action


class IllegalTransitionError(Exception):
    """A change of state that the lifecycle does not allow (a bug, never a user's mistake)."""


@dataclass(frozen=True)
class Transition:
    """``trigger`` moves an item in one of ``sources`` to ``target``; to ``exhausted`` when no attempts are left."""

    sources: frozenset[ItemState]
    trigger: Trigger
    target: ItemState
    exhausted: ItemState | None = None


def _t(sources: Iterable[ItemState], trigger: Trigger, target: ItemState, exhausted: ItemState | None = None):
    return Transition(frozenset(sources), trigger, target, exhausted)


S = ItemState
CLAIMABLE = (S.PENDING, S.APPLICATION_ERROR)
FINAL = (S.DONE, S.BUSINESS_EXCEPTION, S.ABANDONED)
# A person may requeue these. DONE is left out on purpose: redoing a finished item could pay twice.
REQUEUEABLE = (S.BUSINESS_EXCEPTION, S.ABANDONED, S.APPLICATION_ERROR)
# A person may abandon these. IN_PROGRESS is left out on purpose: a worker holds the item and its release would
# overrule the person; stop the run or wait for the attempt to end. DONE and ABANDONED are final already.
ABANDONABLE = (S.PENDING, S.APPLICATION_ERROR, S.BUSINESS_EXCEPTION)
# Only a business exception is a case for a caseworker to handle by hand.
HANDLEABLE = (S.BUSINESS_EXCEPTION,)

TRANSITIONS: tuple[Transition, ...] = (
    _t(CLAIMABLE, Action.CLAIM, S.IN_PROGRESS),
    _t([S.IN_PROGRESS], Outcome.DONE, S.DONE),
    _t([S.IN_PROGRESS], Outcome.BUSINESS_EXCEPTION, S.BUSINESS_EXCEPTION),
    _t([S.IN_PROGRESS], Outcome.APPLICATION_ERROR, S.APPLICATION_ERROR, exhausted=S.ABANDONED),
    _t([S.IN_PROGRESS], Outcome.LEASE_EXPIRED, S.APPLICATION_ERROR, exhausted=S.ABANDONED),
    _t([S.IN_PROGRESS], Outcome.RETURNED, S.PENDING),
    _t(REQUEUEABLE, Action.REQUEUE, S.PENDING),
    _t(ABANDONABLE, Action.ABANDON, S.ABANDONED),
    _t(HANDLEABLE, Action.MARK_HANDLED, S.BUSINESS_EXCEPTION),  # the state stays; the HANDLED event says so
)
_BY_TRIGGER = {transition.trigger: transition for transition in TRANSITIONS}


def transition(trigger: Trigger) -> Transition:
    """The transition ``trigger`` makes (each trigger has exactly one)."""
    return _BY_TRIGGER[trigger]


def sources(trigger: Trigger) -> tuple[ItemState, ...]:
    """The states ``trigger`` applies to, in a stable order (for SQL ``IN`` lists)."""
    return tuple(state for state in ItemState if state in transition(trigger).sources)


def next_state(state: ItemState, trigger: Trigger, *, attempts: int = 0, max_attempts: int = 1) -> ItemState:
    """The state after ``trigger``; IllegalTransitionError when ``trigger`` does not apply to ``state``."""
    move = transition(trigger)
    if ItemState(state) not in move.sources:
        raise IllegalTransitionError(f"{trigger.value} does not apply to an item that is {ItemState(state).value}")
    if move.exhausted is not None and attempts >= max_attempts:
        return move.exhausted
    return move.target


def target_sql(trigger: Trigger, attempts: ColumnElement, max_attempts: ColumnElement) -> ColumnElement:
    """The new state as SQL: the table's retry-or-abandon rule as a CASE on the item's attempt columns."""
    move = transition(trigger)
    if move.exhausted is None:
        return literal(move.target.value)
    return case((attempts >= max_attempts, move.exhausted.value), else_=move.target.value)


@dataclass(frozen=True)
class Tally:
    """A count of items by state as an operator reads it: done, with a caseworker, in error, still open."""

    done: int = 0
    business: int = 0
    errors: int = 0  # an application error waiting for its retry, or abandoned
    open: int = 0  # pending or being worked

    FIELDS = ("done", "business", "errors", "open")

    @staticmethod
    def group(state: ItemState | str) -> str:
        """The count an item in ``state`` goes to: ``done``, ``business``, ``errors`` or ``open``."""
        return _TALLY_GROUPS[ItemState(state)]

    @classmethod
    def of(cls, counts: dict[str, int]) -> Tally:
        totals = dict.fromkeys(cls.FIELDS, 0)
        for state, count in counts.items():
            totals[cls.group(state)] += count
        return cls(**totals)


_TALLY_GROUPS = {
    S.DONE: "done",
    S.BUSINESS_EXCEPTION: "business",
    S.APPLICATION_ERROR: "errors",
    S.ABANDONED: "errors",
    S.PENDING: "open",
    S.IN_PROGRESS: "open",
}
