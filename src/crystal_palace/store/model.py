"""The seizure-intelligence data model: record types as data, one SQL schema for DuckDB and PostgreSQL.

The model is a table of :class:`Table` definitions, each a tuple of typed :class:`Column` s, so that
the schema, the importers' validation, the exporters and the documentation (``docs/store.md``) all
read one description. Every record table starts with the same provenance columns
(:data:`COMMON_COLUMNS`): a stable ``id``, the ``ref`` the source system gave it, the owner
``country`` and ``agency``, the ``source`` (file or system), the ``handling_code`` and
``created_at``/``updated_at`` (UTC); ``content_hash`` lets an import tell a changed record from a
repeated one.

Chemical profiles keep their peak areas as one ``double[]`` column in the order of their target set
(table ``target_sets``): linkage reads a whole population into one ``(n, peaks)`` numpy array without a
pivot. Lists of names (equipment, countries) are ``text[]``; free-form extra properties (FtM
properties that have no column) are JSON text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

ColumnType = Literal["text", "double", "integer", "date", "timestamp", "text[]", "double[]", "json"]

SQL_TYPES: dict[str, dict[ColumnType, str]] = {
    "duckdb": {"text": "VARCHAR", "double": "DOUBLE", "integer": "BIGINT", "date": "DATE",
               "timestamp": "TIMESTAMP", "text[]": "VARCHAR[]", "double[]": "DOUBLE[]", "json": "VARCHAR"},
    "postgresql": {"text": "TEXT", "double": "DOUBLE PRECISION", "integer": "BIGINT", "date": "DATE",
                   "timestamp": "TIMESTAMP", "text[]": "TEXT[]", "double[]": "DOUBLE PRECISION[]",
                   "json": "TEXT"},
}
"""How each logical column type is spelled in each dialect (timestamps are UTC without a zone)."""

HANDLING_CODES = ("H0", "H1", "H2", "H3")
"""Europol/SIENA handling codes: H0 no restriction beyond the law, H1 not for use as evidence in court
without the owner's consent, H2 not to be disseminated without the owner's permission, H3 other
restrictions (see the record's source)."""

FTM_SCHEMATA = ("Person", "Company", "Organization", "LegalEntity", "Address", "Vehicle", "BankAccount", "Phone")
"""Actor schemata: FollowTheMoney names; ``Phone`` is Crystal Palace's own (FtM keeps phones as a property)."""

INCHIKEY = re.compile(r"^[A-Z]{14}-[A-Z]{10}-[A-Z]$")
COUNTRY = re.compile(r"^[A-Z]{2}$")


@dataclass(frozen=True)
class Column:
    """One column: its name, logical type, whether a record must have it, and what it means."""

    name: str
    type: ColumnType
    doc: str
    required: bool = False
    references: str | None = None
    """Name of the table whose record this column points to (a deleted parent deletes this row)."""
    choices: tuple[str, ...] = ()


@dataclass(frozen=True)
class Table:
    """One record type: its table, its id prefix and its columns (provenance columns first)."""

    name: str
    prefix: str
    doc: str
    columns: tuple[Column, ...]

    @property
    def column_names(self) -> tuple[str, ...]:
        """All column names, in table order."""
        return tuple(c.name for c in self.columns)

    def column(self, name: str) -> Column:
        """The column called ``name`` (KeyError if there is none)."""
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)

    @property
    def own_columns(self) -> tuple[Column, ...]:
        """The columns specific to this record type (without the provenance columns)."""
        return self.columns[len(COMMON_COLUMNS):]


COMMON_COLUMNS = (
    Column("id", "text", "stable record id: `<prefix>-` + 16 hex digits of a hash of the natural key", True),
    Column("ref", "text", "the record's identifier in its source system (case number, lab number...)"),
    Column("country", "text", "ISO 3166-1 alpha-2 code of the country that owns the record", True),
    Column("agency", "text", "the agency that owns the record", True),
    Column("source", "text", "where the record came from (file name, system)", True),
    Column("handling_code", "text", "handling code that travels with the record", True, choices=HANDLING_CODES),
    Column("created_at", "timestamp", "when the record was first stored (UTC)", True),
    Column("updated_at", "timestamp", "when the record was last changed (UTC)", True),
    Column("content_hash", "text", "hash of the record's content, to tell a changed record from a repeat", True),
)


def _table(name: str, prefix: str, doc: str, *columns: Column) -> Table:
    return Table(name, prefix, doc, COMMON_COLUMNS + columns)


