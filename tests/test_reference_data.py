"""The packaged reference data: schema, parse, keys, no duplicates, manifest checksums."""

import csv
import hashlib
from collections import Counter
from importlib import resources
from pathlib import Path

import pytest
import yaml
from rdkit import Chem

from crystal_palace.chemistry.library import (
    COLUMNS,
    Library,
    default_library,
    packaged_library_files,
    parse_rows,
)
from crystal_palace.chemistry.standardize import standardize
from crystal_palace.chemistry.vocabulary import FAMILIES
from crystal_palace.exceptions import InvalidReferenceData

DATA = Path(str(resources.files("crystal_palace") / "data"))


def test_library_loads_and_is_large_enough():
    lib = default_library()
    assert len(lib) >= 600, f"only {len(lib)} entries"


def test_every_family_is_represented():
    counts = Counter(e.family for e in default_library().entries)
    print(dict(sorted(counts.items())))
    assert set(counts) == FAMILIES


@pytest.mark.parametrize("path", packaged_library_files(), ids=lambda p: p.name)
def test_file_schema_and_rows(path):
    with path.open(encoding="utf-8") as f:
        reader = csv.reader(f)
        assert tuple(next(reader)) == COLUMNS
        rows = list(reader)
    assert rows, f"{path.name} has no rows"
    for row in rows:
        assert len(row) == len(COLUMNS), row
        mol = Chem.MolFromSmiles(row[4])
        assert mol is not None, row[0]
        assert Chem.MolToInchiKey(standardize(mol).mol) == row[5], row[0]


def test_parent_smiles_are_single_fragments_without_net_charge():
    # nitro groups and N-oxides carry balancing atom charges in SMILES; what matters is the net charge
    offenders = []
    for e in default_library().entries:
        mol = Chem.MolFromSmiles(e.smiles)
        if len(Chem.GetMolFrags(mol)) > 1 or Chem.GetFormalCharge(mol) != 0:
            offenders.append(e.id)
    assert not offenders


def test_a_name_claimed_by_two_files_is_rejected(tmp_path):
    header = ",".join(COLUMNS) + "\n"
    (tmp_path / "a.csv").write_text(header + "ethanol,Ethanol,alcohol,,CCO,LFQSCWFLJHTTHZ-UHFFFAOYSA-N,none,,src\n")
    (tmp_path / "b.csv").write_text(header + "methanol,Methanol,Alcohol,,CO,OKKJLVBELUTLKV-UHFFFAOYSA-N,none,,src\n")
    with pytest.raises(InvalidReferenceData, match="claimed by both ethanol"):
        Library.from_paths([tmp_path / "a.csv", tmp_path / "b.csv"])


def test_a_file_that_is_not_utf8_is_rejected(tmp_path):
    bad = tmp_path / "latin1.csv"
    row = "x,M\xe9thanol,,,CO,OKKJLVBELUTLKV-UHFFFAOYSA-N,none,,s\n"
    bad.write_bytes((",".join(COLUMNS) + "\n" + row).encode("latin-1"))
    with pytest.raises(InvalidReferenceData, match="not UTF-8"):
        Library.from_paths([bad])


@pytest.mark.parametrize("row, reason", [
    ('x1,Name,,42542-10-8,CNC(C)Cc1ccc2OCOc2c1,SHSKXWKVPIUDPG-UHFFFAOYSA-N,phenethylamine,,src', "check digit"),
    ('x1,Name,,,C1CC((N,AAAAAAAAAAAAAA-UHFFFAOYSA-N,phenethylamine,,src', "does not parse"),
    ('x1,Name,,,CCO,AAAAAAAAAAAAAA-UHFFFAOYSA-N,none,,src', "does not match the structure"),
    ('x1,Name,,,CCO,LFQSCWFLJHTTHZ-UHFFFAOYSA-N,stimulant,,src', "not in the vocabulary"),
    ('X 1,Name,,,CCO,LFQSCWFLJHTTHZ-UHFFFAOYSA-N,none,,src', "id"),
    ('x1,Name,,,CCO,LFQSCWFLJHTTHZ-UHFFFAOYSA-N,none,UN1999-I,src', "controlled_under"),
    ('x1,Name,,,CCO,LFQSCWFLJHTTHZ-UHFFFAOYSA-N,none,,', "source is empty"),
])
def test_malformed_rows_are_rejected_with_line_and_reason(row, reason):
    text = ",".join(COLUMNS) + "\n" + row + "\n"
    with pytest.raises(InvalidReferenceData) as err:
        parse_rows(text, "user.csv")
    assert "user.csv:2" in str(err.value) and reason in str(err.value)


def test_wrong_header_is_rejected():
    with pytest.raises(InvalidReferenceData, match="header"):
        parse_rows("id,name\nx,y\n", "user.csv")


def test_manifest_lists_every_data_file_with_its_checksum():
    manifest = yaml.safe_load((DATA / "MANIFEST.yaml").read_text())
    listed = {f["path"]: f for f in manifest["files"]}
    on_disk = {str(p.relative_to(DATA)) for p in DATA.rglob("*") if p.is_file() and p.name != "MANIFEST.yaml"}
    assert set(listed) == on_disk
    for rel, meta in listed.items():
        assert hashlib.sha256((DATA / rel).read_bytes()).hexdigest() == meta["sha256"], rel
        assert meta.get("source") and meta.get("licence") and meta.get("version"), rel
