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
import collections
import logging
import threading
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


class _Flush:
    """What :meth:`AuditLog.flush` queues: set once every event queued before it is written."""

    __slots__ = ("done",)

    def __init__(self) -> None:
        self.done = threading.Event()


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
    """Writes (in batches, from a writer thread) and reads the ``web_audit`` table.

    Events wait in a deque, which the request path appends to without taking a lock. The writer is woken
    at most once per batch, not once per event: it waits for the first event, lingers, then takes all
    that came. (A ``queue.Queue`` woke it on every event while it lingered: a lock, a condition and a
    thread switch per request.)
    """

    BATCH = 500
    LINGER_S = 0.05
    """How long the writer collects events after the first of a batch (the trail is at most this late)."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._pending: collections.deque[AuditEvent | _Flush] = collections.deque()
        self._wake = threading.Event()
        """Set when something was queued since the writer last looked (it sleeps on it between batches)."""
        self._hurry = threading.Event()
        """Set by a flush: the writer stops lingering."""
        self._writer: threading.Thread | None = None
        self._lock = threading.Lock()

    def _start_writer(self) -> None:
        with self._lock:
            if self._writer is None:
                self._writer = threading.Thread(target=self._write_forever, name="audit-writer", daemon=True)
                self._writer.start()
                atexit.register(self.flush)

    def submit(self, event: AuditEvent) -> None:
        """Queue an event for the writer thread (returns at once)."""
        if self._writer is None:
            self._start_writer()
        self._pending.append(event)
        if not self._wake.is_set():  # the writer is asleep or lingering: one wake-up per batch
            self._wake.set()

    def flush(self, timeout: float = 30.0) -> None:
        """Wait until every queued event is written (the writer stops lingering for more)."""
        if self._writer is None:
            return
        marker = _Flush()
        self._pending.append(marker)
        self._hurry.set()
        self._wake.set()
        if not marker.done.wait(timeout):
            log.error("the audit trail could not be written within %.0f s (%d events waiting)", timeout,
                      len(self._pending))

    def _write_forever(self) -> None:
        while True:
            self._wake.wait()
            self._wake.clear()  # cleared before taking: an event queued after this sets it again
            if not self._hurry.is_set():
                self._hurry.wait(self.LINGER_S)
            self._hurry.clear()
            self._write_pending()

    def _write_pending(self) -> None:
        """Write every queued event, in order and in batches; release each flush once what preceded it is written."""
        batch: list[AuditEvent] = []
        while True:
            try:
                item = self._pending.popleft()
            except IndexError:
                break
            if isinstance(item, _Flush):
                self._write_batch(batch)
                batch = []
                item.done.set()
                continue
            batch.append(item)
            if len(batch) >= self.BATCH:
                self._write_batch(batch)
                batch = []
        self._write_batch(batch)

    def _write_batch(self, batch: list[AuditEvent]) -> None:
        if not batch:
            return
        try:
            self.write(*batch)
        except Exception:  # the responses are gone; the failure must at least reach the log
            log.exception("could not write %d audit events, e.g. %s", len(batch), batch[0].to_dict())

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
