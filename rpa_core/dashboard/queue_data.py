"""The queue pages' queries: the queues, a page of items, one item's facts, and the caseworkers' open cases.

Lists never read the payload (personal data) and never count the whole table: a page is ``limit + 1`` rows of
the columns it shows ("older" when the extra row came), the queue names a loose index scan of the queue index,
and the open business exceptions go through ``ix_work_items_state_code`` (state, last_code).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, exists, func, select, text

from rpa_core.privacy import contains_cpr, mask_data
from rpa_core.queue import EventKind, ItemHistory, ItemState, item_history
from rpa_core.queue.classify import leading_code
from rpa_core.queue.references import stored_reference
from rpa_core.store import Store
from rpa_core.store.models import item_attempts, item_events, work_items

wi = work_items
PER_PAGE = 50
PER_REASON = 25  # cases listed under one reason (the oldest); the count and a link to the queue give the rest
NO_CODE = ""
_LISTED = (
    wi.c.id,
    wi.c.queue,
    wi.c.reference,
    wi.c.state,
    wi.c.attempts,
    wi.c.max_attempts,
    wi.c.last_code,
    wi.c.last_message,
    wi.c.last_run_id,
    wi.c.updated_at,
)
# Each name found by one index probe (MIN above the last): as many probes as there are queues, not items.
_QUEUE_NAMES = text(
    "WITH RECURSIVE names(name) AS ("
    " SELECT MIN(queue) FROM work_items"
    " UNION ALL"
    " SELECT (SELECT MIN(w.queue) FROM work_items w WHERE w.queue > names.name) FROM names WHERE names.name IS NOT NULL"
    ") SELECT name FROM names WHERE name IS NOT NULL LIMIT 1000"
)


@dataclass(frozen=True)
class ItemFilter:
    """The /queue page's filters; empty means all."""

    queue: str = ""
    state: ItemState | None = None
    code: str = ""
    reference: str = ""  # a prefix of the stored reference (a CPR in it is turned into its pseudonym)

    def query(self) -> dict[str, str]:
        """The filters given, for a link's query string."""
        state = self.state.value if self.state else ""
        values = {"queue": self.queue, "state": state, "code": self.code, "reference": self.reference}
        return {key: value for key, value in values.items() if value}


def queue_names(store: Store) -> list[str]:
    with store.read() as conn:
        return [name for (name,) in conn.execute(_QUEUE_NAMES)]


def as_stored_reference(store: Store, reference: str) -> str:
    """A reference (prefix) typed by an operator as the store keeps it: a CPR number becomes its pseudonym."""
    reference = reference.strip()
    return stored_reference(store, reference) if contains_cpr(reference) else reference


def items_page(store: Store, filters: ItemFilter, page: int, per_page: int = PER_PAGE) -> tuple[list[Any], bool]:
    """One page of items, last updated first, and whether there is an older page."""
    query = select(*_LISTED).order_by(wi.c.updated_at.desc(), wi.c.id.desc())
    if filters.queue:
        query = query.where(wi.c.queue == filters.queue)
    if filters.state:
        query = query.where(wi.c.state == filters.state.value)
    if filters.code:
        query = query.where(wi.c.last_code == filters.code)
    if filters.reference:
        query = query.where(wi.c.reference.startswith(filters.reference, autoescape=True))
    query = query.limit(per_page + 1).offset((page - 1) * per_page)
    with store.read() as conn:
        rows = conn.execute(query).all()
    return rows[:per_page], len(rows) > per_page


@dataclass(frozen=True)
class ItemView:
    """What the item page shows: the history, the payload's keys (never its values), results as masked JSON."""

    history: ItemHistory
    payload_keys: list[str]
    results: dict[int, str]


def item_view(store: Store, item_id: int) -> ItemView:
    history = item_history(store, item_id)
    results = {
        attempt.number: json.dumps(mask_data(attempt.result), ensure_ascii=False, sort_keys=True)
        for attempt in history.attempts
        if attempt.result
    }
    keys = sorted(str(key) for key in history.item.payload)
    return ItemView(history=history, payload_keys=keys, results=results)


