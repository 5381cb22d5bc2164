"""``/v1/seizures``, ``/v1/records/{id}``, ``/v1/store/stats`` and ``POST /v1/import``: read and fill the store.

The server decides which store it serves, never the client: ``CRYSTAL_PALACE_DB`` (a store URL), else the
default DuckDB file. Records come back as JSON with dates in ISO 8601 and missing values as ``null``.
An import that rejects rows answers 422 in the API's one error shape, one ``errors`` item per bad value
(``loc``: ``["file", row, field]``); a per-row import answers 200 with the rejected rows in its report.
"""

from __future__ import annotations

import datetime as dt
import math
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, File, Form, HTTPException, Query, UploadFile
from fastapi.responses import JSONResponse

from crystal_palace.interfaces.api.errors import ERROR_RESPONSES, error_response
from crystal_palace.web.scoping import sql_filter, visible
from crystal_palace.web.security import CurrentUser

router = APIRouter(prefix="/v1", tags=["store"])
DB_VARIABLE = "CRYSTAL_PALACE_DB"


@contextmanager
def _store(*, read_only: bool = True) -> Iterator[Any]:
    from crystal_palace.workflows.store import _store as open_for

    with open_for(os.environ.get(DB_VARIABLE) or None, read_only=read_only) as store:
        yield store


def _jsonable(value: Any) -> Any:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if hasattr(value, "isoformat"):  # pandas Timestamp
        return None if str(value) == "NaT" else value.isoformat()
    if hasattr(value, "tolist"):
        return value.tolist()
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    return value


def _records(frame: Any) -> list[dict[str, Any]]:
    return [{k: _jsonable(v) for k, v in row.items()} for row in frame.to_dict("records")]


@router.get("/seizures", responses=ERROR_RESPONSES, summary="Seizures, newest first, with filters")
def list_seizures(
    user: CurrentUser,
    country: Annotated[str | None, Query(pattern="^[A-Za-z]{2}$", description="Owner country (ISO-2).")] = None,
    since: dt.date | None = None,
    until: dt.date | None = None,
    inchikey: Annotated[str | None, Query(description="Only seizures holding this substance.")] = None,
    operation_id: str | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> dict[str, Any]:
    """Seizures matching every filter given, with their substances: only those the user may see.

    An analyst sees his agency's seizures and what partners shared with him (:mod:`crystal_palace.web.scoping`).
    """
    scope, scope_params = sql_filter(user)
    where: list[str] = [f"({scope})"]
    params: list[Any] = list(scope_params)
    if country:
        where.append("country = ?")
        params.append(country.upper())
    if since:
        where.append("seized_on >= ?")
        params.append(since)
    if until:
        where.append("seized_on <= ?")
        params.append(until)
    if operation_id:
        where.append("operation_id = ?")
        params.append(operation_id)
    if inchikey:
        where.append("id IN (SELECT seizure_id FROM seizure_substances WHERE inchikey = ?)")
        params.append(inchikey.upper())
    condition = " AND ".join(where)
    with _store() as store:
        total = store.query(f"SELECT count(*) AS n FROM seizures{' WHERE ' + condition if condition else ''}",
                            params)[0]["n"]
        page = store.read_table("seizures", where=condition, params=params, limit=limit, offset=offset,
                                order_by="seized_on DESC, id")
        items = _records(page)
        if items:
            marks = ", ".join("?" for _ in items)
            substances = store.read_table("seizure_substances", where=f"seizure_id IN ({marks})",
                                          params=[i["id"] for i in items])
            by_seizure: dict[str, list[dict[str, Any]]] = {}
            for s in _records(substances):
                by_seizure.setdefault(s["seizure_id"], []).append(s)
            for item in items:
                item["substances"] = by_seizure.get(item["id"], [])
    return {"total": int(total), "limit": limit, "offset": offset, "items": items}


@router.get("/records/{record_id}", responses={**ERROR_RESPONSES, 404: ERROR_RESPONSES[422]},
            summary="One record of any type, with the links that touch it")
def get_record(record_id: str, user: CurrentUser) -> dict[str, Any]:
    """The record, its table, and the links from or to it that the user may see.

    A record the user may not see answers 404, as one that does not exist: its existence is not disclosed.
    """
    with _store() as store:
        found = store.get_record(record_id)
        if found is None or not visible(user, found[1]):
            raise HTTPException(404, f"no record with id {record_id!r}")
        table, record = found
        scope, scope_params = sql_filter(user)
        links = store.read_table("links", where=f"(from_id = ? OR to_id = ?) AND ({scope})",
                                 params=[record_id, record_id, *scope_params])
        return {"table": table, "record": {k: _jsonable(v) for k, v in record.items()}, "links": _records(links)}


@router.get("/store/stats", responses=ERROR_RESPONSES, summary="Records per table and the latest imports")
def stats(user: CurrentUser) -> dict[str, Any]:
    """Counts per table, schema version, latest imports.

    For a user who is not an admin: the counts of the records he may see, and neither the store's
    location nor the imports (other agencies' file names).
    """
    from crystal_palace import store_stats

    with _store() as store:
        result = store_stats(store)
        if user.role != "admin":
            scope, scope_params = sql_filter(user)
            result["counts"] = {table: int(store.query(f"SELECT count(*) AS n FROM {table} WHERE {scope}",
                                                       scope_params)[0]["n"]) for table in result["counts"]}
            result["url"], result["imports"] = None, []
    return {k: _jsonable(v) if k != "imports" else [{a: _jsonable(b) for a, b in r.items()} for r in v]
            for k, v in result.items()}


@router.post("/import", responses=ERROR_RESPONSES, summary="Import a CSV, XLSX, JSON or FtM file")
async def import_upload(
    file: Annotated[UploadFile, File(description="The file to import.")],
    mapping: Annotated[UploadFile | None, File(description="A YAML mapping (source column -> field).")] = None,
    mode: Annotated[Literal["all-or-nothing", "per-row"], Form()] = "all-or-nothing",
    record_type: Annotated[str | None, Form(description="Without a mapping: the table the columns describe.")]
    = None,
    country: Annotated[str | None, Form()] = None,
    agency: Annotated[str | None, Form()] = None,
    handling_code: Annotated[str | None, Form()] = None,
) -> Any:
    """Import one file in one transaction; the same file twice adds nothing."""
    from crystal_palace.store.importers import ImportRejected, import_file

    name = Path(file.filename or "upload.csv").name
    defaults = {k: v for k, v in (("country", country), ("agency", agency), ("handling_code", handling_code)) if v}
    with tempfile.TemporaryDirectory(prefix="crystal-palace-import-") as folder:
        path = Path(folder) / name
        path.write_bytes(await file.read())
        mapping_path = None
        if mapping is not None:
            mapping_path = Path(folder) / "mapping.yaml"
            mapping_path.write_bytes(await mapping.read())
        try:
            with _store(read_only=False) as store:
                report = import_file(store, path, mapping_path, mode=mode, record_type=record_type,
                                     defaults=defaults or None, actor="api")
        except ImportRejected as exc:
            items = [{"loc": ["file", e.row, e.field], "msg": e.reason} for e in exc.report.rejected]
            return error_response(422, str(exc), items)
    body = report.to_dict()
    body["source"] = name
    return JSONResponse(body)
