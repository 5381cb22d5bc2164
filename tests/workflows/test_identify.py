"""identify(): identity at every level, from every kind of query, and clear errors for bad input."""

import shutil

import pytest
from rdkit import Chem

from crystal_palace.chemistry.library import default_library
from crystal_palace.workflows.identify import identify, identify_many

LIB = default_library()


def _ids(results):
    return [(r.identity or {}).get("id") for r in results]


def test_mdma_from_smiles():
    r = identify("CNC(C)Cc1ccc2OCOc2c1").to_dict()
    assert r["input_type"] == "smiles"
    assert r["identity"]["name"] == "MDMA" and r["identity"]["match_level"] == "exact"
    assert r["family"] == "phenethylamine"
    assert r["structure"]["inchikey"] == "SHXWCVYOXRDMCX-UHFFFAOYSA-N"
    assert r["errors"] == []
    un = [v for v in r["legal"] if v["jurisdiction"] == "UN"]
    assert un and un[0]["controlled"] is True and un[0]["category"] == "Schedule I"
    assert identify("CNC(C)Cc1ccc2OCOc2c1", legal=False).legal == []
    assert len(r["analogues"]) == 5 and all(a["inchikey"] != r["structure"]["inchikey"] for a in r["analogues"])


def test_every_entry_is_found_back_from_its_smiles():
    entries = LIB.entries
    results = identify_many([e.smiles for e in entries], input_types=["smiles"] * len(entries),
                            analogues=0, explain=False)
    wrong = [(e.id, r.identity, r.errors) for e, r in zip(entries, results, strict=True)
             if not r.identity or r.identity["id"] != e.id or r.identity["match_level"] != "exact"]
    assert not wrong, wrong[:10]


def test_every_entry_is_found_back_from_its_inchikey_and_cas():
    entries = LIB.entries
    by_key = identify_many([e.inchikey for e in entries], analogues=0, explain=False)
    assert _ids(by_key) == [e.id for e in entries]
    cas_queries = [(e.id, c) for e in entries for c in e.cas]
    by_cas = identify_many([c for _, c in cas_queries], analogues=0, explain=False)
    assert all(r.input_type == "cas" for r in by_cas)
    assert _ids(by_cas) == [i for i, _ in cas_queries]


def test_every_name_and_synonym_finds_its_entry():
    queries = [(e.id, n) for e in LIB.entries for n in (e.name, *e.synonyms)]
    results = identify_many([n for _, n in queries], input_types=["name"] * len(queries), analogues=0, explain=False)
    wrong = [(i, n, r.identity and r.identity["id"], r.errors) for (i, n), r in zip(queries, results, strict=True)
             if not r.identity or r.identity["id"] != i]
    assert not wrong, wrong[:10]


@pytest.mark.parametrize("variant", ["α-PVP", "alpha-PVP", "a-PVP", "Alpha PVP", "ALPHA-PVP"])
def test_name_variants(variant):
    assert identify(variant, analogues=0).identity["name"] == identify("alpha-PVP", analogues=0).identity["name"]


@pytest.mark.parametrize("salt", [".Cl", ".Br", ".OC(=O)/C=C/C(=O)O", ".O.Cl"])
def test_salts_report_parent_level(salt):
    for entry in [e for e in LIB.entries if e.family != "none" and "." not in e.smiles][:40]:
        r = identify(entry.smiles + salt, analogues=0, explain=False)
        assert r.identity["id"] == entry.id and r.identity["match_level"] == "parent", (entry.id, r.identity)
        assert r.standardization["removed_fragments"]


def test_hydrochloride_named_salt_is_parent():
    r = identify("MDMA hydrochloride", analogues=0)
    assert r.identity["name"] == "MDMA" and r.identity["match_level"] == "parent"


def test_stereo_less_form_of_stereo_defined_entries_is_stereo_level():
    stereo_entries = [e for e in LIB.entries if e.has_stereo]
    assert len(stereo_entries) >= 20
    checked = 0
    for entry in stereo_entries:
        flat = Chem.MolFromSmiles(entry.smiles)
        Chem.RemoveStereochemistry(flat)
        flat_smiles = Chem.MolToSmiles(flat)
        r = identify(flat_smiles, analogues=0, explain=False)
        flat_key = r.structure["inchikey"]
        if flat_key in LIB.by_inchikey:   # the stereo-less form is an entry of its own (a racemate)
            assert r.identity["match_level"] == "exact"
            continue
        checked += 1
        assert r.identity["match_level"] == "stereo", (entry.id, r.identity)
        assert r.identity["inchikey"][:14] == entry.inchikey[:14]
    assert checked >= 10


