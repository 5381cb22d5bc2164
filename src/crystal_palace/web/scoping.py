"""Who may see which record: an analyst sees his agency's records and what partners shared with him.

Every store record carries ``country``, ``agency`` and ``handling_code`` (see
:data:`crystal_palace.store.model.COMMON_COLUMNS`). The rule, in one place for the API and the pages:

1. A user sees only records whose handling code he is cleared for (``user.handling_codes``).
2. Within that, he sees his own agency's records (same country and agency),
3. the records of an agency that shares with his agency, when the record's handling code is one of
   those the agreement covers (:meth:`~crystal_palace.web.accounts.Accounts.share_agency`),
4. and records shared with his agency one by one (:meth:`~crystal_palace.web.accounts.Accounts.share_records`).
5. An admin sees every record (the role is for the few who run the installation).

:func:`visible` answers for one record in Python; :func:`sql_filter` gives the same rule as a SQL
condition with parameters, so that a query returns only what the user may see (a test checks that
the two agree on every record of a table). Other jobs' endpoints call one or the other with the user
from :func:`crystal_palace.web.security.current_user`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from crystal_palace.exceptions import InvalidInput
from crystal_palace.web.accounts import User

SCOPE_FIELDS = ("country", "agency", "handling_code")


def _field(record: Mapping[str, Any], name: str) -> str:
    value = record.get(name)
    if value is None or value == "":
        raise InvalidInput(f"a record without {name} cannot be scoped (every store record carries it)",
                           field=name, record=str(record.get("id")) if record.get("id") is not None else None)
    return str(value)


def visible(user: User, record: Mapping[str, Any]) -> bool:
    """True when ``user`` may see ``record`` (a mapping with ``id``, ``country``, ``agency``, ``handling_code``).

    A record missing one of those fields raises ``InvalidInput`` naming it: an unscoped record is a bug,
    and showing it would be a leak.
    """
    country, agency, code = (_field(record, name) for name in SCOPE_FIELDS)
    if user.role == "admin":
        return True
    if code not in user.handling_codes:
        return False
    if (country, agency) == (user.country, user.agency):
        return True
    if record.get("id") is not None and str(record["id"]) in user.shares.records:
        return True
    shared_codes = user.shares.agencies.get((country, agency))
    return shared_codes is not None and code in shared_codes


def sql_filter(user: User, alias: str = "", placeholder: str = "?") -> tuple[str, list[str]]:
    """The rule of :func:`visible` as a SQL condition and its parameters.

    ``alias`` qualifies the columns (``"s"`` gives ``s.country``); ``placeholder`` is the driver's
    parameter marker (``?`` for DuckDB and SQLite, ``%s`` for psycopg). Use it as
    ``f"SELECT ... FROM seizures s WHERE {condition}"`` with the parameters appended to the query's own.
    """
    if user.role == "admin":
        return "TRUE", []
    p = placeholder
    col = (alias + ".") if alias else ""
    cleared = sorted(user.handling_codes)
    if not cleared:
        return "FALSE", []
    params: list[str] = list(cleared)
    parts = [f"({col}country = {p} AND {col}agency = {p})"]
    params += [user.country, user.agency]
    for (country, agency), codes in sorted(user.shares.agencies.items()):
        allowed = sorted(set(codes) & user.handling_codes)
        if allowed:
            parts.append(f"({col}country = {p} AND {col}agency = {p} AND {col}handling_code IN "
                         f"({', '.join([p] * len(allowed))}))")
            params += [country, agency, *allowed]
    records = sorted(user.shares.records)
    if records:
        parts.append(f"{col}id IN ({', '.join([p] * len(records))})")
        params += records
    condition = f"({col}handling_code IN ({', '.join([p] * len(cleared))}) AND ({' OR '.join(parts)}))"
    return condition, params


DETAIL_TABLES: dict[str, tuple[str, str]] = {
    "seizure_substances": ("seizure_id", "seizures"),
    "profiles": ("sample_id", "samples"),
}
"""Tables whose rows are parts of a parent record: ``table -> (column, parent table)``. A part is shown
only with its parent, so that a visible line of an invisible seizure cannot leak its quantities."""


def scope_records(user: User, records: Mapping[str, Sequence[Mapping[str, Any]]]) -> dict[str, list[Any]]:
    """Records per store table, each table cut to the rows ``user`` may see, before anything is derived.

    ``records`` is what :func:`crystal_palace.workflows.analysis.load_records` gives. Every row is judged
    by :func:`visible`; a row of a :data:`DETAIL_TABLES` table goes as well when its parent (loaded in the
    same mapping) is not visible. Links are rows too: a link the user may not see is dropped, and so is a
    link whose end is not among the visible records loaded (not even its id reaches the analyses). An
    admin's records come back unchanged.
    """
    if user.role == "admin":
        return {table: list(rows) for table, rows in records.items()}
    scoped = {table: [r for r in rows if visible(user, r)] for table, rows in records.items()}
    for table, (column, parent) in DETAIL_TABLES.items():
        if table in scoped and parent in scoped:
            shown = {str(r.get("id")) for r in scoped[parent]}
            scoped[table] = [r for r in scoped[table] if str(r.get(column)) in shown]
    if "links" in scoped:
        known = {str(r.get("id")) for table, rows in scoped.items() if table != "links" for r in rows}
        scoped["links"] = [r for r in scoped["links"]
                           if str(r.get("from_id")) in known and str(r.get("to_id")) in known]
    return scoped
