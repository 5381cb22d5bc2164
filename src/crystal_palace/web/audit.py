"""The audit trail: who did what, when, on which route and records, and with what outcome.

Every request is written to ``web_audit`` in the accounts database (views as well as changes, refusals
as well as successes), except static files and the health probe, which show no data. An endpoint adds
the ids of the records it showed or changed with :func:`audit_records`, so that "who looked at
seizure sz-...?" has an answer.

Events are queued when the response has been sent and written by one writer thread per process, in
batches: the writer waits :attr:`AuditLog.LINGER_S` after the first event of a batch for more, then
writes them all in one transaction and one statement. The trail costs a request neither latency nor
a database transaction of its own, and several worker processes do not queue for the accounts
database's write lock on every request (at hundreds of requests per second, a transaction and a
writer wake-up per event cost a tenth of a millisecond of CPU per request). Reading the trail first
writes what is queued; stopping the server writes the rest. A failed write is logged as an error,
never ignored.
"""

from __future__ import annotations

import atexit
import logging
import queue
import threading
import time
from collections.abc import Iterable, MutableMapping
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from crystal_palace.web.accounts import utcnow
from crystal_palace.web.db import Database

log = logging.getLogger("crystal_palace.audit")

NOT_AUDITED_PREFIXES = ("/static/",)
NOT_AUDITED_PATHS = frozenset({"/v1/health", "/favicon.ico"})
MAX_RECORD_IDS = 1000
"""A listing of more records is stored as its first ids and a count (the query itself is in ``path``)."""


_FLUSH = object()
"""What :meth:`AuditLog.flush` queues: the writer writes what is waiting without lingering for more."""


@dataclass(frozen=True)
class AuditEvent:
    """One audited request."""

    at: str
    username: str | None
    method: str
    route: str
    path: str
    record_ids: tuple[str, ...]
    status: int
    outcome: str
    client: str
    detail: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {"at": self.at, "username": self.username, "method": self.method, "route": self.route,
                "path": self.path, "record_ids": list(self.record_ids), "status": self.status,
                "outcome": self.outcome, "client": self.client, "detail": self.detail}


def outcome_of(status: int) -> str:
    """ok, denied (401/403), rejected (other 4xx) or error (5xx)."""
    if status < 400:
        return "ok"
    if status in (401, 403):
        return "denied"
    return "rejected" if status < 500 else "error"


def audit_records(request: Request, record_ids: Iterable[str]) -> None:
    """Note the ids of the records this request showed or changed (written with the request's event)."""
    ids = request.scope.setdefault("state", {}).setdefault("audit_records", [])
    ids.extend(str(r) for r in record_ids)


def audit_detail(request: Request, detail: str) -> None:
    """Add a short note to the request's event (e.g. the user name a failed login tried)."""
    request.scope.setdefault("state", {})["audit_detail"] = detail[:500]


