"""What one PostgreSQL worker can reach at all: our queue's claim+release beside a floor written in plain psycopg.

The floor is none of our code: its own two tables, hand-written SQL doing what a claim and a release must (pick
the oldest claimable row with FOR UPDATE SKIP LOCKED, take it with a lease, open an attempt; close the attempt
and the item, fenced by the lease), one statement and one commit each, on one psycopg connection. It runs three
ways: both commits durable (what a queue that loses nothing does), the claim's commit asynchronous
(``synchronous_commit = off``: a server crash may forget a claim the worker was told it had), and neither
durable (the ceiling with no WAL flush at all). Rounds alternate the arms under the same load; medians.

    python benchmarks/queue_floor.py [--items 2000] [--rounds 3] [--postgres URL]

Prints items/s per arm, our queue's ratio to the durable floor, and the server's WAL flush setting.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

from queue_throughput import PostgresSchemas  # this folder's: the same fresh schemas as the throughput benchmark

# The floor's own words for its states (lower case): it shares no vocabulary, as no code, with the queue it measures.
DEFAULT_PG = os.environ.get("RPA_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")

SCHEMA = """
CREATE TABLE items (
    id bigserial PRIMARY KEY, queue text NOT NULL, state text NOT NULL, attempts int NOT NULL DEFAULT 0,
    lease_owner text, lease_expires_at timestamp, available_at timestamp NOT NULL, updated_at timestamp NOT NULL);
CREATE INDEX items_claimable ON items (queue, available_at, id) WHERE state IN ('waiting', 'retry');
CREATE TABLE attempts (
    item_id bigint NOT NULL, number int NOT NULL, worker text NOT NULL, started_at timestamp NOT NULL,
    ended_at timestamp, outcome text, PRIMARY KEY (item_id, number));
"""
CLAIM_CTES = """
claimed AS (
    UPDATE items SET state = 'taken', attempts = attempts + 1, lease_owner = %(worker)s,
        lease_expires_at = now() + interval '5 minutes', updated_at = now()
    WHERE id = (SELECT id FROM items WHERE queue = %(queue)s AND state IN ('waiting', 'retry')
                AND available_at <= now() ORDER BY available_at, id LIMIT 1 FOR UPDATE SKIP LOCKED)
    RETURNING id, attempts),
opened AS (INSERT INTO attempts (item_id, number, worker, started_at)
           SELECT id, attempts, %(worker)s, now() FROM claimed)
"""
CLAIM = f"WITH {CLAIM_CTES} SELECT id FROM claimed"
# The claim's own commit setting inside its statement (local to its transaction): no extra round trip.
CLAIM_SETTING = (
    f"WITH setting AS (SELECT set_config('synchronous_commit', %(sync)s, true)), {CLAIM_CTES}"
    " SELECT claimed.id FROM claimed, setting"
)
RELEASE = """
WITH finished AS (
    UPDATE items SET state = 'done', lease_owner = NULL, lease_expires_at = NULL, updated_at = now()
    WHERE id = %(id)s AND lease_owner = %(worker)s AND lease_expires_at >= now()
    RETURNING id, attempts)
UPDATE attempts SET ended_at = now(), outcome = 'done'
FROM finished WHERE attempts.item_id = finished.id AND attempts.number = finished.attempts
"""
ARMS = {  # arm: (claim's synchronous_commit, release's)
    "floor, both commits durable": ("on", "on"),
    "floor, claim commit asynchronous": ("off", "on"),
    "floor, neither commit flushed": ("off", "off"),
}


def floor(url: str, items: int, claim_sync: str, release_sync: str) -> float:
    """Items/s of the plain-psycopg queue: ``items`` claimed and released by one worker, in the empty schema
    ``url`` names."""
    import psycopg

    # autocommit: each statement is its own transaction, one round trip (no BEGIN and COMMIT of its own)
    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True) as conn:
        conn.execute(SCHEMA)
        conn.execute(
            "INSERT INTO items (queue, state, available_at, updated_at)"
            " SELECT 'q', 'waiting', now(), now() FROM generate_series(1, %(n)s)",
            {"n": items},
        )
        conn.execute(f"SET synchronous_commit = {release_sync}")  # the session's: the release's
        claim = CLAIM if claim_sync == release_sync else CLAIM_SETTING
        done, started = 0, time.perf_counter()
        with conn.cursor() as cur:
            while True:
                row = cur.execute(claim, {"worker": "w", "queue": "q", "sync": claim_sync}).fetchone()
                if row is None:
                    break
                cur.execute(RELEASE, {"id": row[0], "worker": "w"})
                done += 1
        elapsed = time.perf_counter() - started
    assert done == items, f"the floor processed {done} of {items}"
    return done / elapsed


def ours(url: str, items: int) -> float:
    """Items/s of our WorkQueue: the same work, one worker, in the empty schema ``url`` names."""
    from rpa_core.queue import Outcome, WorkQueue
    from rpa_core.store import open_store

    store = open_store(url)
    try:
        queue = WorkQueue(store, "q")
        queue.create_many((f"ref-{i}", {"i": i}) for i in range(items))
        done, started = 0, time.perf_counter()
        while (item := queue.claim("w")) is not None:
            queue.release(item.id, "w", Outcome.DONE)
            done += 1
        elapsed = time.perf_counter() - started
    finally:
        store.close()
    assert done == items, f"our queue processed {done} of {items}"
    return done / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--items", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--postgres", default=DEFAULT_PG, help="PostgreSQL URL (default: %(default)s)")
    args = parser.parse_args()
    import psycopg

    plain = args.postgres.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(plain) as conn:
        settings = {
            name: conn.execute(f"SHOW {name}").fetchone()[0]
            for name in ("server_version", "synchronous_commit", "fsync", "wal_sync_method", "commit_delay")
        }
    figures: dict[str, list[float]] = {"our queue (rpa_core WorkQueue)": [], **{arm: [] for arm in ARMS}}
    schemas = PostgresSchemas(args.postgres)  # a fresh schema for each arm's each round, all dropped at the end
    try:
        for _ in range(args.rounds):
            figures["our queue (rpa_core WorkQueue)"].append(ours(schemas.new("ours"), args.items))
            for arm, (claim_sync, release_sync) in ARMS.items():
                figures[arm].append(floor(schemas.new("floor"), args.items, claim_sync, release_sync))
    finally:
        schemas.drop()
    medians = {arm: statistics.median(values) for arm, values in figures.items()}
    print(f"\none PostgreSQL worker, {args.items} items, {args.rounds} rounds (medians); server: {settings}")
    print(f"load average at the end: {', '.join(f'{x:.1f}' for x in os.getloadavg())}")
    for arm, values in figures.items():
        runs = ", ".join(f"{v:.0f}" for v in values)
        print(f"{arm:<36} {medians[arm]:>7.0f} claim+release/s   (rounds: {runs})")
    durable = medians["floor, both commits durable"]
    print(f"ratio our queue / durable floor: {medians['our queue (rpa_core WorkQueue)'] / durable:.2f}")
    print("issue 11's target for one PostgreSQL worker: >= 1500/s")


if __name__ == "__main__":
    main()
