"""Turn raw actor records (CSV rows, dicts, data frames) into the normalised table the matcher reads.

An actor record has an id, an entity type (person, company, phone, vehicle, bank account) and the
fields of that type. Column names are recognised under the names agencies and public data sets use
(``given_name``, ``firstName``, ``soc_sec_id``, ``date_of_birth``, ``suburb``...), so FEBRL, FtM-style
exports and the project's own CSVs load without a mapping; ``columns=`` renames anything else.

What cannot be read is reported per record and field (:class:`RecordProblem`) and the record stays in:
a bad phone number must not make a person disappear from the resolution. What makes the whole input
unusable (no id column, a duplicate or empty id, an unknown entity type) raises
:class:`~crystal_palace.exceptions.InvalidInput` naming the record and field.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from crystal_palace.exceptions import InvalidInput
from crystal_palace.linkage.actors_names import (
    canonical_given_name,
    clean_name,
    company_name_key,
    split_full_name,
)
from crystal_palace.linkage.actors_values import (
    Normalised,
    account_number,
    clean_text,
    normalise_date,
    normalise_iban,
    normalise_phone,
    normalise_plate,
    normalise_postcode,
    phone_digits,
    plate_key,
)

ENTITY_TYPES = ("person", "company", "phone", "vehicle", "bank_account", "address")
"""The kinds of actor that can be resolved; each has its own comparisons and blocking rules."""

_TYPE_ALIASES = {
    "person": "person", "people": "person", "individual": "person",
    "company": "company", "organization": "company", "organisation": "company", "legalentity": "company",
    "phone": "phone", "phonenumber": "phone", "telephone": "phone",
    "vehicle": "vehicle", "car": "vehicle",
    "bankaccount": "bank_account", "bank_account": "bank_account", "account": "bank_account",
    "address": "address", "location": "address",
}

ID_COLUMNS = ("record_id", "rec_id", "id", "unique_id")
TYPE_COLUMNS = ("entity_type", "schema", "type")

FIELD_ALIASES: dict[str, tuple[str, ...]] = {
    "first_name": ("first_name", "given_name", "firstname", "forename", "first", "imie", "nome", "voornaam"),
    "surname": ("surname", "last_name", "lastname", "family_name", "nazwisko", "cognome", "achternaam"),
    "name": ("name", "full_name", "fullname", "company_name", "legal_name"),
    "birth_date": ("birth_date", "date_of_birth", "dob", "birthdate", "data_urodzenia", "data_di_nascita"),
    "id_number": ("id_number", "soc_sec_id", "national_id", "idnumber", "passport_number", "pesel", "bsn",
                  "codice_fiscale", "tax_number"),
    "street_number": ("street_number", "house_number", "building_number"),
    "street": ("street", "address_1", "street_name", "address"),
    "locality": ("locality", "address_2"),
    "city": ("city", "suburb", "town", "place", "municipality"),
    "postcode": ("postcode", "postal_code", "zip", "zipcode", "postalcode"),
    "region": ("region", "state", "province"),
    "country": ("country",),
    "nationality": ("nationality", "citizenship"),
    "registration_number": ("registration_number", "registrationnumber", "krs", "kvk", "rea", "vat_number",
                            "vatcode", "company_number"),
    "phone": ("phone", "number", "phone_number", "telephone", "msisdn"),
    "owner_name": ("owner_name", "owner", "subscriber", "holder_name", "holder", "account_holder"),
    "plate": ("plate", "registration", "registration_plate", "license_plate", "licence_plate", "plate_number"),
    "vin": ("vin", "chassis_number"),
    "make": ("make", "brand"),
    "model": ("model",),
    "colour": ("colour", "color"),
    "iban": ("iban", "account_number", "accountnumber"),
    "bic": ("bic", "swift", "swift_code"),
}
"""Canonical field -> the column names recognised for it (compared case-insensitively, ``_`` ignored).

