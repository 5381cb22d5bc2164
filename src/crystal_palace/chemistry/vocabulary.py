"""Closed vocabularies shared by the data files, the classifier and the output contract."""

from __future__ import annotations

from typing import Final, Literal, get_args

Family = Literal[
    "synthetic_cathinone", "synthetic_cannabinoid", "cannabinoid", "phenethylamine", "tryptamine",
    "lysergamide", "arylcyclohexylamine", "fentanyl_analogue", "nitazene", "other_opioid",
    "benzodiazepine", "piperazine", "aminoindane", "tropane", "other", "none",
]
FAMILIES: Final[frozenset[str]] = frozenset(get_args(Family))

InputType = Literal["smiles", "inchi", "inchikey", "mol", "cas", "name", "iupac"]
INPUT_TYPES: Final[frozenset[str]] = frozenset(get_args(InputType))

MatchLevel = Literal["exact", "stereo", "parent"]

CONTROL_CODES: Final[frozenset[str]] = frozenset({
    "UN1961-I", "UN1961-II", "UN1961-IV", "UN1971-I", "UN1971-II", "UN1971-III", "UN1971-IV",
    "UN1988-I", "UN1988-II", "EU-NPS", "EU-PREC-1", "EU-PREC-2", "EU-PREC-3", "EU-PREC-4",
    "DE-BTMG", "DE-NPSG", "PL", "IT", "NL", "UK", "CN",
})