@dataclass(frozen=True)
class ManualCase:
    id: int
    queue: str
    reference: str
    run_id: str | None
    since: datetime | None
    message: str


@dataclass(frozen=True)
class ManualGroup:
    """The open cases of one reason: its code, its text (what the cases' messages share), how many in all."""

    code: str
    text: str
    count: int
    cases: list[ManualCase]

    def detail(self, case: ManualCase) -> str:
        """What the case's message says beyond the reason's text (the case's own part), else its message."""
        message = _without_code(case.message, self.code)
        rest = message[len(self.text) :].strip() if self.text and message.startswith(self.text) else message
        return "" if rest == self.text else rest


def _open_cases(queue: str) -> tuple[Any, Any]:
    """The business exceptions no caseworker marked handled after their last attempt ended: (where, since)."""
    last_end = select(func.max(item_attempts.c.ended_at)).where(item_attempts.c.item_id == wi.c.id)
    since = last_end.correlate(wi).scalar_subquery().label("since")  # correlated at any depth, not only one
    handled = exists().where(
        item_events.c.item_id == wi.c.id,
        item_events.c.kind == EventKind.HANDLED.value,
        item_events.c.at >= since.element,
    )
    where = and_(wi.c.state == ItemState.BUSINESS_EXCEPTION.value, ~handled)
    if queue:
        where = and_(where, wi.c.queue == queue)
    return where, since


def manual_groups(store: Store, queue: str = "", per_reason: int = PER_REASON) -> list[ManualGroup]:
    """The open business exceptions grouped by reason code, the largest group first; each lists its oldest
    ``per_reason`` cases."""
    where, since = _open_cases(queue)
    code = func.coalesce(wi.c.last_code, NO_CODE)
    counts = select(code.label("code"), func.count().label("n")).where(where).group_by(code)
    number = func.row_number().over(partition_by=code, order_by=(since.element.asc(), wi.c.id.asc()))
    ranked = select(
        wi.c.id,
        wi.c.queue,
        wi.c.reference,
        wi.c.last_run_id,
        wi.c.last_message,
        code.label("code"),
        since,
        number.label("n"),
    ).where(where)
    listed = ranked.subquery()
    with store.read() as conn:
        totals = {row.code: row.n for row in conn.execute(counts)}
        rows = conn.execute(select(listed).where(listed.c.n <= per_reason).order_by(listed.c.code, listed.c.n)).all()
    cases: dict[str, list[ManualCase]] = {}
    for row in rows:
        case = ManualCase(row.id, row.queue, row.reference, row.last_run_id, row.since, row.last_message or "")
        cases.setdefault(row.code, []).append(case)
    groups = [
        ManualGroup(code, reason_text(code, [c.message for c in cases.get(code, [])]), total, cases.get(code, []))
        for code, total in totals.items()
    ]
    return sorted(groups, key=lambda group: (-group.count, group.code))


def _without_code(message: str, code: str) -> str:
    message = (message or "").strip()
    if code and leading_code(message) == code:
        return message[len(code) + 1 :].strip()
    return message


def reason_text(code: str, messages: list[str]) -> str:
    """A reason's text from its cases' messages (``CODE: text`` or the text): the text they share, up to the end
    of a sentence; a robot adds the case's own detail after its reason's text (fleksløn's ``ManualHandling``)."""
    texts = [_without_code(message, code) for message in messages if message]
    if not texts:
        return ""
    low, high = min(texts), max(texts)  # the prefix the first and last in sort order share, all share
    pairs = enumerate(zip(low, high, strict=False))
    shared = low[: next((i for i, (a, b) in pairs if a != b), min(len(low), len(high)))]
    if len(texts) > 1 and shared not in texts:
        end = shared.rfind(". ")
        shared = shared[: end + 1] if end > 0 else ""
    return shared.strip() or (texts[0] if len(set(texts)) == 1 else "")
