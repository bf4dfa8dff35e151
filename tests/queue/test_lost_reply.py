"""PostgreSQL without pool_pre_ping: a reply lost after the server committed a claim or a release, a pooled
connection the server ended while it was idle, and the hot path's driver statements."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
import uuid
from datetime import UTC

import psycopg
import pytest
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from rpa_core.queue import EventKind, ItemState, Outcome, QueuePolicy, WorkQueue, get_item, item_history, list_items
from rpa_core.queue.statements import statements
from rpa_core.store import open_store

pytestmark = pytest.mark.postgres
READY_FOR_QUERY = b"Z\x00\x00\x00\x05"  # the server's last message for a request: after the commit


class LosingProxy:
    """A TCP proxy in front of PostgreSQL that can lose one reply: after :meth:`lose_next_reply`, the next
    request reaches the server, its whole answer is read and dropped, and both sides are closed."""

    def __init__(self, host: str, port: int) -> None:
        self.target = (host, port)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.requests: list[bytes] = []
        self.lost: list[bytes] = []
        self.refuse = False
        self._lose = threading.Event()
        threading.Thread(target=self._accept, daemon=True).start()

    def lose_next_reply(self) -> None:
        self._lose.set()

    def close(self) -> None:
        self.listener.close()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if self.refuse:
                client.close()
                continue
            server = socket.create_connection(self.target)
            losing = threading.Event()
            threading.Thread(target=self._requests, args=(client, server, losing), daemon=True).start()
            threading.Thread(target=self._replies, args=(server, client, losing), daemon=True).start()

    def _requests(self, client: socket.socket, server: socket.socket, losing: threading.Event) -> None:
        while chunk := _recv(client):
            self.requests.append(chunk)
            if self._lose.is_set():
                self._lose.clear()
                losing.set()
            server.sendall(chunk)
        server.close()

    def _replies(self, server: socket.socket, client: socket.socket, losing: threading.Event) -> None:
        reply = b""
        while chunk := _recv(server):
            if not losing.is_set():
                client.sendall(chunk)
                continue
            reply += chunk
            if READY_FOR_QUERY in reply:
                self.lost.append(reply)
                break
        for sock in (client, server):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()


def _recv(sock: socket.socket) -> bytes:
    try:
        return sock.recv(65536)
    except OSError:
        return b""


@pytest.fixture
def direct(postgres_url):
    store = open_store(postgres_url)
    yield store
    store.close()


@pytest.fixture
def proxy(postgres_url):
    url = make_url(postgres_url)
    losing = LosingProxy(url.host or "127.0.0.1", url.port or 5432)
    yield losing
    losing.close()


@pytest.fixture
def proxied(direct, proxy):
    url = direct.url.set(host="127.0.0.1", port=proxy.port).update_query_dict({"sslmode": "disable"})
    store = open_store(url.render_as_string(hide_password=False), migrate=False)
    yield store
    store.close()


def _sent(proxy: LosingProxy, sql: str) -> int:
    """How many requests carried the statement ``sql``: its text up to the first parameter (psycopg sends the
    text on a connection's first executions of a statement, before it prepares it)."""
    head = sql.split("%(", 1)[0].encode()
    return sum(head in request for request in proxy.requests)


def test_a_claim_whose_reply_was_lost_returns_the_item_the_server_committed(direct, proxy, proxied):
    WorkQueue(direct, "q").create_many([("a", {}), ("b", {}), ("c", {})])
    queue = WorkQueue(proxied, "q")
    first = queue.claim("w")  # the first claim also sweeps: get it out of the way
    queue.release(first.id, "w", Outcome.DONE)
    proxy.lose_next_reply()
    proxy.requests.clear()

    item = queue.claim("w")

    assert len(proxy.lost) == 1 and b"SELECT 1" in proxy.lost[0], "the server committed the claim; its reply was lost"
    sql = statements(True)
    assert _sent(proxy, sql.pg_claim.sql) == 1, "found by asking, not claimed again"
    assert _sent(proxy, sql.pg_claimed_by.sql) == 1
    assert item is not None and item.reference == "b" and item.lease_owner == "w"
    assert item.lease_expires_at.tzinfo is UTC and item.updated_at.tzinfo is UTC
    assert [a.worker for a in item_history(direct, item.id).attempts] == ["w"]
    assert WorkQueue(direct, "q").counts() == {"DONE": 1, "IN_PROGRESS": 1, "PENDING": 1}
    assert queue.release(item.id, "w", Outcome.DONE) is ItemState.DONE


def test_a_lost_claim_that_cannot_be_asked_about_comes_back_when_its_lease_expires(direct, proxy, proxied):
    WorkQueue(direct, "q").create_many([("a", {}), ("b", {})])
    queue = WorkQueue(proxied, "q", QueuePolicy(lease_seconds=0.5))
    first = queue.claim("w")
    queue.release(first.id, "w", Outcome.DONE)
    proxy.lose_next_reply()
    proxy.refuse = True  # the store is unreachable after the loss: nothing can be asked or retried

    with pytest.raises(DBAPIError):
        queue.claim("w")

    (held,) = list_items(direct, queue="q", states=[ItemState.IN_PROGRESS])
    assert held.reference == "b" and held.lease_owner == "w", "the server committed the claim the worker never saw"
    time.sleep(0.6)
    again = WorkQueue(direct, "q").claim("other")
    assert again is not None and again.id == held.id and again.attempts == 2
    history = item_history(direct, held.id)
    assert [a.outcome for a in history.attempts] == [Outcome.LEASE_EXPIRED, None]
    assert [e.kind for e in history.events] == [EventKind.LEASE_EXPIRED]


def test_a_release_whose_reply_was_lost_counts_as_done_and_is_not_refused(direct, proxy, proxied):
    WorkQueue(direct, "q").create_many([("a", {}), ("b", {})])
    queue = WorkQueue(proxied, "q")
    item = queue.claim("w")
    proxy.lose_next_reply()
    proxy.requests.clear()

    state = queue.release(item.id, "w", Outcome.DONE, result={"paid": "1.00"})

    assert len(proxy.lost) == 1 and b"UPDATE 1" in proxy.lost[0], "the server committed the release"
    assert _sent(proxy, statements(True).pg_finish.sql) == 1, "found by asking, not released again"
    assert _sent(proxy, statements(True).pg_released_by.sql) == 1
    assert state is ItemState.DONE and get_item(direct, item.id).state is ItemState.DONE
    assert [(a.outcome, a.result) for a in item_history(direct, item.id).attempts] == [(Outcome.DONE, {"paid": "1.00"})]


def test_a_pooled_connection_the_server_ended_while_idle_is_replaced_without_a_ping(direct):
    name = f"lost-reply-{uuid.uuid4().hex[:8]}"
    store = open_store(direct.url.update_query_dict({"application_name": name}).render_as_string(False), migrate=False)
    queue = WorkQueue(store, "q")
    queue.create("a")
    plain = direct.url.set(drivername="postgresql").render_as_string(hide_password=False)
    mine = "SELECT pid FROM pg_stat_activity WHERE application_name = %s"
    with psycopg.connect(plain, autocommit=True) as admin:
        ended = {pid for (pid,) in admin.execute(mine, (name,))}
        assert ended and store.engine.pool.checkedin() == len(ended), "every pooled connection is idle"
        admin.execute(f"SELECT pg_terminate_backend(pid) FROM ({mine}) AS pooled", (name,))
        while admin.execute(mine, (name,)).fetchone():
            time.sleep(0.01)

    created, _ = queue.create("b")  # a transaction, outside the queue's own retry: the checkout check alone

    assert created.reference == "b"
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT pg_backend_pid()").scalar() not in ended
    store.close()


def test_the_driver_statements_are_what_sqlalchemy_compiles_for_the_store(direct):
    sql = statements(True)
    for core, driver in (
        (sql.claim_with_attempt, sql.pg_claim),
        (sql.claimed_by, sql.pg_claimed_by),
        (sql.finish_with_attempt, sql.pg_finish),
        (sql.released_by, sql.pg_released_by),
    ):
        assert driver.sql == str(core.compile(direct.engine))
