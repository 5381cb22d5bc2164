"""Cross-check the library against independent public lists in ../shared/data.

For every library entry whose CAS number or name appears in another list, the two structures must
agree on the InChIKey connectivity block (after both are standardised). A disagreement is a finding:
it is either fixed in the library or, where the other list is wrong, recorded with its reason in
tests/data/crosscheck_findings.csv. The test fails on any disagreement not recorded there, and on any
recorded finding that no longer occurs (so the file never goes stale).
"""

import csv
from pathlib import Path

from rdkit import Chem

from crystal_palace.chemistry.cas import looks_like_cas
from crystal_palace.chemistry.library import default_library
from crystal_palace.chemistry.names import name_key
from crystal_palace.chemistry.rdkit_typed import inchikey, quiet_rdkit
from crystal_palace.chemistry.standardize import standardize

FINDINGS = Path(__file__).parents[1] / "data" / "crosscheck_findings.csv"


def _block(smiles):
    with quiet_rdkit():
        mol = Chem.MolFromSmiles(smiles)
    return inchikey(standardize(mol).mol)[:14] if mol is not None else None


def _other_lists(shared):
    cn = shared / "cn-controlled-smiles" / "cn_controlled_substances_2025.csv"
    with cn.open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            if row["smiles"]:
                yield "cn-controlled-smiles", row["name_en"], row["cas"], row["smiles"]
    ps = shared / "psymol" / "library+shulgin.csv"
    with ps.open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            if row["smiles"]:
                yield "psymol", row["name"], "", row["smiles"]


def _disagreements(shared):
    lib = default_library()
    found, compared = set(), 0
    for source, name, cas, smiles in _other_lists(shared):
        hits = set()
        for c in cas.replace(";", ",").split(","):
            if looks_like_cas(c.strip()) and c.strip() in lib.by_cas:
                hits.add(lib.by_cas[c.strip()])
        if name and name_key(name) in lib.by_name:
            hits.add(lib.by_name[name_key(name)])
        theirs = _block(smiles)
        for entry in hits:
            compared += 1
            if theirs != entry.inchikey[:14]:
                found.add((source, name, entry.id))
    return found, compared


def test_library_agrees_with_independent_lists(shared_data):
    found, compared = _disagreements(shared_data)
    with FINDINGS.open(encoding="utf-8") as f:
        recorded = {(r["source"], r["their_name"], r["our_id"]): r for r in csv.DictReader(f)}
    print(f"compared {compared} entry pairs; {len(found)} disagreements, {len(recorded)} recorded findings")
    assert compared >= 300, "too few overlaps: the cross-check is not checking much"
    unexplained = sorted(found - set(recorded))
    assert not unexplained, f"unexplained disagreements (fix the entry or record a finding): {unexplained}"
    stale = sorted(set(recorded) - found)
    assert not stale, f"recorded findings that no longer occur: {stale}"
    assert all(r["resolution"].strip() for r in recorded.values())
