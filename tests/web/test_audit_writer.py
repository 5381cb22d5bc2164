"""The audit writer thread: events batched into few transactions, nothing lost, flushes that do not wait."""

from __future__ import annotations

import contextlib
import logging
import threading
import time

from crystal_palace.web.audit import AuditEvent, AuditLog


def event(n: int, user: str = "alice") -> AuditEvent:
    return AuditEvent(f"2026-01-01T00:00:{n % 60:02d}.{n:03d}", user, "POST", "/v1/identify", f"/v1/identify?n={n}",
                      (f"rec-{n}",), 200, "ok", "127.0.0.1", "")


def count_transactions(log: AuditLog) -> list[int]:
    """Count the writer's transactions (wrapping the database's ``transaction``)."""
    calls = [0]
    real = log.db.transaction

    @contextlib.contextmanager
    def counted():  # type: ignore[no-untyped-def]
        calls[0] += 1
        with real():
            yield

    log.db.transaction = counted  # type: ignore[method-assign]
    return calls


def test_events_from_many_threads_are_all_written_in_order_on_both_backends(accounts):
    log = AuditLog(accounts.db)
    users = ["alice", "bob", "carol", "dave"]

    def submit(user: str) -> None:
        for n in range(300):  # 1,200 events in all: more than one batch of AuditLog.BATCH
            log.submit(event(n, user))

    threads = [threading.Thread(target=submit, args=(u,)) for u in users]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    written = log.events(limit=5000)[::-1]  # reading flushes first
    assert len(written) == 1200
    for user in users:
        mine = [e for e in written if e.username == user]
        assert [e.path for e in mine] == [f"/v1/identify?n={n}" for n in range(300)]  # each thread's order kept
        assert mine[7].record_ids == ("rec-7",) and mine[7].status == 200 and mine[7].client == "127.0.0.1"


def test_a_burst_of_events_is_one_transaction(sqlite_accounts):
    log = AuditLog(sqlite_accounts.db)
    log.LINGER_S = 2.0  # the writer collects for up to 2 s after the first event
    transactions = count_transactions(log)
    for n in range(100):
        log.submit(event(n))
    log.flush()
    assert transactions[0] == 1
    assert len(log.events(limit=500)) == 100


def test_flush_does_not_wait_for_the_linger(sqlite_accounts):
    log = AuditLog(sqlite_accounts.db)
    log.LINGER_S = 30.0
    log.submit(event(1))
    started = time.monotonic()
    log.flush()
    assert time.monotonic() - started < 5.0  # far less than the 30 s linger
    (written,) = log.events()
    assert written.path == "/v1/identify?n=1"
    log.flush()  # nothing queued: returns at once
    log.submit(event(2))  # the writer still works after flushes
    assert [e.path for e in log.events()] == ["/v1/identify?n=2", "/v1/identify?n=1"]


def test_a_failed_write_is_logged_and_does_not_stop_the_writer(sqlite_accounts, caplog):
    log = AuditLog(sqlite_accounts.db)
    real = log.write
    failures = [1]

    def failing_once(*events: AuditEvent) -> None:
        if failures:
            failures.pop()
            raise RuntimeError("disk full")
        real(*events)

    log.write = failing_once  # type: ignore[method-assign]
    with caplog.at_level(logging.ERROR, logger="crystal_palace.audit"):
        log.submit(event(1))
        log.flush()
    assert any("could not write 1 audit events" in r.getMessage() for r in caplog.records)
    log.submit(event(2))
    assert [e.path for e in log.events()] == ["/v1/identify?n=2"]


def test_events_still_lingering_are_written_when_the_process_exits(tmp_path):
    import subprocess
    import sys
    import textwrap

    from crystal_palace.web.accounts import Accounts

    url = f"sqlite:///{tmp_path / 'accounts.sqlite3'}"
    script = textwrap.dedent(f"""
        from crystal_palace.web.accounts import Accounts
        from crystal_palace.web.audit import AuditEvent, AuditLog
        log = AuditLog(Accounts({url!r}).db)
        log.LINGER_S = 60.0  # the writer would wait a minute for more: the exit must not
        for n in range(250):
            log.submit(AuditEvent("2026-01-01T00:00:00.000", "alice", "POST", "/v1/identify", f"/x?n={{n}}", (), 200,
                                  "ok", "127.0.0.1", ""))
    """)
    subprocess.run([sys.executable, "-c", script], check=True, timeout=60)
    accounts = Accounts(url)
    assert accounts.db.fetchone("SELECT COUNT(*) FROM web_audit")[0] == 250
    accounts.db.close()


def test_a_lingering_writer_takes_a_burst_in_one_round(sqlite_accounts):
    log = AuditLog(sqlite_accounts.db)
    log.LINGER_S = 1.0
    rounds = [0]
    real = log._write_pending

    def counted() -> None:
        rounds[0] += 1
        real()

    log._write_pending = counted  # type: ignore[method-assign]
    for n in range(200):
        log.submit(event(n))
    log.flush()
    assert rounds[0] <= 2  # not one wake-up per event
    assert len(log.events(limit=500)) == 200
