"""Fill or check the inchikey column of substance library CSVs (a tool for data authors).

Usage: python tools/library_fill_keys.py FILE.csv [...]   rewrites empty inchikey cells
       python tools/library_fill_keys.py --check FILE.csv  reports every problem, changes nothing
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

from rdkit import Chem

from crystal_palace.chemistry.library import COLUMNS, Library
from crystal_palace.chemistry.standardize import standardize
from crystal_palace.exceptions import InvalidReferenceData


def fill(path: Path) -> None:
    rows = list(csv.DictReader(path.open(encoding="utf-8")))
    for row in rows:
        if not row["inchikey"].strip():
            mol = Chem.MolFromSmiles(row["smiles"])
            if mol is None:
                print(f"{path}: {row['id']}: smiles does not parse: {row['smiles']}")
                continue
            row["inchikey"] = Chem.MolToInchiKey(standardize(mol).mol)
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=COLUMNS, lineterminator="\n")
        w.writeheader()
        w.writerows(rows)


def main(argv: list[str]) -> int:
    check = "--check" in argv
    paths = [Path(a) for a in argv if a != "--check"]
    if not check:
        for p in paths:
            fill(p)
    try:
        lib = Library.from_paths(paths)
    except InvalidReferenceData as exc:
        print(exc)
        return 1
    print(f"ok: {len(lib)} entries")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
