"""The queue stores codes, messages, results and requeue reasons masked: secrets, names, CPR numbers."""

from __future__ import annotations

from sqlalchemy import select

from rpa_core.privacy.registry import REGISTRY
from rpa_core.queue import Outcome, WorkQueue, latest_attempts, requeue
from rpa_core.store import open_store
from rpa_core.store.models import item_events


def test_release_and_requeue_texts_are_masked(sqlite_url):
    REGISTRY.clear()
    REGISTRY.add_secret("Kodeord-2024")
    REGISTRY.add_name("Karen Blixen")
    store = open_store(sqlite_url)
    try:
        queue = WorkQueue(store, "q")
        item, _ = queue.create("ref-1", {"navn": "Karen Blixen"})
        claimed = queue.claim("w1")
        text = "login Kodeord-2024 failed for Karen Blixen (100570-1234)"
        queue.release(claimed.id, "w1", Outcome.BUSINESS_EXCEPTION, code="NO_LOGIN", message=text,
                      result={"who": "karen blixen"})  # fmt: skip
        attempt = latest_attempts(store, [item.id])[item.id]
        assert attempt.message == "login *** failed for [navn] (100570-XXXX)"
        assert attempt.result == {"who": "[navn]"}
        requeue(store, item.id, by="operator", reason="Karen Blixen called; Kodeord-2024")
        with store.read() as conn:
            events = [m for (m,) in conn.execute(select(item_events.c.message)) if m]
        assert events and not any("Karen" in m or "Kodeord" in m or "1234" in m for m in events), events
        assert any("[navn] called; ***" in m for m in events)
    finally:
        store.close()
        REGISTRY.clear()