def test_racemate_and_enantiomer_are_told_apart():
    dex = identify("C[C@H](N)Cc1ccccc1", analogues=0).identity
    rac = identify("CC(N)Cc1ccccc1", analogues=0).identity
    assert rac["match_level"] == "exact" and dex["match_level"] == "exact"
    assert rac["id"] != dex["id"]


def test_inchi_and_mol_block_inputs():
    mol = Chem.MolFromSmiles("CNC(C)Cc1ccc2OCOc2c1")
    inchi = Chem.MolToInchi(mol)
    assert identify(inchi).identity["name"] == "MDMA"
    r = identify(Chem.MolToMolBlock(mol))
    assert r.input_type == "mol" and r.identity["name"] == "MDMA"


def test_novel_cathinone_gets_family_and_analogues_with_differences():
    # 4-ethyl-N-propylcathinone-like structure with a ring bromine: in no list
    r = identify("CCCNC(C)C(=O)c1ccc(Br)c(C)c1").to_dict()
    assert r["identity"] is None
    assert r["family"] == "synthetic_cathinone"
    assert r["family_atoms"], "the matched atoms are reported"
    top = r["analogues"][0]
    assert top["family"] == "synthetic_cathinone" and 0 < top["similarity"] < 1
    assert top["formula_delta"] and top["differs"]["summary"]


@pytest.mark.parametrize("query, field, words", [
    ("C1CC((N", "smiles", "not valid SMILES"),
    ("c1ccccc1C(C)(C)(C)(C)C", "smiles", "not a valid molecule"),
    ("42542-10-8", "cas", "check digit"),
    ("", "query", "empty"),
    ("   ", "query", "empty"),
    ("InChI=1S/garbage", "inchi", "does not parse"),
    ("AAAAAAAAAAAAAA-BBBBBBBBSA-N", "inchikey", "not in the reference library"),
    ("x" * 10_000_001, "smiles", "characters long"),
])
def test_bad_queries_get_a_clear_error(query, field, words):
    r = identify(query, input_type="smiles" if field == "smiles" and query.startswith("x") else None)
    assert r.identity is None and r.structure is None
    assert r.errors and r.errors[0]["field"] == field and words in r.errors[0]["reason"], r.errors


def test_unknown_name_without_opsin_match_is_an_error():
    r = identify("definitely not a substance name", input_type="name")
    assert r.errors and r.errors[0]["field"] == "name"


@pytest.mark.skipif(shutil.which("java") is None, reason="OPSIN needs Java")
def test_iupac_names_are_batched_through_opsin():
    # systematic names written in an order that no library synonym uses
    results = identify_many(["1-(4-methylphenyl)-2-(methylamino)propan-1-one", "zzz-unparsable-iupac-name",
                             "N-methyl-1-(3,4-methylenedioxyphenyl)propan-2-amine"], analogues=0)
    assert [r.input_type for r in results] == ["iupac", "iupac", "iupac"]
    assert results[0].identity["name"].lower() == "mephedrone"
    assert results[1].errors and "OPSIN" in results[1].errors[0]["reason"]
    assert results[2].identity["name"] == "MDMA"


def test_known_names_win_over_nonsense_smiles():
    assert identify("PCP", analogues=0).identity["name"].lower() == "phencyclidine"
    assert identify("CBN", analogues=0).identity["name"].lower() == "cannabinol"


@pytest.mark.parametrize("negative", [
    "Cn1cnc2c1c(=O)n(C)c(=O)n2C",                      # caffeine
    "CC(=O)Nc1ccc(O)cc1",                              # paracetamol
    "CCN(CC)CC(=O)Nc1c(C)cccc1C",                      # lidocaine
    "OC[C@H]1OC(O)[C@H](O)[C@@H](O)[C@@H]1O",          # glucose
    "c1ccc([C@@H]2CN3CCSC3=N2)cc1",                    # levamisole
])
def test_cutting_agents_are_family_none(negative):
    assert identify(negative, analogues=0).family == "none"
