"""The seizures page: the store's seizures the user may see, newest first, as a table.

This is the pattern for a listing: the scoping rule goes into the SQL
(:func:`crystal_palace.web.scoping.sql_filter`), so that the database returns only what the user may
see and the page can count and page through it; the ids shown are written to the audit trail.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from starlette.concurrency import run_in_threadpool

from crystal_palace.web.accounts import User
from crystal_palace.web.audit import audit_records
from crystal_palace.web.pages import PageRecordReader, render
from crystal_palace.web.records import query_store
from crystal_palace.web.scoping import sql_filter
from crystal_palace.web.security import web_context

PAGE_SIZE = 50
router = APIRouter(include_in_schema=False)


def seizure_rows(db: str | None, user: User, country: str | None, offset: int) -> tuple[int, list[dict[str, Any]]]:
    """How many seizures the user may see (in ``country``, if given), and one page of them."""
    condition, params = sql_filter(user, alias="s")
    where = condition + (" AND s.country = ?" if country else "")
    where_params: list[Any] = [*params, *([country] if country else [])]
    counted = query_store(db, f"SELECT COUNT(*) AS n FROM seizures s WHERE {where}", where_params)
    if not counted:
        return 0, []
    rows = query_store(db, "SELECT s.id, s.ref, s.seized_on, s.country, s.agency, s.place, s.handling_code,"
                           " (SELECT string_agg(DISTINCT x.substance, ', ') FROM seizure_substances x"
                           "  WHERE x.seizure_id = s.id) AS substances"
                           f" FROM seizures s WHERE {where} ORDER BY s.seized_on DESC, s.id"
                           f" LIMIT {PAGE_SIZE} OFFSET ?", [*where_params, offset])
    return int(counted[0]["n"]), rows or []


@router.get("/seizures", response_class=HTMLResponse)
async def seizures_page(request: Request, user: PageRecordReader,
                        country: str | None = Query(None, pattern="^[A-Z]{2}$"),
                        page: int = Query(1, ge=1, le=100_000)) -> HTMLResponse:
    """One page of seizures, newest first, each linking to its record."""
    total, rows = await run_in_threadpool(seizure_rows, web_context(request).settings.db, user, country,
                                          (page - 1) * PAGE_SIZE)
    audit_records(request, [str(r["id"]) for r in rows])
    pages = max(1, -(-total // PAGE_SIZE))
    return render(request, "seizures.html", rows=rows, total=total, page=page, pages=pages, country=country or "")
