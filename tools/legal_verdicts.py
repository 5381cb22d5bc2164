"""Dump every legal verdict of a fixed set of structures, to show that an engine change keeps every answer.

Usage: python tools/legal_verdicts.py OUT.jsonl            writes the dump, prints its sha1 and CPU time
       python tools/legal_verdicts.py --compare A.jsonl B.jsonl   lists the verdicts that differ

Speed work on the legal engine (``crystal_palace.legal``) must not change an answer, and its tests cover
chosen cases only. This dump covers the benchmark's NPS-like structures (bench/screen.py's deterministic
10,000-line input, generated when missing) and every library substance: each distinct standardised
structure, every jurisdiction, as a screen asks (``detail=False``) and as ``legal explain`` does
(``detail=True``), on two fixed dates (one before most generic rules). Dump before and after a change;
equal sha1s mean equal answers, words and atom numbers included.
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATES = (datetime.date(2026, 11, 29), datetime.date(2018, 1, 1))


def dump(out: Path) -> None:
    sys.path.insert(0, str(ROOT / "bench"))
    from rdkit import Chem, RDLogger

    from screen import input_file  # bench/screen.py: the deterministic NPS-like input

    RDLogger.DisableLog("rdApp.*")
    from crystal_palace.chemistry.library import default_library
    from crystal_palace.legal.engine import legal_status
    from crystal_palace.workflows.identify import identify_many

    lines = input_file(10_000).read_text(encoding="utf-8").splitlines()
    smiles = [line.split(None, 1)[0] for line in lines if line.strip()]
    smiles += [entry.smiles for entry in default_library().entries if entry.smiles]
    results = identify_many(smiles, input_types=["smiles"] * len(smiles), explain=False, legal=False)
    seen: set[str] = set()
    digest = hashlib.sha1()  # noqa: S324 - a fingerprint of the dump, not security
    started = time.process_time()
    with out.open("w", encoding="utf-8") as stream:
        for result in results:
            if result.mol is None:
                continue
            key = Chem.MolToSmiles(result.mol)
            if key in seen:
                continue
            seen.add(key)
            sid = result.identity["id"] if result.identity else None
            for detail in (False, True):
                for day in DATES:
                    verdicts = [v.to_dict() for v in legal_status(result.mol, sid, as_of=day, detail=detail)]
                    line = json.dumps([key, detail, day.isoformat(), verdicts], sort_keys=True)
                    stream.write(line + "\n")
                    digest.update(line.encode())
    print(f"{len(seen):,} structures, {len(seen) * 2 * len(DATES):,} verdict sets -> {out}")
    print(f"sha1 {digest.hexdigest()}  (legal status CPU {time.process_time() - started:.1f} s)")


def compare(a: Path, b: Path) -> int:
    left = a.read_text(encoding="utf-8").splitlines()
    right = b.read_text(encoding="utf-8").splitlines()
    if len(left) != len(right):
        print(f"different lengths: {len(left):,} and {len(right):,} verdict sets")
        return 1
    differing = [(x, y) for x, y in zip(left, right, strict=True) if x != y]
    print(f"{len(differing):,} of {len(left):,} verdict sets differ")
    for x, y in differing[:5]:
        old, new = json.loads(x), json.loads(y)
        print(f"{old[0]}  detail={old[1]}  as of {old[2]}")
        for before, after in zip(old[3], new[3], strict=True):
            for field in before:
                if before[field] != after.get(field):
                    print(f"  {before['jurisdiction']} {field}:\n    A: {before[field]}\n    B: {after.get(field)}")
    return 1 if differing else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", nargs="?", type=Path, help="the dump to write")
    parser.add_argument("--compare", nargs=2, type=Path, metavar=("A", "B"), help="compare two dumps")
    args = parser.parse_args()
    if args.compare:
        return compare(*args.compare)
    if args.out is None:
        parser.error("give OUT.jsonl or --compare A B")
    dump(args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