class AuditLog:
    """Writes (in batches, from a writer thread) and reads the ``web_audit`` table."""

    BATCH = 500
    LINGER_S = 0.05
    """How long the writer collects events after the first of a batch (the trail is at most this late)."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._queue: queue.Queue[AuditEvent | object] = queue.Queue()
        self._writer: threading.Thread | None = None
        self._lock = threading.Lock()

    def submit(self, event: AuditEvent) -> None:
        """Queue an event for the writer thread (returns at once)."""
        if self._writer is None:
            with self._lock:
                if self._writer is None:
                    self._writer = threading.Thread(target=self._write_forever, name="audit-writer", daemon=True)
                    self._writer.start()
                    atexit.register(self.flush)
        self._queue.put(event)

    def flush(self, timeout: float = 30.0) -> None:
        """Wait until every queued event is written (the writer stops lingering for more)."""
        if self._writer is None:
            return
        self._queue.put(_FLUSH)
        done = threading.Event()

        def wait_for_writer() -> None:
            self._queue.join()
            done.set()

        threading.Thread(target=wait_for_writer, daemon=True).start()
        if not done.wait(timeout):
            log.error("the audit trail could not be written within %.0f s (%d events waiting)", timeout,
                      self._queue.qsize())

    def _take(self, batch: list[AuditEvent], timeout: float | None) -> bool:
        """Move one queued item into ``batch`` (waiting up to ``timeout``); False at a flush or when none came."""
        item = self._queue.get(timeout=timeout) if timeout is None or timeout > 0 else self._queue.get_nowait()
        if item is _FLUSH:
            self._queue.task_done()
            return False
        batch.append(item)  # type: ignore[arg-type]  # every other item is an AuditEvent
        return True

    def _write_forever(self) -> None:
        while True:
            batch: list[AuditEvent] = []
            lingering = self._take(batch, None)
            deadline = time.monotonic() + self.LINGER_S
            while len(batch) < self.BATCH:
                try:
                    if lingering:
                        lingering = self._take(batch, deadline - time.monotonic())
                    else:  # after the wait (or at a flush): only what is already queued
                        self._take(batch, 0)
                except queue.Empty:
                    if not lingering:
                        break
                    lingering = False
            if not batch:
                continue
            try:
                self.write(*batch)
            except Exception:  # the responses are gone; the failure must at least reach the log
                log.exception("could not write %d audit events, e.g. %s", len(batch), batch[0].to_dict())
            finally:
                for _ in batch:
                    self._queue.task_done()

    def write(self, *events: AuditEvent) -> None:
        """Store events now, in one transaction."""
        rows = []
        for event in events:
            ids = list(event.record_ids)
            stored = ",".join(ids[:MAX_RECORD_IDS]) + (f",...(+{len(ids) - MAX_RECORD_IDS})"
                                                       if len(ids) > MAX_RECORD_IDS else "")
            rows.append((event.at, event.username, event.method, event.route, event.path[:2000], stored,
                         event.status, event.outcome, event.client, event.detail))
        sql = ("INSERT INTO web_audit (at, username, method, route, path, record_ids, status, outcome, client, detail)"
               " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
        with self.db.transaction():
            cursor = self.db.connection.cursor()  # one statement for the batch, as the DB-API runs it
            try:
                cursor.executemany(sql if self.db.dialect == "sqlite" else sql.replace("?", "%s"), rows)
            finally:
                cursor.close()

    def events(self, *, username: str | None = None, record_id: str | None = None,
               limit: int = 100) -> list[AuditEvent]:
        """The latest events, newest first, optionally for one user or one record (queued ones included)."""
        self.flush()
        where: list[str] = []
        params: list[object] = []
        if username is not None:
            where.append("username = ?")
            params.append(username)
        if record_id is not None:
            where.append("(',' || record_ids || ',') LIKE ?")
            params.append(f"%,{record_id},%")
        sql = ("SELECT at, username, method, route, path, record_ids, status, outcome, client, detail FROM web_audit"
               + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY id DESC LIMIT ?")
        rows = self.db.fetchall(sql, [*params, int(limit)])
        return [AuditEvent(str(r[0]), None if r[1] is None else str(r[1]), str(r[2]), str(r[3]), str(r[4]),
                           tuple(x for x in str(r[5]).split(",") if x), int(r[6]), str(r[7]), str(r[8]),
                           str(r[9])) for r in rows]


def _event(scope: Scope, state: MutableMapping[str, Any], status: int) -> AuditEvent:
    user = state.get("user")
    username = getattr(user, "username", None) or state.get("audit_username")
    route = scope.get("route")
    client = scope.get("client")
    path = scope.get("path", "")
    query = scope.get("query_string", b"").decode("latin-1")
    return AuditEvent(
        at=utcnow().isoformat(timespec="milliseconds"), username=username, method=scope.get("method", ""),
        route=str(getattr(route, "path", path)), path=path + ("?" + query if query else ""),
        record_ids=tuple(state.get("audit_records", ())), status=status, outcome=outcome_of(status),
        client=client[0] if client else "", detail=str(state.get("audit_detail", "")))


class AuditMiddleware:
    """ASGI middleware that writes one :class:`AuditEvent` per request (see the module docstring).

    ``log_for`` returns the :class:`AuditLog` of the application (looked up per request, so that a test
    can point an application at another accounts database).
    """

    def __init__(self, app: ASGIApp, log_for: Any) -> None:
        self.app = app
        self.log_for = log_for

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Run the request, note its status, and write its event once the response is sent."""
        path = scope.get("path", "")
        if scope["type"] != "http" or path in NOT_AUDITED_PATHS or path.startswith(NOT_AUDITED_PREFIXES):
            await self.app(scope, receive, send)
            return
        state = scope.setdefault("state", {})
        status = 500

        async def record_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, record_status)
        finally:
            audit_log = self.log_for(scope)
            if audit_log is not None:
                audit_log.submit(_event(scope, state, status))
