"""A claim reads the claimable-items index in claim order: its cost does not grow with the queue's depth."""

from datetime import UTC, datetime

from rpa_core.queue import WorkQueue
from rpa_core.queue.lifecycle import CLAIMABLE
from rpa_core.queue.statements import statements
from rpa_core.store.models import CLAIMABLE_SQL, CLAIMABLE_STATE_VALUES


def test_the_partial_index_predicate_is_the_queues_claimable_states():
    assert tuple(state.value for state in CLAIMABLE) == CLAIMABLE_STATE_VALUES
    assert "state IN (" + ", ".join(f"'{v}'" for v in CLAIMABLE_STATE_VALUES) + ")" == CLAIMABLE_SQL


def test_the_claim_uses_the_claimable_index_without_sorting_the_queue(store):
    WorkQueue(store, "deep").create_many((f"item-{i}", {}) for i in range(3000))
    WorkQueue(store, "other").create_many((f"item-{i}", {}) for i in range(500))
    postgres = store.engine.dialect.name == "postgresql"
    compiled = statements(postgres).candidate.compile(store.engine)
    values = {"p_queue": "deep", "p_now": datetime.now(UTC).replace(tzinfo=None), "param_1": 1}
    with store.engine.begin() as conn:
        conn.exec_driver_sql("ANALYZE work_items" if postgres else "ANALYZE")
        if postgres:
            rows = conn.exec_driver_sql("EXPLAIN " + str(compiled), {k: values[k] for k in compiled.params}).all()
        else:
            positional = tuple(values.get(name, 0) for name in compiled.positiontup)
            rows = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + str(compiled), positional).all()
    plan = "\n".join(str(row[-1]) for row in rows)
    assert "ix_work_items_claimable" in plan, plan
    assert "Sort" not in plan and "TEMP B-TREE" not in plan, f"the claim sorts the queue:\n{plan}"