TABLES: dict[str, Table] = {t.name: t for t in (
    _table("operations", "op", "a joint operation: its name, period and participating countries",
           Column("name", "text", "operation name", True),
           Column("started_on", "date", "first day"),
           Column("ended_on", "date", "last day"),
           Column("countries", "text[]", "participating countries (ISO-2)"),
           Column("description", "text", "free text")),
    _table("operation_outcomes", "oo", "one participating country's results in an operation",
           Column("operation_id", "text", "the operation", True, references="operations"),
           Column("arrests", "integer", "people arrested"),
           Column("sites_dismantled", "integer", "production sites dismantled"),
           Column("notes", "text", "free text")),
    _table("seizures", "sz", "a seizure: when, where, by whom, in which case and operation",
           Column("seized_on", "date", "date of the seizure", True),
           Column("place", "text", "place name (city, border crossing, port)"),
           Column("lat", "double", "latitude (WGS 84)"),
           Column("lon", "double", "longitude (WGS 84)"),
           Column("operation_id", "text", "joint operation the seizure belongs to", references="operations"),
           Column("description", "text", "free text")),
    _table("seizure_substances", "ss", "one substance in a seizure, by InChIKey, with quantity and purity",
           Column("seizure_id", "text", "the seizure", True, references="seizures"),
           Column("inchikey", "text", "standard InChIKey of the substance's parent structure", True),
           Column("substance", "text", "the substance's name as reported"),
           Column("quantity", "double", "amount seized, in `unit`"),
           Column("unit", "text", "unit of `quantity`", choices=("g", "kg", "mg", "ml", "l", "tablets", "units",
                                                                 "blotters", "capsules")),
           Column("purity", "double", "purity in percent (0-100)"),
           Column("form", "text", "physical form", choices=("powder", "crystal", "tablet", "capsule", "liquid",
                                                            "paste", "blotter", "plant", "resin", "other"))),
    _table("samples", "sa", "a sample taken from a seizure for laboratory analysis",
           Column("seizure_id", "text", "the seizure it was taken from", True, references="seizures"),
           Column("taken_on", "date", "sampling date"),
           Column("inchikey", "text", "main substance found (InChIKey)"),
           Column("purity", "double", "purity in percent (0-100)"),
           Column("form", "text", "physical form")),
    _table("target_sets", "ts", "an ordered list of target impurity peaks (a laboratory's profiling method)",
           Column("name", "text", "name of the target set", True),
           Column("method", "text", "analytical technique (GC-MS, ...)"),
           Column("peak_names", "text[]", "peak names in the order of `profiles.areas`", True)),
    _table("profiles", "pr", "a chemical (impurity) profile of a sample: one area per target peak",
           Column("sample_id", "text", "the sample", True, references="samples"),
           Column("target_set_id", "text", "the target set that orders `areas`", True, references="target_sets"),
           Column("method", "text", "analytical technique"),
           Column("areas", "double[]", "peak areas, in the order of the target set (0 = not detected)", True)),
    _table("tablets", "tb", "a tablet's logo and physical features",
           Column("seizure_id", "text", "the seizure it comes from", True, references="seizures"),
           Column("sample_id", "text", "the sample it was measured as, if any", references="samples"),
           Column("logo", "text", "logo or imprint"),
           Column("colour", "text", "colour"),
           Column("shape", "text", "shape (round, rectangular, shaped...)"),
           Column("diameter_mm", "double", "diameter (or length) in mm"),
           Column("thickness_mm", "double", "thickness in mm"),
           Column("weight_mg", "double", "weight in mg"),
           Column("score_line", "text", "score line", choices=("none", "single", "cross", "other"))),
    _table("production_sites", "ps", "a dismantled production site (laboratory, tableting or storage site)",
           Column("site_type", "text", "kind of site", choices=("synthesis", "tableting", "conversion",
                                                               "storage", "other")),
           Column("place", "text", "place name"),
           Column("lat", "double", "latitude (WGS 84)"),
           Column("lon", "double", "longitude (WGS 84)"),
           Column("dismantled_on", "date", "date dismantled"),
           Column("operation_id", "text", "joint operation", references="operations"),
           Column("equipment", "text[]", "equipment found"),
           Column("chemicals", "text[]", "chemicals found (InChIKey or name)"),
           Column("waste", "text[]", "waste found"),
           Column("synthesis_route", "text", "synthesis route (e.g. Leuckart, reductive amination)"),
           Column("capacity_kg_week", "double", "estimated output in kg per week")),
    _table("actors", "ac", "a person, company, address, vehicle, bank account or phone (FollowTheMoney schemata)",
           Column("schema", "text", "FtM schema", True, choices=FTM_SCHEMATA),
           Column("name", "text", "full name / caption"),
           Column("first_name", "text", "given name (Person)"),
           Column("last_name", "text", "family name (Person)"),
           Column("birth_date", "text", "birth date, ISO 8601, possibly partial (Person)"),
           Column("nationality", "text", "nationality (ISO-2, Person)"),
           Column("id_number", "text", "identity document / national id number"),
           Column("phone", "text", "phone number as recorded (Phone, Person, Company)"),
           Column("email", "text", "e-mail"),
           Column("address", "text", "full address as recorded (Address, Person, Company)"),
           Column("city", "text", "city"),
           Column("postal_code", "text", "postal code"),
           Column("registration_number", "text", "vehicle plate or company registration number"),
           Column("iban", "text", "IBAN (BankAccount)"),
           Column("properties", "json", "other FtM properties: a JSON object of lists of strings")),
    _table("links", "ln", "a link between two records, with its evidence",
           Column("type", "text", "kind of link (same_batch, same_press, suspect_in, uses_phone, ...)", True),
           Column("from_id", "text", "record at the start of the link", True, references="*"),
           Column("to_id", "text", "record at the end of the link", True, references="*"),
           Column("score", "double", "strength of the evidence (a probability, LR or similarity)"),
           Column("method", "text", "how the link was made (reported, profile-pearson, splink, ...)"),
           Column("explanation", "text", "why: the features that made the link")),
)}
"""Every record table, by name, parents before children (the order imports insert in)."""