``country`` is where the record was made (the project's provenance column): it is never compared, it
only completes national phone and account numbers. A person's own country is ``nationality``; a
vehicle's ``registration_number`` is its plate.
"""


@dataclass(frozen=True)
class RecordProblem:
    """A value of one record that could not be read; the record is kept and the field left empty."""

    record_id: str
    field: str
    value: str
    reason: str

    def to_dict(self) -> dict[str, str]:
        """JSON-ready form."""
        return {"record_id": self.record_id, "field": self.field, "value": self.value, "reason": self.reason}


@dataclass
class PreparedRecords:
    """The normalised table of one entity type, with what was not understood."""

    entity_type: str
    table: pd.DataFrame
    problems: list[RecordProblem] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)

    @property
    def populated_fields(self) -> set[str]:
        """Matching columns holding at least one value: the comparisons are chosen from these."""
        return {c for c in self.table.columns if c != "unique_id" and self.table[c].notna().any()}


def _key(column: str) -> str:
    return column.strip().lower().replace("_", "").replace(" ", "").replace("-", "")


def _recognise(columns: list[str], rename: Mapping[str, str]) -> tuple[dict[str, str], list[str]]:
    """Canonical field -> input column, and the input columns nobody reads."""
    lookup = {_key(alias): canonical for canonical, aliases in FIELD_ALIASES.items() for alias in aliases}
    found: dict[str, str] = {}
    ignored: list[str] = []
    for column in columns:
        canonical = rename.get(column) or lookup.get(_key(column))
        if canonical is not None and canonical not in found:
            found[canonical] = column
        elif _key(column) not in {_key(c) for c in (*ID_COLUMNS, *TYPE_COLUMNS)}:
            ignored.append(column)
    return found, ignored


def as_frame(records: Any) -> pd.DataFrame:
    """A data frame of strings from a data frame, a list of dicts or a CSV path; blanks become missing."""
    if isinstance(records, pd.DataFrame):
        frame = records.copy()
    elif isinstance(records, (str, bytes)) or hasattr(records, "__fspath__"):
        frame = pd.read_csv(records, dtype=str, keep_default_na=False, skipinitialspace=True)
    else:
        frame = pd.DataFrame(list(records))
    def cell(value: Any) -> str | None:
        if value is None or value != value:  # None or NaN
            return None
        text = str(value).strip()
        return text or None

    columns = {str(c).strip(): pd.Series([cell(v) for v in frame[c]], index=frame.index, dtype=object)
               for c in frame.columns}
    return pd.DataFrame(columns, index=frame.index)


def record_ids(frame: pd.DataFrame, source: str) -> pd.Series:
    """The id column, checked: present, never empty, never repeated."""
    lookup = {_key(c): c for c in frame.columns}
    column = next((lookup[_key(c)] for c in ID_COLUMNS if _key(c) in lookup), None)
    if column is None:
        raise InvalidInput(f"no record id column (one of {', '.join(ID_COLUMNS)}) in {list(frame.columns)}",
                           field="record_id", record=source)
    ids = frame[column]
    empty = ids[ids.isna()]
    if len(empty):
        raise InvalidInput("empty record id", field=column, record=f"{source}, row {int(empty.index[0]) + 1}")
    repeated = ids[ids.duplicated()]
    if len(repeated):
        raise InvalidInput(f"record id {repeated.iloc[0]!r} appears more than once", field=column,
                           record=f"{source}, id {repeated.iloc[0]}")
    return ids.astype(str)


def entity_types(frame: pd.DataFrame, ids: pd.Series, default: str, source: str) -> pd.Series:
    """The entity type of each row: its type column (FtM schema names understood) or ``default``."""
    if default not in ENTITY_TYPES:
        raise InvalidInput(f"unknown entity type {default!r}; expected one of {', '.join(ENTITY_TYPES)}",
                           field="entity_type", record=source)
    lookup = {_key(c): c for c in frame.columns}
    column = next((lookup[_key(c)] for c in TYPE_COLUMNS if _key(c) in lookup), None)
    if column is None:
        return pd.Series(default, index=frame.index)
    types = pd.Series([default if v is None else _TYPE_ALIASES.get(_key(v)) for v in frame[column]],
                      index=frame.index, dtype=object)
    unknown = types[types.isna()]
    if len(unknown):
        row = unknown.index[0]
        raise InvalidInput(f"unknown entity type {frame.at[row, column]!r}; expected one of "
                           f"{', '.join(ENTITY_TYPES)} (or an FtM schema such as Person, Company)",
                           field=column, record=f"{source}, id {ids[row]}")
    return types


def _by_unique(values: pd.Series, function: Callable[[Any], Any]) -> pd.Series:
    """Apply ``function`` once per distinct value: names and cities repeat a lot in large files."""
    distinct = values.dropna().unique()
    mapping = {v: function(v) for v in distinct}
    return pd.Series([None if v is None or v != v else mapping[v] for v in values], index=values.index,
                     dtype=object)


def prepare(frame: pd.DataFrame, ids: pd.Series, entity_type: str, *, columns: Mapping[str, str] | None = None,
            default_country: str | None = None) -> PreparedRecords:
    """Normalise the rows of one entity type into the matcher's columns (``unique_id`` plus fields)."""
    found, ignored = _recognise(list(frame.columns), columns or {})
    problems: list[RecordProblem] = []
    out: dict[str, list[Any]] = {"unique_id": [str(i) for i in ids]}

    def raw(canonical: str) -> pd.Series:
        if canonical in found:
            return frame[found[canonical]]
        return pd.Series([None] * len(frame), index=frame.index, dtype=object)

    def checked(canonical: str, function: Callable[[Any], Normalised]) -> pd.Series:
        results = _by_unique(raw(canonical), function)
        values = results.map(lambda r: None if r is None else r[0])
        for index, result in results.items():
            if result is not None and result[1] is not None:
                problems.append(RecordProblem(str(ids[index]), found[canonical], str(raw(canonical)[index]),
                                              result[1]))
        return values

    def text(canonical: str) -> pd.Series:
        return _by_unique(raw(canonical), clean_text)

    country = _by_unique(raw("country"), lambda v: (clean_text(v) or "").upper() or None)
    countries = country.fillna(default_country or "")

    def phones(canonical: str) -> list[str | None]:
        results = [normalise_phone(v, c) for v, c in zip(raw(canonical), countries, strict=True)]
        for index, (_value, reason) in zip(frame.index, results, strict=True):
            if reason is not None:
                problems.append(RecordProblem(str(ids[index]), found[canonical], str(raw(canonical)[index]), reason))
        return [p[0] for p in results]

    if entity_type == "person":
        first, surname = raw("first_name"), raw("surname")
        if "name" in found:  # a one-field name fills whichever part is missing
            split = _by_unique(raw("name"), split_full_name)
            first = first.where(first.notna(), split.map(lambda n: n.first_name if n else None))
            surname = surname.where(surname.notna(), split.map(lambda n: n.surname if n else None))
        out["first_name"] = _listed(_by_unique(first, clean_name))
        out["first_name_canonical"] = _listed(_by_unique(first, canonical_given_name))
        out["surname"] = _listed(_by_unique(surname, clean_name))
        dates = _by_unique(raw("birth_date"), normalise_date)
        # an impossible date (a typo) is still evidence: keep its digits for the string comparisons
        out["birth_date"] = [d[0] if d is not None and d[0] else _digits(r)
                             for d, r in zip(dates, raw("birth_date"), strict=True)]
        for index, result in dates.items():
            if result is not None and result[1] is not None:
                problems.append(RecordProblem(str(ids[index]), found["birth_date"], str(raw("birth_date")[index]),
                                              result[1]))
        out["id_number"] = _listed(_by_unique(raw("id_number"), _identifier))
        out["street_number"] = _listed(text("street_number"))
        out["street"] = _listed(text("street"))
        out["locality"] = _listed(text("locality"))
        out["city"] = _listed(text("city"))
        out["postcode"] = _listed(checked("postcode", normalise_postcode))
        out["region"] = _listed(text("region"))
        out["nationality"] = [(v or "").upper() or None for v in _listed(text("nationality"))]
        out["phone"] = phones("phone")
        out["phone_digits"] = [phone_digits(v) for v in raw("phone")]
    elif entity_type == "company":
        out["name"] = _listed(_by_unique(raw("name"), clean_name))
        out["name_key"] = _listed(_by_unique(raw("name"), company_name_key))
        out["registration_number"] = _listed(_by_unique(raw("registration_number"), _identifier))
        out["street"] = _listed(text("street"))
        out["city"] = _listed(text("city"))
        out["postcode"] = _listed(checked("postcode", normalise_postcode))
    elif entity_type == "phone":
        if "phone" not in found and "name" in found:  # an FtM Phone carries its number as its caption
            found["phone"] = found["name"]
        out["phone"] = phones("phone")
        out["phone_digits"] = [phone_digits(v) for v in raw("phone")]
        out["phone_tail"] = [phone_digits(v, 7) for v in raw("phone")]
        out["owner_name"] = _listed(_by_unique(raw("owner_name"), clean_name))
    elif entity_type == "vehicle":
        if "plate" not in found and "registration_number" in found:
            found["plate"] = found["registration_number"]
        out["plate"] = _listed(checked("plate", normalise_plate))
        out["plate_key"] = [plate_key(p) for p in out["plate"]]
        out["vin"] = _listed(_by_unique(raw("vin"), _identifier))
        out["make"] = _listed(text("make"))
        out["model"] = _listed(text("model"))
        out["colour"] = _listed(text("colour"))
    elif entity_type == "bank_account":
        ibans = [normalise_iban(v, c) for v, c in zip(raw("iban"), countries, strict=True)]
        for index, (_value, reason) in zip(frame.index, ibans, strict=True):
            if reason is not None:
                problems.append(RecordProblem(str(ids[index]), found["iban"], str(raw("iban")[index]), reason))
        out["iban"] = [i[0] for i in ibans]
        out["account"] = [account_number(v) for v in raw("iban")]
        out["holder_name"] = _listed(_by_unique(raw("owner_name"), clean_name))
        out["bic"] = _listed(_by_unique(raw("bic"), _identifier))
    else:  # address
        if "street" not in found and "name" in found:
            found["street"] = found["name"]
        out["street"] = _listed(text("street"))
        out["city"] = _listed(text("city"))
        out["postcode"] = _listed(checked("postcode", normalise_postcode))
    table = pd.DataFrame({k: pd.Series(v, dtype=object) for k, v in out.items()})
    return PreparedRecords(entity_type, table, problems, ignored)


def _listed(values: pd.Series) -> list[Any]:
    """Values as a list, missing ones as None (pandas would make them NaN in a string column)."""
    return [None if v is None or v != v else v for v in values]


def _identifier(raw: str | None) -> str | None:
    """Identifiers compare on upper-case letters and digits only (``AB 123-456`` = ``ab123456``)."""
    if raw is None:
        return None
    value = "".join(c for c in str(raw).upper() if c.isalnum())
    return value or None


def _digits(raw: str | None) -> str | None:
    if raw is None:
        return None
    value = "".join(c for c in str(raw) if c.isdigit())
    return value or None
