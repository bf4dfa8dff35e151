"""References hold no CPR number: a keyed pseudonym per store, stable across processes, so dedup keeps working."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import insert, select

from rpa_core.privacy import contains_cpr, mask_cpr
from rpa_core.privacy.pseudonym import cpr_pseudonym, new_key, pseudonymize_reference
from rpa_core.queue import WorkQueue, list_items
from rpa_core.queue.references import reference_key, stored_reference
from rpa_core.store import open_store
from rpa_core.store.meta import REFERENCE_KEY
from rpa_core.store.models import metadata, store_meta, work_items
from rpa_core.store.types import utcnow

CPR = "0101901234"  # fictitious
REFERENCE = f"flexloen:{CPR}:2024-11"


def test_the_same_cpr_and_key_give_the_same_reference_another_key_another():
    key = new_key()
    once = pseudonymize_reference(REFERENCE, key)
    assert once == pseudonymize_reference(REFERENCE, key)
    assert once == pseudonymize_reference("flexloen:010190-1234:2024-11", key), "written with a hyphen: the same"
    assert once != pseudonymize_reference(REFERENCE, new_key())
    assert once != pseudonymize_reference("flexloen:0101901235:2024-11", key)
    assert once.startswith("flexloen:cpr#") and once.endswith(":2024-11") and not contains_cpr(once)
    assert pseudonymize_reference(once, key) == once and mask_cpr(once) == once, "a pseudonym is never CPR-shaped"
    assert pseudonymize_reference("hello:7", key) == "hello:7"
    two = pseudonymize_reference(f"{CPR}+150285-4321", key)
    assert two == f"{cpr_pseudonym(CPR, key)}+{cpr_pseudonym('1502854321', key)}"


def test_a_fleksloen_like_create_leaves_no_cpr_in_any_store_column_and_still_deduplicates(store):
    queue = WorkQueue(store, "flexloen")
    payload = {"reference": REFERENCE, "cpr": CPR, "payment_id": "P-1", "payment_month": "2024-11"}
    item, created = queue.create(REFERENCE, payload, files={"indkomst.xlsx": b"PK"})
    assert created and item.reference == stored_reference(store, REFERENCE) != REFERENCE
    assert item.payload == payload, "the payload keeps what the robot needs (retention covers it)"

    again, created_again = WorkQueue(store, "flexloen").create("flexloen:010190-1234:2024-11", {"x": 1})
    assert not created_again and again.id == item.id, "another process, the same store key: found"
    assert WorkQueue(store, "flexloen").create_many([(REFERENCE, {}), ("flexloen:0202021234:2024-11", {})]) == 1

    with store.read() as conn:
        for table in metadata.sorted_tables:
            for row in conn.execute(select(table)):
                for column, value in row._mapping.items():
                    if (table.name, column) == ("work_items", "payload"):
                        continue
                    assert not (isinstance(value, str) and contains_cpr(value)), (table.name, column)
    assert [i.reference for i in list_items(store, queue="flexloen")][-1] == item.reference


def test_different_stores_have_different_keys(tmp_path):
    one, two = open_store(f"sqlite:///{tmp_path / 'a.db'}"), open_store(f"sqlite:///{tmp_path / 'b.db'}")
    try:
        assert reference_key(one) != reference_key(two)
        assert stored_reference(one, REFERENCE) != stored_reference(two, REFERENCE)
        assert reference_key(one) == reference_key(one) and len(reference_key(one)) == 32
    finally:
        one.close()
        two.close()


def test_an_item_made_before_pseudonyms_is_found_by_its_clear_reference(store):
    now = utcnow()
    with store.engine.begin() as conn:  # as an older rpa-core stored it
        row = {"queue": "q", "reference": REFERENCE, "state": "DONE", "payload": "{}", "available_at": now}
        conn.execute(insert(work_items).values(**row, created_at=now, updated_at=now))
    item, created = WorkQueue(store, "q").create(REFERENCE, {})
    assert not created and item.reference == REFERENCE, "not created again (nothing paid twice after an upgrade)"


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_the_key_is_created_once_when_processes_race(backend, request, tmp_path):
    url = f"sqlite:///{tmp_path / 'race.db'}" if backend == "sqlite" else request.getfixturevalue("postgres_url")
    open_store(url).close()
    stores = [open_store(url, migrate=False) for _ in range(8)]
    start, keys, errors = threading.Barrier(len(stores)), [], []

    def fetch(opened) -> None:
        try:
            start.wait()
            keys.append(reference_key(opened))
        except Exception as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=fetch, args=(opened,)) for opened in stores]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    try:
        assert not errors and len(keys) == len(stores) and len(set(keys)) == 1
        with stores[0].read() as conn:
            assert conn.execute(select(store_meta.c.name).where(store_meta.c.name == REFERENCE_KEY)).all() == [
                (REFERENCE_KEY,)
            ]
    finally:
        for opened in stores:
            opened.close()
