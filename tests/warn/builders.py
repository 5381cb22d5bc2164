"""Small detections tables for the early-warning tests."""

from __future__ import annotations

import pandas as pd

MDMA = "SHXWCVYOXRDMCX-UHFFFAOYSA-N"
COCAINE = "ZPUCINDJVBIVPJ-LJISPDSOSA-N"
NEW = "ZMJIUWPWADQNLC-UHFFFAOYSA-N"  # 3-CEC, not in the reference library


def detection(record_id: str, inchikey: str = MDMA, country: str = "PL", date: str = "2024-01-03", *,
              substance: str = "MDMA", family: str = "phenethylamine", quantity: object = 1.0,
              unit: str = "g", record_type: str = "seizure", agency: str = "CLKP",
              smiles: str = "") -> dict[str, object]:
    """One detection row, with every required column."""
    return {"record_id": record_id, "inchikey": inchikey, "substance": substance, "family": family,
            "country": country, "agency": agency, "date": date, "quantity": quantity, "unit": unit,
            "record_type": record_type, "smiles": smiles}


def table(*rows: dict[str, object]) -> pd.DataFrame:
    """A detections table from rows."""
    return pd.DataFrame(list(rows))
