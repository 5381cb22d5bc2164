"""Read a shipping manifest or chemical order (CSV or XLSX) and find its columns.

Customs and suppliers name columns in many ways ("Goods description", "CAS No.", "HS code",
"Net weight (kg)", "Importer"); the reader matches a header by its normalised words against the
synonyms below. The first row with a product, CAS or structure column is the header. Every data row
is kept with its line number, including rows that are empty in the columns that matter: the screen
reports them, it never drops them.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from crystal_palace.exceptions import InvalidInput

FIELDS = ("product", "cas", "cn_code", "quantity", "unit", "consignor", "consignee", "structure")
SYNONYMS: dict[str, tuple[str, ...]] = {
    "product": ("product", "productname", "product name", "description", "goodsdescription", "goods", "commodity",
                "commoditydescription", "chemical", "chemicalname", "substance", "substancename", "name", "item",
                "itemdescription", "article", "material", "designation"),
    "cas": ("cas", "casno", "casnumber", "casrn", "casregistrynumber", "casnr"),
    "cn_code": ("cn", "cncode", "hs", "hscode", "hsnumber", "tariff", "tariffcode", "commoditycode", "taric",
                "taricode", "customscode", "cnnumber", "combinednomenclature"),
    "quantity": ("quantity", "qty", "amount", "netweight", "netmass", "weight", "mass", "netquantity",
                 "quantitykg", "netweightkg", "weightkg"),
    "unit": ("unit", "units", "uom", "unitofmeasure", "measure", "quantityunit"),
    "consignor": ("consignor", "shipper", "exporter", "sender", "supplier", "seller", "vendor"),
    "consignee": ("consignee", "importer", "receiver", "recipient", "buyer", "customer", "purchaser", "client"),
    "structure": ("smiles", "structure", "inchi", "molfile"),
}
_UNIT_IN_HEADER = re.compile(r"\((kg|g|mg|t|l|ml|lb)\)|\b(kg|kgs|litres|liters|l)\b$", re.IGNORECASE)


def header_key(text: str) -> str:
    """A header's words, lower case, without punctuation ("CAS No." -> "casno")."""
    return re.sub(r"[^0-9a-z]+", "", text.lower())


@dataclass(frozen=True)
class ManifestTable:
    """The rows of a manifest with the column found for each field."""

    source: str
    header: tuple[str, ...]
    columns: dict[str, int]  # field -> column index
    rows: tuple[tuple[int, tuple[str, ...]], ...]  # (line or spreadsheet row, cells)
    header_unit: str | None  # a unit given in the quantity header, e.g. "Net weight (kg)"
    blank_rows: tuple[int, ...] = ()  # lines after the header with no text in any cell (reported, not screened)

    def value(self, cells: Sequence[str], field: str) -> str:
        """The cell of ``field`` in a row ('' when the column is absent or the row is short)."""
        index = self.columns.get(field)
        if index is None or index >= len(cells):
            return ""
        return cells[index].strip()


def detect_columns(header: Sequence[str]) -> dict[str, int]:
    """Which column holds each field (first match wins; exact synonyms before partial ones)."""
    keys = [header_key(h) for h in header]
    found: dict[str, int] = {}
    for field in FIELDS:  # exact synonyms first, for every field
        synonyms = {header_key(s) for s in SYNONYMS[field]}
        exact = [i for i, k in enumerate(keys) if k in synonyms and i not in found.values()]
        if exact:
            found[field] = exact[0]
    for field in FIELDS:  # then headers that start with a synonym ("Net weight (kg)", "CAS number of product")
        if field in found:
            continue
        synonyms = {header_key(s) for s in SYNONYMS[field]}
        partial = [i for i, k in enumerate(keys) if k and i not in found.values()
                   and any(k.startswith(s) for s in synonyms if len(s) >= 3)]
        if partial:
            found[field] = partial[0]
    return found


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")


def read_csv_rows(data: bytes) -> list[tuple[int, tuple[str, ...]]]:
    """Rows of a CSV or TSV (delimiter sniffed among , ; tab and |), each with its line number."""
    text = _decode(data)
    sample = text[:20_000]
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(sample, delimiters=",;\t|")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text), dialect)
    return [(reader.line_num, tuple(cells)) for cells in reader]


def read_xlsx_rows(data: bytes, sheet: str | None = None) -> list[tuple[int, tuple[str, ...]]]:
    """Rows of the first (or the named) worksheet of an XLSX file, each with its spreadsheet row number."""
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many types for a file that is not XLSX
        raise InvalidInput(f"not a readable XLSX workbook ({type(exc).__name__}: {exc})", field="file") from None
    try:
        if sheet is not None and sheet not in workbook.sheetnames:
            raise InvalidInput(f"no sheet {sheet!r}; the workbook has {', '.join(workbook.sheetnames)}", field="sheet")
        worksheet = workbook[sheet] if sheet is not None else workbook.worksheets[0]
        rows = []
        for n, values in enumerate(worksheet.iter_rows(values_only=True), start=1):
            rows.append((n, tuple(_cell_text(v) for v in values)))
        return rows
    finally:
        workbook.close()


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def read_manifest(data: bytes, name: str, *, sheet: str | None = None) -> ManifestTable:
    """Parse manifest bytes (``name`` decides CSV or XLSX by its suffix) and find the header and columns.

    Raises
    ------
    InvalidInput
        when the file is empty, not readable as its type, or has no product, CAS or structure column.
    """
    suffix = Path(name).suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        rows = read_xlsx_rows(data, sheet)
    elif suffix in (".csv", ".tsv", ".txt", ""):
        rows = read_csv_rows(data)
    else:
        raise InvalidInput(f"unsupported manifest type {suffix!r}; use .csv, .tsv or .xlsx", field="file", record=name)
    for position, (_line, cells) in enumerate(rows[:20]):
        columns = detect_columns(cells)
        if any(f in columns for f in ("product", "cas", "structure")):
            header = tuple(cells)
            match = _UNIT_IN_HEADER.search(header[columns["quantity"]]) if "quantity" in columns else None
            unit = next((g for g in match.groups() if g), None) if match else None
            body = tuple((n, c) for n, c in rows[position + 1:] if any(x.strip() for x in c))
            blank = tuple(n for n, c in rows[position + 1:] if not any(x.strip() for x in c))
            return ManifestTable(source=name, header=header, columns=columns, rows=body, header_unit=unit,
                                 blank_rows=blank)
        if any(x.strip() for x in cells) and position >= 19:
            break
    if not any(any(x.strip() for x in c) for _, c in rows):
        raise InvalidInput("the manifest is empty", field="file", record=name)
    first = next(c for _, c in rows if any(x.strip() for x in c))
    raise InvalidInput(f"no product name, CAS number or structure column found in the first rows (header seen: "
                       f"{', '.join(x for x in first if x)[:200]}); name one column e.g. 'Product' or 'CAS No.'",
                       field="header", record=name)