RECORD_TYPES = tuple(TABLES)


@dataclass(frozen=True)
class AuxTable:
    """A table that is not a record type (no provenance columns): bookkeeping and demo ground truth."""

    name: str
    doc: str
    columns: tuple[Column, ...]
    primary_key: tuple[str, ...] = ()

    @property
    def column_names(self) -> tuple[str, ...]:
        """All column names, in table order."""
        return tuple(c.name for c in self.columns)


AUX_TABLES: dict[str, AuxTable] = {t.name: t for t in (
    AuxTable("audit", "who did what, when, to which records (any job may append)", (
        Column("id", "text", "event id", True),
        Column("occurred_at", "timestamp", "when (UTC)", True),
        Column("actor", "text", "who: user, agency or job", True),
        Column("action", "text", "what: import, delete, export, link...", True),
        Column("target", "text", "what it acted on: a file, a table, record ids"),
        Column("details", "json", "a JSON object with the particulars")), ("id",)),
    AuxTable("imports", "every import: file, hash, mode and counts", (
        Column("id", "text", "import id", True),
        Column("imported_at", "timestamp", "when (UTC)", True),
        Column("source", "text", "file imported", True),
        Column("sha256", "text", "the file's SHA-256", True),
        Column("mode", "text", "all-or-nothing or per-row", True),
        Column("rows", "integer", "rows read", True),
        Column("inserted", "integer", "records added", True),
        Column("updated", "integer", "records whose content changed", True),
        Column("unchanged", "integer", "records already stored as they are", True),
        Column("rejected", "integer", "rows rejected", True)), ("id",)),
    AuxTable("truth_samples", "demo ground truth: the batch, press and site behind each generated sample", (
        Column("sample_id", "text", "generated sample", True),
        Column("seizure_id", "text", "its seizure", True),
        Column("batch_id", "text", "true production batch (profiled substances)"),
        Column("press_id", "text", "true tablet press (tablets)"),
        Column("site_id", "text", "true production site")), ("sample_id",)),
    AuxTable("truth_actors", "demo ground truth: the real-world entity behind each generated actor record", (
        Column("actor_id", "text", "generated actor record", True),
        Column("entity_id", "text", "the true entity it describes", True),
        Column("schema", "text", "FtM schema", True)), ("actor_id",)),
)}


def parent_references() -> list[tuple[str, str, str]]:
    """``(child table, column, parent table)`` for every column that points to another record.

    ``parent table`` is ``"*"`` for the link ends, which may point to a record of any type.
    """
    return [(t.name, c.name, c.references) for t in TABLES.values() for c in t.columns if c.references]


def create_table_sql(dialect: str, name: str) -> str:
    """``CREATE TABLE IF NOT EXISTS`` for one record or auxiliary table in ``dialect``."""
    types = SQL_TYPES[dialect]
    if name in TABLES:
        table = TABLES[name]
        columns = [f"{c.name} {types[c.type]}{' NOT NULL' if c.required else ''}" for c in table.columns]
        columns.append("PRIMARY KEY (id)")
    else:
        aux = AUX_TABLES[name]
        columns = [f"{c.name} {types[c.type]}{' NOT NULL' if c.required else ''}" for c in aux.columns]
        if aux.primary_key:
            columns.append(f"PRIMARY KEY ({', '.join(aux.primary_key)})")
    return f"CREATE TABLE IF NOT EXISTS {name} (\n  " + ",\n  ".join(columns) + "\n)"


NOT_CONTENT = ("id", "source", "created_at", "updated_at", "content_hash")
"""Columns that do not count as a record's content: a repeat from another file is not a change."""


def content_columns(table: Table) -> tuple[str, ...]:
    """The columns whose values make up a record's content hash."""
    return tuple(c.name for c in table.columns if c.name not in NOT_CONTENT)
