"""Generic (group) definitions: each packaged rule against what it must cover, must not cover, and its limits.

Every rule has: named NPS (SMILES written here) it must cover, at least one entry of the public
"not controlled in China" design-drug list it must cover (or, where that list has none of the group, the
honest outcome for the nearest entries), substances it must not cover (dopamine, serotonin, caffeine for
every rule; bupropion under the UK cathinone rule), and boundary cases at its limits (mass just under and
over, chain length at and past the limit, a substituent the text does not allow). "Undecided" cases pin
down where the encoded text does not decide: the engine must never turn those into "not controlled".
"""

from __future__ import annotations

import csv
import time
from pathlib import Path

import pytest
from rdkit import Chem

from crystal_palace.chemistry.standardize import standardize
from crystal_palace.exceptions import InvalidReferenceData
from crystal_palace.legal.generic import (
    GenericMatch,
    GenericMiss,
    load_generic_rules,
    match_generic,
    packaged_rule_files,
)
from sharedpaths import require_shared

CN = "nps-uncontrolled-cn/nps_uncontrolled_cn_designdrugs.csv"
RULES = {r.id: r for r in load_generic_rules()}

COVERED, NOT, UNDECIDED = "covered", "not", "undecided"


def parent(smiles: str) -> Chem.Mol:
    mol = Chem.MolFromSmiles(smiles)
    assert mol is not None, smiles
    return standardize(mol).mol


def outcome(rule_id: str, smiles: str) -> tuple[str, GenericMatch | GenericMiss]:
    result = match_generic(parent(smiles), RULES[rule_id])
    if isinstance(result, GenericMatch):
        return COVERED, result
    return (UNDECIDED if result.undecided else NOT), result


def describe(result: GenericMatch | GenericMiss) -> str:
    return result.explanation if isinstance(result, GenericMatch) else result.reason


# -- what each rule must cover ------------------------------------------------------------------------
MUST_COVER: dict[str, list[tuple[str, str]]] = {
    "de-npsg-1-phenethylamines": [
        ("MDMA", "CNC(C)Cc1ccc2OCOc2c1"),
        ("mephedrone", "CNC(C)C(=O)c1ccc(C)cc1"),
        ("alpha-PVP", "CCCC(N1CCCC1)C(=O)c1ccccc1"),
        ("2C-B", "NCCc1cc(OC)c(Br)cc1OC"),
        ("25I-NBOMe", "COc1ccccc1CNCCc1cc(OC)c(I)cc1OC"),
        ("2-aminoindane", "NC1Cc2ccccc2C1"),
        ("phenmetrazine", "CC1NCCOC1c1ccccc1"),
        ("5-APB", "CC(N)Cc1ccc2occc2c1"),
        ("methiopropamine", "CNC(C)Cc1cccs1"),
        ("2C-B-FLY", "NCCc1c2CCOc2c(Br)c2CCOc12"),
        ("bupropion (a medicine, but structurally within group 1)", "CC(NC(C)(C)C)C(=O)c1cccc(Cl)c1"),
    ],
    "de-npsg-2-1-cannabinoids": [
        ("JWH-018", "CCCCCn1cc(C(=O)c2cccc3ccccc23)c2ccccc21"),
        ("5F-MDMB-PICA", "COC(=O)C(NC(=O)c1cn(CCCCCF)c2ccccc12)C(C)(C)C"),
        ("ADB-BUTINACA", "CCCCn1nc(C(=O)NC(C(N)=O)C(C)(C)C)c2ccccc21"),
        ("MDMB-4en-PINACA", "COC(=O)C(NC(=O)c1nn(CCCC=C)c2ccccc12)C(C)(C)C"),
        ("CUMYL-4CN-BINACA", "CC(C)(NC(=O)c1nn(CCCCC#N)c2ccccc12)c1ccccc1"),
        ("5F-MDMB-P7AICA", "COC(=O)C(NC(=O)c1cn(CCCCCF)c2ncccc12)C(C)(C)C"),
        ("AB-CHMINACA", "CC(C)C(NC(=O)c1nn(CC2CCCCC2)c2ccccc12)C(N)=O"),
        ("MDMB-5Br-BUTINACA", "CCCCn1nc(C(=O)NC(C(=O)OC)C(C)(C)C)c2cc(Br)ccc21"),
    ],
    "de-npsg-2-2-sulfonylamidobenzoates": [
        ("QMPSB", "Cc1ccc(C(=O)Oc2cccc3cccnc23)cc1S(=O)(=O)N1CCCCC1"),
        ("QMMSB", "Cc1ccc(C(=O)Oc2cccc3cccnc23)cc1S(=O)(=O)N1CCOCC1"),
        ("2F-QMPSB", "Cc1ccc(C(=O)Oc2cccc3cccnc23)cc1S(=O)(=O)N1CCC(F)(F)CC1"),
        ("QMiPSB", "CC(C)N(C(C)C)S(=O)(=O)c1cc(C(=O)Oc2cccc3cccnc23)ccc1C"),
        ("SGT-233-type cumyl amide", "Cc1ccc(C(=O)NC(C)(C)c2ccccc2)cc1S(=O)(=O)N1CCC(F)(F)CC1"),
    ],
    "de-npsg-2-3-hhc": [
        ("HHC", "CCCCCc1cc(O)c2c(c1)OC(C)(C)C1CCC(C)CC21"),
        ("HHC-P", "CCCCCCCc1cc(O)c2c(c1)OC(C)(C)C1CCC(C)CC21"),
        ("HHC-O-acetate", "CCCCCc1cc(OC(C)=O)c2c(c1)OC(C)(C)C1CCC(C)CC21"),
        ("9-OH-HHC", "CCCCCc1cc(O)c2c(c1)OC(C)(C)C1CCC(C)(O)CC21"),
        ("CBN (ring A aromatic)", "CCCCCc1cc(O)c2c(c1)OC(C)(C)c1ccc(C)cc1-2"),
    ],
    "de-npsg-3-benzodiazepines": [
        ("flualprazolam", "Cc1nnc2n1-c1ccc(Cl)cc1C(c1ccccc1F)=NC2"),
        ("etizolam", "CCc1cc2c(s1)-n1c(C)nnc1CN=C2c1ccccc1Cl"),
        ("clonazolam", "Cc1nnc2n1-c1ccc([N+](=O)[O-])cc1C(c1ccccc1Cl)=NC2"),
        ("diclazepam", "CN1C(=O)CN=C(c2ccccc2Cl)c2cc(Cl)ccc21"),
        ("bromazolam", "Cc1nnc2n1-c1ccc(Br)cc1C(c1ccccc1)=NC2"),
        ("flubromazepam", "O=C1CN=C(c2ccccc2F)c2cc(Br)ccc2N1"),
        ("gidazepam (hydrazidomethyl)", "NNC(=O)CN1C(=O)CN=C(c2ccccc2)c2cc(Br)ccc21"),
        ("clobazam (1,5-BZD)", "CN1C(=O)CC(=O)N(c2ccccc2)c2cc(Cl)ccc21"),
        ("ketazolam (d)", "CC1=CC(=O)N2CC(=O)N(C)c3ccc(Cl)cc3C2(c2ccccc2)O1"),
        ("oxazolam (e)", "CC1CN2CC(=O)Nc3ccc(Cl)cc3C2(c2ccccc2)O1"),
        ("chlordiazepoxide (f, amidine tautomer)", "CNC1=Nc2ccc(Cl)cc2C(c2ccccc2)=[N+]([O-])C1"),
        ("loprazolam (c)", "CN1CCN(/C=C2/N=C3CN=C(c4ccccc4Cl)c4cc([N+](=O)[O-])ccc4N3C2=O)CC1"),
        ("temazepam (R3 hydroxy)", "CN1C(=O)C(O)N=C(c2ccccc2)c2cc(Cl)ccc21"),
    ],
    "de-npsg-4-aminocyclohexylamides": [
        ("U-47700", "CN(C)C1CCCCC1N(C)C(=O)c1ccc(Cl)c(Cl)c1"),
        ("U-48800", "CN(C)C1CCCCC1N(C)C(=O)Cc1ccc(Cl)cc1Cl"),
        ("U-50488", "CN(C1CCCCC1N1CCCC1)C(=O)Cc1ccc(Cl)c(Cl)c1"),
        ("U-49900", "CCN(CC)C1CCCCC1N(C)C(=O)c1ccc(Cl)c(Cl)c1"),
        ("3,4-MDO-U-47700", "CN(C)C1CCCCC1N(C)C(=O)c1ccc2OCOc2c1"),
    ],
    "de-npsg-5-1-tryptamines": [
        ("DMT", "CN(C)CCc1c[nH]c2ccccc12"),
        ("5-MeO-DMT", "COc1ccc2[nH]cc(CCN(C)C)c2c1"),
        ("psilocybin", "CN(C)CCc1c[nH]c2cccc(OP(=O)(O)O)c12"),
        ("4-AcO-DMT", "CC(=O)Oc1cccc2[nH]cc(CCN(C)C)c12"),
        ("AMT", "CC(N)Cc1c[nH]c2ccccc12"),
        ("5-MeO-DALT", "C=CCN(CC=C)CCc1c[nH]c2ccc(OC)cc12"),
        ("1-propionyl-DMT (R5)", "CCC(=O)n1cc(CCN(C)C)c2ccccc21"),
    ],
    "de-npsg-5-2-ergolenes": [
        ("1P-LSD", "CCC(=O)n1cc2c3c(cccc31)C1=CC(C(=O)N(CC)CC)CN(C)C1C2"),
        ("1cP-LSD", "CCN(CC)C(=O)C1C=C2c3cccc4c3c(cn4C(=O)C3CC3)CC2N(C)C1"),
        ("1V-LSD", "CCCCC(=O)n1cc2c3c(cccc31)C1=CC(C(=O)N(CC)CC)CN(C)C1C2"),
        ("1T-LSD", "CCN(CC)C(=O)C1C=C2c3cccc4c3c(cn4C(=O)c3cccs3)CC2N(C)C1"),
        ("AL-LAD", "C=CCN1CC(C(=O)N(CC)CC)C=C2c3cccc4[nH]cc(c34)CC21"),
        ("LSZ", "CC1CC(C)N1C(=O)C1C=C2c3cccc4[nH]cc(c34)CC2N(C)C1"),
    ],
    "de-npsg-6-arylcyclohexylamines": [
        ("3-MeO-PCP", "COc1cccc(c1)C1(CCCCC1)N1CCCCC1"),
        ("3-HO-PCP", "Oc1cccc(c1)C1(CCCCC1)N1CCCCC1"),
        ("3-MeO-PCE", "CCNC1(CCCCC1)c1cccc(OC)c1"),
        ("2-FDCK", "CNC1(CCCCC1=O)c1ccccc1F"),
        ("methoxetamine", "CCNC1(CCCCC1=O)c1cccc(OC)c1"),
        ("tiletamine (thienyl)", "CCNC1(CCCCC1=O)c1cccs1"),
        ("PCPy", "C1CCC(CC1)(c1ccccc1)N1CCCC1"),
    ],
    "de-npsg-7-benzimidazoles": [
        ("isotonitazene", "CCN(CC)CCn1c(Cc2ccc(OC(C)C)cc2)nc2cc([N+](=O)[O-])ccc21"),
        ("metonitazene", "CCN(CC)CCn1c(Cc2ccc(OC)cc2)nc2cc([N+](=O)[O-])ccc21"),
        ("etonitazepyne", "CCOc1ccc(Cc2nc3cc([N+](=O)[O-])ccc3n2CCN2CCCC2)cc1"),
        ("N-desethyl isotonitazene", "CCNCCn1c(Cc2ccc(OC(C)C)cc2)nc2cc([N+](=O)[O-])ccc21"),
        ("etodesnitazene", "CCOc1ccc(Cc2nc3ccccc3n2CCN(CC)CC)cc1"),
        ("butonitazene", "CCCCOc1ccc(Cc2nc3cc([N+](=O)[O-])ccc3n2CCN(CC)CC)cc1"),
    ],
    "de-npsg-8-diphenylpropanamines": [
        ("methadone", "CCC(=O)C(CC(C)N(C)C)(c1ccccc1)c1ccccc1"),
        ("isomethadone", "CCC(=O)C(C(C)CN(C)C)(c1ccccc1)c1ccccc1"),
        ("normethadone", "CCC(=O)C(CCN(C)C)(c1ccccc1)c1ccccc1"),
        ("dipipanone", "CCC(=O)C(CC(C)N1CCCCC1)(c1ccccc1)c1ccccc1"),
        ("dextromoramide", "CC(CN1CCOCC1)C(C(=O)N1CCCC1)(c1ccccc1)c1ccccc1"),
    ],
    "de-npsg-9-aminobenzylpiperidines": [
        ("orphine (des-bromo, des-methyl brorphine)", "O=c1[nH]c2ccccc2n1C1CCN(Cc2ccccc2)CC1"),
        ("4-bromo-orphine", "O=c1[nH]c2ccccc2n1C1CCN(Cc2ccc(Br)cc2)CC1"),
        ("1-(4-ethylbenzyl)-N-phenylpiperidin-4-amine", "CCc1ccc(CN2CCC(Nc3ccccc3)CC2)cc1"),
    ],
    "it-dpr309-tab1-fentanyl-analogues": [
        ("acetylfentanyl", "CC(=O)N(c1ccccc1)C1CCN(CCc2ccccc2)CC1"),
        ("furanylfentanyl", "O=C(c1ccco1)N(c1ccccc1)C1CCN(CCc2ccccc2)CC1"),
        ("carfentanil (ester on the piperidine)", "CCC(=O)N(c1ccccc1)C1(C(=O)OC)CCN(CCc2ccccc2)CC1"),
        ("ocfentanil", "COCC(=O)N(c1ccccc1F)C1CCN(CCc2ccccc2)CC1"),
        ("3-methylfentanyl", "CCC(=O)N(c1ccccc1)C1CCN(CCc2ccccc2)CC1C"),
        ("alpha-methylfentanyl", "CCC(=O)N(c1ccccc1)C1CCN(C(C)Cc2ccccc2)CC1"),
        ("thiofentanyl", "CCC(=O)N(c1ccccc1)C1CCN(CCc2cccs2)CC1"),
        ("sufentanil (ether, thienyl)", "CCC(=O)N(c1ccccc1)C1(COC)CCN(CCc2cccs2)CC1"),
        ("4-FIBF", "CC(C)C(=O)N(c1ccc(F)cc1)C1CCN(CCc2ccccc2)CC1"),
    ],
    "uk-mda-1-1b-tryptamines": [
        ("DMT", "CN(C)CCc1c[nH]c2ccccc12"),
        ("psilocin", "CN(C)CCc1c[nH]c2cccc(O)c12"),
        ("DiPT", "CC(C)N(C(C)C)CCc1c[nH]c2ccccc12"),
    ],
    "uk-mda-1-1c-phenethylamines": [
        ("2C-B", "NCCc1cc(OC)c(Br)cc1OC"),
        ("DOB", "CC(N)Cc1cc(OC)c(Br)cc1OC"),
        ("MDA", "CC(N)Cc1ccc2OCOc2c1"),
        ("MDMA", "CNC(C)Cc1ccc2OCOc2c1"),
        ("4-FA", "CC(N)Cc1ccc(F)cc1"),
    ],
    "uk-mda-1-1f-nbome": [
        ("25I-NBOMe", "COc1ccccc1CNCCc1cc(OC)c(I)cc1OC"),
        ("25C-NBOH", "Oc1ccccc1CNCCc1cc(OC)c(Cl)cc1OC"),
        ("mescaline-NBOMe", "COc1ccccc1CNCCc1cc(OC)c(OC)c(OC)c1"),
        ("N-benzyl-N-hydroxytenamphetamine", "CC(Cc1ccc2OCOc2c1)N(O)Cc1ccccc1"),
    ],
    "uk-mda-2-1aa-cathinones": [
        ("mephedrone", "CNC(C)C(=O)c1ccc(C)cc1"),
        ("methylone", "CNC(C)C(=O)c1ccc2OCOc2c1"),
        ("MDPV", "CCCC(N1CCCC1)C(=O)c1ccc2OCOc2c1"),
        ("alpha-PVP", "CCCC(N1CCCC1)C(=O)c1ccccc1"),
        ("4-MEC", "CCNC(C)C(=O)c1ccc(C)cc1"),
        ("4-CMC", "CNC(C)C(=O)c1ccc(Cl)cc1"),
        ("4-methyl-3-hydroxymethcathinone (other univalent with a listed one)", "CNC(C)C(=O)c1ccc(C)c(O)c1"),
    ],
    "uk-mda-2-1c-naphthoylindoles": [
        ("JWH-018", "CCCCCn1cc(C(=O)c2cccc3ccccc23)c2ccccc21"),
        ("JWH-073", "CCCCn1cc(C(=O)c2cccc3ccccc23)c2ccccc21"),
        ("AM-2201", "FCCCCCn1cc(C(=O)c2cccc3ccccc23)c2ccccc21"),
        ("JWH-122", "CCCCCn1cc(C(=O)c2ccc(C)c3ccccc23)c2ccccc21"),
        ("JWH-200", "O=C(c1cccc2ccccc12)c1cn(CCN2CCOCC2)c2ccccc12"),
        ("JWH-175 (naphthylmethane)", "CCCCCn1cc(Cc2cccc3ccccc23)c2ccccc21"),
    ],
    "uk-mda-2-1c-naphthoylpyrroles": [
        ("JWH-030", "CCCCCn1ccc(C(=O)c2cccc3ccccc23)c1"),
        ("JWH-145-like (5-phenyl)", "CCCCCn1cc(C(=O)c2cccc3ccccc23)cc1-c1ccccc1"),
    ],
    "uk-mda-2-1ca-third-generation": [
        ("THJ-018 (indazole)", "CCCCCn1nc(C(=O)c2cccc3ccccc23)c2ccccc21"),
        ("5F-THJ-018", "FCCCCCn1nc(C(=O)c2cccc3ccccc23)c2ccccc21"),
        ("7-azaindole analogue", "CCCCCn1cc(C(=O)c2cccc3ccccc23)c2cccnc21"),
        ("benzimidazole analogue", "CCCCCn1c(C(=O)c2cccc3ccccc23)nc2ccccc21"),
    ],
}

# -- what each rule must not cover (certainly, not "undecided") -------------------------------------
COMMON_NOT = [
    ("dopamine", "NCCc1ccc(O)c(O)c1"),
    ("serotonin", "NCCc1c[nH]c2ccc(O)cc12"),
    ("caffeine", "Cn1cnc2c1c(=O)n(C)c(=O)n2C"),
]
MUST_NOT: dict[str, list[tuple[str, str]]] = {
    "de-npsg-1-phenethylamines": [
        ("2-phenethylamine itself (excluded by name)", "NCCc1ccccc1"),
        ("1,2,3,4-tetrahydroisoquinoline (N in a ring anellated to A)", "C1NCCc2ccccc21"),
        ("AMT (indole core of 2.1/5.1 present: excluded from group 1)", "CC(N)Cc1c[nH]c2ccccc12"),
        ("4-phenyl on ring A (aryl not among Rn)", "CC(N)Cc1ccc(-c2ccccc2)cc1"),
        ("N-(trimethylsilylmethyl) amphetamine (Si not allowed in R1/R2)", "C[Si](C)(C)CNC(C)Cc1ccccc1"),
    ],
    "de-npsg-2-1-cannabinoids": [
        ("indole without bridge", "c1ccc2[nH]ccc2c1"),
        ("ethyl side chain (chain of 2 < 3)", "CCn1cc(C(=O)c2cccc3ccccc23)c2ccccc21"),
        ("selenium in the side chain", "C[Se]CCCn1cc(C(=O)c2cccc3ccccc23)c2ccccc21"),
    ],
    "de-npsg-2-2-sulfonylamidobenzoates": [
        ("2-naphthyl ester (not 1-naphthyl)", "Cc1ccc(C(=O)Oc2ccc3ccccc3c2)cc1S(=O)(=O)N1CCCCC1"),
    ],
    "de-npsg-2-3-hhc": [
        ("CBD (no pyran ring)", "CCCCCc1cc(O)c(C2C=C(C)CCC2C(C)=C)c(O)c1"),
        ("9-oxo on ring A (oxo not listed)", "CCCCCc1cc(O)c2c(c1)OC(C)(C)C1CCC(=O)CC21"),
    ],
    "de-npsg-3-benzodiazepines": [
        ("medazepam (no X at C2)", "CN1CCN=C(c2ccccc2)c2cc(Cl)ccc21"),
        ("N1-propyl (not an R5 group)", "CCCN1C(=O)CN=C(c2ccccc2Cl)c2cc(Cl)ccc21"),
        ("R2 with CF3 (not a listed substituent)", "CN1C(=O)CN=C(c2ccccc2C(F)(F)F)c2cc(Cl)ccc21"),
    ],
    "de-npsg-4-aminocyclohexylamides": [
        ("4-methoxy on the phenyl (not listed)", "CN(C)C1CCCCC1N(C)C(=O)c1ccc(OC)cc1"),
    ],
    "de-npsg-5-1-tryptamines": [
        ("tryptamine (excluded by name)", "NCCc1c[nH]c2ccccc12"),
        ("melatonin (excluded by name)", "COc1ccc2[nH]cc(CCNC(C)=O)c2c1"),
        ("5-nitro-DMT (nitro not listed for Rn)", "CN(C)CCc1c[nH]c2ccc([N+](=O)[O-])cc12"),
    ],
    "de-npsg-5-2-ergolenes": [
        ("2-bromo on the indole (no position there)", "CCN(CC)C(=O)C1C=C2c3cccc4[nH]c(Br)c(c34)CC2N(C)C1"),
    ],
    "de-npsg-6-arylcyclohexylamines": [
        ("cyclohexylamine (no R3)", "NC1CCCCC1"),
        ("4-fluoro on the cyclohexyl ring (not an Rn group)", "CNC1(CCC(F)CC1)c1ccccc1"),
        ("1-phenylcyclopentylpiperidine (not a cyclohexyl)", "C1=CC=C(C2(N3CCCCC3)CCCC2)C=C1"),
    ],
    "de-npsg-7-benzimidazoles": [
        ("ethoxy on the benzimidazole (not an Rm group)", "CCN(CC)CCn1c(Cc2ccc(OCC)cc2)nc2cc(OCC)ccc21"),
    ],
    "de-npsg-8-diphenylpropanamines": [
        ("4-fluoro on a phenyl (no substituents on Ar1/Ar2)", "CCC(=O)C(CC(C)N(C)C)(c1ccc(F)cc1)c1ccccc1"),
    ],
    "de-npsg-9-aminobenzylpiperidines": [
        ("nitro on the benzyl phenyl (not listed)", "O=c1[nH]c2ccccc2n1C1CCN(Cc2ccc([N+](=O)[O-])cc2)CC1"),
    ],
    "it-dpr309-tab1-fentanyl-analogues": [
        ("fentanyl itself (listed by name, no modification)", "CCC(=O)N(c1ccccc1)C1CCN(CCc2ccccc2)CC1"),
        ("benzylfentanyl (no phenethyl group)", "CCC(=O)N(c1ccccc1)C1CCN(Cc2ccccc2)CC1"),
        ("1-naphthyl instead of the aniline ring (not a monocycle)", "CCC(=O)N(c1cccc2ccccc12)C1CCN(CCc2ccccc2)CC1"),
    ],
    "uk-mda-1-1b-tryptamines": [
        ("tryptamine", "NCCc1c[nH]c2ccccc12"),
        ("melatonin (N-acyl)", "COc1ccc2[nH]cc(CCNC(C)=O)c2c1"),
    ],
    "uk-mda-1-1c-phenethylamines": [
        ("amphetamine (no ring substitution)", "CC(N)Cc1ccccc1"),
        ("methoxyphenamine (excluded by name)", "CNC(C)Cc1ccccc1OC"),
        ("bk-MDMA (beta-keto: not a phenethylamine of 1(c))", "CNC(C)C(=O)c1ccc2OCOc2c1"),
    ],
    "uk-mda-1-1f-nbome": [
        ("N-benzyl-MDA (excluded by name)", "CC(Cc1ccc2OCOc2c1)NCc1ccccc1"),
        ("2C-B (no N-benzyl)", "NCCc1cc(OC)c(Br)cc1OC"),
    ],
    "uk-mda-2-1aa-cathinones": [
        ("bupropion (excluded by name)", "CC(NC(C)(C)C)C(=O)c1cccc(Cl)c1"),
        ("pyrovalerone (excluded by name)", "CCCC(N1CCCC1)C(=O)c1ccc(C)cc1"),
        ("cathinone (excluded by name)", "CC(N)C(=O)c1ccccc1"),
        ("diethylpropion (excluded by name)", "CCN(CC)C(C)C(=O)c1ccccc1"),
        ("4-hydroxy only (other substituent without a listed one)", "CNC(C)C(=O)c1ccc(O)cc1"),
        ("N-benzyl (not alkyl)", "CC(NCc1ccccc1)C(=O)c1ccccc1"),
    ],
    "uk-mda-2-1c-naphthoylindoles": [
        ("indazole analogue (not an indole)", "CCCCCn1nc(C(=O)c2cccc3ccccc23)c2ccccc21"),
        ("NH indole (no N-substituent)", "O=C(c1c[nH]c2ccccc12)c1cccc2ccccc12"),
    ],
    "uk-mda-2-1c-naphthoylpyrroles": [
        ("N-benzyl pyrrole (not a listed N-substituent)", "O=C(c1ccn(Cc2ccccc2)c1)c1cccc2ccccc12"),
    ],
    "uk-mda-2-1ca-third-generation": [
        ("JWH-018 (specified in sub-paragraph (c): excluded)", "CCCCCn1cc(C(=O)c2cccc3ccccc23)c2ccccc21"),
        ("atorvastatin (excluded by name)",
         "CC(C)c1c(C(=O)Nc2ccccc2)c(-c2ccccc2)c(-c2ccc(F)cc2)n1CCC(O)CC(O)CC(=O)O"),
    ],
}

# -- where the encoded text does not decide --------------------------------------------------------
MUST_BE_UNDECIDED: dict[str, list[tuple[str, str, str]]] = {
    "de-npsg-1-phenethylamines": [
        ("diclofensine (N ring part of a polycyclic system)", "COc1ccc2c(c1)CN(C)CC2c1ccc(Cl)c(Cl)c1", "polycyclic"),
    ],
    "de-npsg-2-1-cannabinoids": [
        ("ADB-5Br-INACA (no side chain)", "CC(C)(C)C(NC(=O)c1n[nH]c2ccc(Br)cc12)C(N)=O", "hydrogen"),
        ("4-bromo on the indole (position 4 not marked)", "CCCCCn1cc(C(=O)c2cccc3ccccc23)c2c(Br)cccc21",
         "position 4"),
        ("Cumyl-PeGaClone (amide ring to position 2)", "CCCCCn1c2ccccc2c2c1CCN(C(C)(C)c1ccccc1)C2=O",
         "not fully checked"),
        ("carbazole core (bridge position unreadable)", "CCCCCn1c2ccccc2c2cc(C(=O)c3cccc4ccccc34)ccc21",
         "do not decide"),
    ],
    "de-npsg-2-2-sulfonylamidobenzoates": [
        ("R1 at position 5 (place of R1 not drawn)", "O=C(Oc1cccc2cccnc12)c1cc(C)cc(S(=O)(=O)N2CCCCC2)c1",
         "R1 is assumed at position 4"),
        ("the free acid (R2 hydrogen)", "Cc1ccc(C(=O)O)cc1S(=O)(=O)N1CCCCC1", "hydrogen"),
    ],
    "de-npsg-2-3-hhc": [
        ("THCA-A (R4 place not known)", "CCCCCc1cc2c(c(O)c1C(=O)O)C1C=C(C)CCC1C(C)(C)O2", "R4"),
    ],
    "de-npsg-3-benzodiazepines": [
        ("bretazenil (3.1.1 g not encoded)", "CC(C)(C)OC(=O)c1ncn2c1C1CCCN1C(=O)c1c(Br)cccc12", "Bretazenil"),
        ("rilmazafone (3.2 open-chain prodrugs not encoded)",
         "CN(C)C(=O)c1nc(CNC(=O)CN)n(-c2ccc(Cl)cc2C(=O)c2ccccc2Cl)n1", "3.2"),
    ],
    "de-npsg-5-1-tryptamines": [
        ("1-undecanoyl-DMT (R5 alkylcarbonyl 'bis C10': carbonyl counted?)", "CCCCCCCCCCC(=O)n1cc(CCN(C)C)c2ccccc21",
         "may or may not count"),
        ("5-methoxytryptamine (possibly an active metabolite of melatonin)", "COc1ccc2[nH]cc(CCN)c2c1",
         "Metaboliten"),
        ("bufotenine (possibly an active metabolite of serotonin)", "CN(C)CCc1c[nH]c2ccc(O)cc12", "Metaboliten"),
    ],
    "de-npsg-6-arylcyclohexylamines": [
        ("O-desmethyltramadol (second Grundstruktur inferred)", "CN(C)CC1CCCCC1(O)c1cccc(O)c1",
         "second Grundstruktur"),
    ],
    "de-npsg-7-benzimidazoles": [
        ("alpha-methyl on the side chain (place of R3 not known)",
         "CCN(CC)C(C)Cn1c(Cc2ccc(OCC)cc2)nc2cc([N+](=O)[O-])ccc21", "R3"),
    ],
    "de-npsg-8-diphenylpropanamines": [
        ("3,3-diphenylpropylamine (R1 hydrogen)", "NCCC(c1ccccc1)c1ccccc1", "hydrogen"),
    ],
    "de-npsg-9-aminobenzylpiperidines": [
        ("brorphine (R1 = methyl, place inferred)", "CC(c1ccc(Br)cc1)N1CCC(n2c(=O)[nH]c3ccccc32)CC1", "R1"),
    ],
    "it-dpr309-tab1-fentanyl-analogues": [
        ("ethyl carbamate instead of propionyl ('un altro gruppo acile'?)",
         "CCOC(=O)N(c1ccccc1)C1CCN(CCc2ccccc2)CC1", "acile"),
        ("4-cyano on the phenethyl phenyl (item 1 vs item 2)", "CCC(=O)N(c1ccccc1)C1CCN(CCc2ccc(C#N)cc2)CC1",
         "monociclo"),
    ],
    "uk-mda-1-1b-tryptamines": [
        ("5-MeO-DMT (2014 wording not retrieved)", "COc1ccc2[nH]cc(CCN(C)C)c2c1", "2014 wording"),
        ("AMT (2014 wording not retrieved)", "CC(N)Cc1c[nH]c2ccccc12", "2014 wording"),
    ],
    "uk-mda-1-1f-nbome": [
        ("N-benzylamphetamine (parent may be a 1(ba) compound)", "CC(Cc1ccccc1)NCc1ccccc1", "(ba)"),
    ],
    "uk-mda-2-1c-naphthoylpyrroles": [
        ("naphthyl substituted (clause not retrieved)", "CCCCCn1ccc(C(=O)c2ccc(C)c3ccccc23)c1", "naphthyl"),
    ],
    "uk-mda-2-1ca-third-generation": [
        ("5F-MDMB-PICA (modified sub-structures: (ii) onwards not retrieved)",
         "COC(=O)C(NC(=O)c1cn(CCCCCF)c2ccccc12)C(C)(C)C", "not retrieved"),
    ],
}

# -- boundary cases: (name, smiles, expected) ---------------------------------------------------------
BOUNDARIES: dict[str, list[tuple[str, str, str]]] = {
    "de-npsg-1-phenethylamines": [
        ("mass 495.3 u <= 500", "COc1cc(CCNCc2cccc(C(F)(F)F)c2OC)c(OC)cc1I", COVERED),
        ("mass 506.2 u > 500", "COc1cc(CCNCc2cccc(Br)c2OC)c(OC)cc1I", NOT),
        ("Rn chain 8 atoms (octyl)", "CCCCCCCCc1ccc(CCN)cc1", COVERED),
        ("Rn chain 9 atoms (nonyl)", "CCCCCCCCCc1ccc(CCN)cc1", NOT),
        ("R1 chain 10 atoms (N-decyl)", "CCCCCCCCCCNC(C)Cc1ccccc1", COVERED),
        ("R1 chain 11 atoms (N-undecyl)", "CCCCCCCCCCCNC(C)Cc1ccccc1", NOT),
        ("R3 chain 12 atoms", "CCCCCCCCCCCCC(N)Cc1ccccc1", COVERED),
        ("R3 chain 13 atoms", "CCCCCCCCCCCCCC(N)Cc1ccccc1", NOT),
        ("N-pentanoyl (alkyl C5 of 'Alkylcarbonyl bis C6')", "CCCCC(=O)NC(C)Cc1ccccc1", COVERED),
    ],
    "de-npsg-2-1-cannabinoids": [
        ("side chain 10 atoms", "CCCCCCCCCCn1cc(C(=O)c2cccc3ccccc23)c2ccccc21", COVERED),
        ("side chain 11 atoms", "CCCCCCCCCCCn1cc(C(=O)c2cccc3ccccc23)c2ccccc21", NOT),
        ("side chain 3 atoms", "CCCn1cc(C(=O)c2cccc3ccccc23)c2ccccc21", COVERED),
        ("side chain 275.9 u <= 300", "BrCCC(I)CCn1cc(C(=O)c2cccc3ccccc23)c2ccccc21", COVERED),
        ("side chain 308.9 u > 300", "ICC(I)CCn1cc(C(=O)c2cccc3ccccc23)c2ccccc21", NOT),
        ("bridge residue 379.0 u <= 400", "CCCCCn1cc(C(=O)c2c(I)cc(I)c3ccccc23)c2ccccc21", COVERED),
        ("bridge residue 407.8 u > 400", "CCCCCn1cc(C(=O)c2c(I)cc(I)cc2Br)c2ccccc21", NOT),
        ("residue chain of 12 atoms", "CCCCCn1cc(C(=O)NCCCCCCCCCCCC)c2ccccc21", COVERED),
        ("residue chain of 13 atoms", "CCCCCn1cc(C(=O)NCCCCCCCCCCCCC)c2ccccc21", NOT),
    ],
    "de-npsg-2-2-sulfonylamidobenzoates": [
        ("mass 489.4 u <= 500", "Cc1ccc(C(=O)Oc2ccc(Br)c3cccnc23)cc1S(=O)(=O)N1CCCCC1", COVERED),
        ("mass 536.4 u > 500", "Cc1ccc(C(=O)Oc2ccc(I)c3cccnc23)cc1S(=O)(=O)N1CCCCC1", NOT),
        ("N-propyl (listed)", "Cc1ccc(C(=O)Oc2cccc3cccnc23)cc1S(=O)(=O)N(CCC)C", COVERED),
        ("N-butyl (not listed)", "Cc1ccc(C(=O)Oc2cccc3cccnc23)cc1S(=O)(=O)N(CCCC)C", NOT),
        ("azepane ring (7 atoms)", "Cc1ccc(C(=O)Oc2cccc3cccnc23)cc1S(=O)(=O)N1CCCCCC1", COVERED),
        ("azocane ring (8 atoms)", "Cc1ccc(C(=O)Oc2cccc3cccnc23)cc1S(=O)(=O)N1CCCCCCC1", NOT),
    ],
    "de-npsg-2-3-hhc": [
        ("mass 586.6 u <= 600", "CCCCCCCCCCCc1cc(OC(=O)C)c2c(c1)OC(C)(C)C1CCC(C(I)(F))CC21", COVERED),
        ("mass 600.6 u > 600", "CCCCCCCCCCCCc1cc(OC(=O)C)c2c(c1)OC(C)(C)C1CCC(C(I)(F))CC21", NOT),
        ("R3 chain C12", "CCCCCCCCCCCCc1cc(O)c2c(c1)OC(C)(C)C1CCC(C)CC21", COVERED),
        ("R3 chain C13", "CCCCCCCCCCCCCc1cc(O)c2c(c1)OC(C)(C)C1CCC(C)CC21", NOT),
        ("R5 alkylcarbonyl C7", "CCCCCc1cc(OC(=O)CCCCCCC)c2c(c1)OC(C)(C)C1CCC(C)CC21", COVERED),
        ("R5 alkylcarbonyl C8", "CCCCCc1cc(OC(=O)CCCCCCCC)c2c(c1)OC(C)(C)C1CCC(C)CC21", NOT),
        ("R1/R2 pentyl", "CCCCCc1cc(O)c2c(c1)OC(C)(CCCCC)C1CCC(C)CC21", COVERED),
        ("R1/R2 hexyl", "CCCCCc1cc(O)c2c(c1)OC(C)(CCCCCC)C1CCC(C)CC21", NOT),
    ],
    "de-npsg-3-benzodiazepines": [
        ("mass 594.0 u <= 600", "Cc1nnc2n1-c1ccc(Br)cc1C(c1c(Br)c(I)c(F)cc1F)=NC2", COVERED),
        ("mass 605.0 u > 600", "Cc1nnc2n1-c1ccc(Br)cc1C(c1ccc(I)cc1I)=NC2", NOT),
        ("R5 ethyl (listed)", "CCN1C(=O)CN=C(c2ccccc2Cl)c2cc(Cl)ccc21", COVERED),
        ("R7/R6 carbonyl on a 1,5-BZD", "CN1C(=O)CC(=O)N(c2ccccc2)c2cc(Cl)ccc21", COVERED),
    ],
    "de-npsg-4-aminocyclohexylamides": [
        ("mass 499.6 u <= 500", "CN(C)C1CCCCC1N(C)C(=O)c1cc(Br)c(I)cc1Cl", COVERED),
        ("mass 501.2 u > 500", "CN(C)C1CCCCC1N(C)C(=O)c1c(F)c(Br)c(F)cc1I", NOT),
        ("R1 heptyl (C7)", "CCCCCCCN(C)C1CCCCC1N(C)C(=O)c1ccc(Cl)c(Cl)c1", COVERED),
        ("R1 octyl (C8)", "CCCCCCCCN(C)C1CCCCC1N(C)C(=O)c1ccc(Cl)c(Cl)c1", NOT),
        ("R4 pentyl (C5)", "CCCCCN(C1CCCCC1N(C)C)C(=O)c1ccc(Cl)c(Cl)c1", COVERED),
        ("R4 hexyl (C6)", "CCCCCCN(C1CCCCC1N(C)C)C(=O)c1ccc(Cl)c(Cl)c1", NOT),
    ],
    "de-npsg-5-1-tryptamines": [
        ("mass 498.2 u <= 500", "CN(C)CCc1c[nH]c2c(I)c(OC(C)=O)c(OC(C)=O)c(C(F)(F)F)c12", COVERED),
        ("mass 503.9 u > 500", "CN(C)CCc1c[nH]c2c(Br)c(Br)c(Br)c(Br)c12", NOT),
        ("N-hexyl (C6)", "CCCCCCN(C)CCc1c[nH]c2ccccc12", COVERED),
        ("N-heptyl (C7)", "CCCCCCCN(C)CCc1c[nH]c2ccccc12", NOT),
        ("alpha-propyl (R3 C3)", "CCCC(N)Cc1c[nH]c2ccccc12", COVERED),
        ("alpha-butyl (R3 C4)", "CCCCC(N)Cc1c[nH]c2ccccc12", NOT),
    ],
    "de-npsg-5-2-ergolenes": [
        ("mass 596.0 u <= 600", "CCCCN(CCCC)C(=O)C1C=C2c3cccc4c3c(cn4C(=O)C(I)C(Cl))CC2N(C)C1", COVERED),
        ("mass 603.6 u > 600", "CCCCCN(CCCCC)C(=O)C1C=C2c3cccc4c3c(cn4C(=O)C(I)CC)CC2N(C)C1", NOT),
        ("R1 322.9 u > 300", "NC(=O)C1C=C2c3cccc4c3c(cn4C(=O)C(I)C(I)C)CC2N(C)C1", NOT),
        ("R1 258.9 u <= 300", "NC(=O)C1C=C2c3cccc4c3c(cn4C(=O)C(I)CCl)CC2N(C)C1", COVERED),
        ("amide N-pentyl (C5)", "CCCCCN(CC)C(=O)C1C=C2c3cccc4[nH]cc(c34)CC2N(C)C1", COVERED),
        ("amide N-hexyl (C6)", "CCCCCCN(CC)C(=O)C1C=C2c3cccc4[nH]cc(c34)CC2N(C)C1", NOT),
    ],
    "de-npsg-6-arylcyclohexylamines": [
        ("mass 498.1 u <= 500", "C1CCC(CC1)(c1c(F)c(Br)c(Br)cc1Br)N1CCCCC1", COVERED),
        ("mass 500.6 u > 500", "C1CCC(CC1)(c1c(F)c(Cl)c(Br)cc1I)N1CCCCC1", NOT),
        ("R1 chain 9 atoms (N-nonyl)", "CCCCCCCCCNC1(CCCCC1)c1ccccc1", COVERED),
        ("R1 chain 10 atoms (N-decyl)", "CCCCCCCCCCNC1(CCCCC1)c1ccccc1", NOT),
        ("R3 ring CF3 (not listed)", "CNC1(CCCCC1=O)c1ccccc1C(F)(F)F", NOT),
    ],
    "de-npsg-7-benzimidazoles": [
        ("mass 592.8 u <= 600", "CCN(CC)CCn1c(Cc2c(Cl)c(Cl)c(OC(C)C)cc2Br)nc2c(Cl)c([N+](=O)[O-])ccc21", COVERED),
        ("mass 602.8 u > 600", "CCN(CC)CCn1c(Cc2cc(Cl)c(OC(C)C)cc2Br)nc2c(Br)c([N+](=O)[O-])ccc21", NOT),
        ("Rn pentyloxy (C5)", "CCCCCOc1ccc(Cc2nc3cc([N+](=O)[O-])ccc3n2CCN(CC)CC)cc1", COVERED),
        ("Rn hexyloxy (C6)", "CCCCCCOc1ccc(Cc2nc3cc([N+](=O)[O-])ccc3n2CCN(CC)CC)cc1", NOT),
        ("R1 hexyl (C6)", "CCCCCCN(CC)CCn1c(Cc2ccc(OCC)cc2)nc2cc([N+](=O)[O-])ccc21", COVERED),
        ("R1 heptyl (C7)", "CCCCCCCN(CC)CCn1c(Cc2ccc(OCC)cc2)nc2cc([N+](=O)[O-])ccc21", NOT),
    ],
    "de-npsg-8-diphenylpropanamines": [
        ("mass 499.8 u <= 500", "CCCCS(=O)(=O)C(C(CC)C(CC)N(CCCC)CCCC)(c1ccccc1)c1ccccc1", COVERED),
        ("mass 513.8 u > 500", "CCCCCS(=O)(=O)C(C(CC)C(CC)N(CCCC)CCCC)(c1ccccc1)c1ccccc1", NOT),
        ("R1 heptanoyl (alkyl C6)", "CCCCCCC(=O)C(CC(C)N(C)C)(c1ccccc1)c1ccccc1", COVERED),
        ("R1 octanoyl (alkyl C7)", "CCCCCCCC(=O)C(CC(C)N(C)C)(c1ccccc1)c1ccccc1", NOT),
        ("R4 butyl (C4)", "CCC(=O)C(CC(C)N(C)CCCC)(c1ccccc1)c1ccccc1", COVERED),
        ("R4 pentyl (C5)", "CCC(=O)C(CC(C)N(C)CCCCC)(c1ccccc1)c1ccccc1", NOT),
    ],
    "de-npsg-9-aminobenzylpiperidines": [
        ("mass 499.6 u <= 500", "O=c1[nH]c2ccccc2n1C1CCN(Cc2cc(Br)c(Cl)cc2Br)CC1", COVERED),
        ("mass 501.2 u > 500", "O=c1[nH]c2ccccc2n1C1CCN(Cc2c(F)c(F)c(Br)cc2Br)CC1", NOT),
        ("Rm pentyloxy (C5)", "CCCCCOc1ccc(CN2CCC(n3c(=O)[nH]c4ccccc43)CC2)cc1", COVERED),
        ("Rm hexyloxy (C6)", "CCCCCCOc1ccc(CN2CCC(n3c(=O)[nH]c4ccccc43)CC2)cc1", NOT),
    ],
    "it-dpr309-tab1-fentanyl-analogues": [
        ("piperidine substituent: alkyl (item 3)", "CCC(=O)N(c1ccccc1)C1CCN(CCc2ccccc2)CC1CC", COVERED),
        ("piperidine substituent: cyano (not in item 3)", "CCC(=O)N(c1ccccc1)C1CCN(CCc2ccccc2)CC1C#N", NOT),
    ],
    "uk-mda-1-1b-tryptamines": [
        ("one ring hydroxy", "CN(C)CCc1c[nH]c2ccc(O)cc12", COVERED),
        ("two ring hydroxy groups (a ring-hydroxy tryptamine?)", "CN(C)CCc1c[nH]c2cc(O)c(O)cc12", UNDECIDED),
    ],
    "uk-mda-1-1c-phenethylamines": [
        ("alpha-ethyl (listed)", "CCC(N)Cc1cc(OC)c(Br)cc1OC", COVERED),
        ("alpha-propyl (not listed)", "CCCC(N)Cc1cc(OC)c(Br)cc1OC", NOT),
        ("N,N-dimethyl (only 'N-alkyl' is listed)", "CN(C)C(C)Cc1ccc2OCOc2c1", NOT),
    ],
    "uk-mda-1-1f-nbome": [
        ("parent with a hydroxy only (not a 1(c) parent)", "Oc1ccc(CCNCc2ccccc2OC)cc1", UNDECIDED),
    ],
    "uk-mda-2-1aa-cathinones": [
        ("one alkyl at the 3-position", "CCCC(NC)C(=O)c1ccccc1", COVERED),
        ("two alkyls at the 3-position ('an alkyl substituent')", "CC(C)(C)C(NC)C(=O)c1ccccc1", UNDECIDED),
    ],
    "uk-mda-2-1c-naphthoylindoles": [
        ("cycloalkylmethyl", "O=C(c1cn(CC2CCCCC2)c2ccccc12)c1cccc2ccccc12", COVERED),
        ("cycloalkylpropyl (not listed)", "O=C(c1cn(CCCC2CCCCC2)c2ccccc12)c1cccc2ccccc12", NOT),
    ],
    "uk-mda-2-1c-naphthoylpyrroles": [
        ("haloalkyl on N", "FCCCCCn1ccc(C(=O)c2cccc3ccccc23)c1", COVERED),
    ],
    "uk-mda-2-1ca-third-generation": [
        ("pentyl with a univalent substituent", "ClCCCCCn1nc(C(=O)c2cccc3ccccc23)c2ccccc21", COVERED),
    ],
}

# -- entries of the public list of NPS not controlled in China (read by path) -----------------------
CN_CASES: dict[str, list[tuple[str, str]]] = {
    "de-npsg-1-phenethylamines": [("2C-EF", COVERED), ("Ephenidine(NEDPA,EPE)", COVERED), ("2-CMC", COVERED)],
    "de-npsg-2-1-cannabinoids": [("JWH-182", COVERED), ("JWH-387", COVERED)],
    "de-npsg-2-2-sulfonylamidobenzoates": [("JWH-182", NOT)],  # the list has no 3-sulfonylamidobenzoate
    "de-npsg-2-3-hhc": [("AM-087", COVERED), ("HU-243", COVERED)],
    "de-npsg-3-benzodiazepines": [("Flunitrazolam(FNTZ)", COVERED), ("Norfludiazepam", COVERED),
                                  ("Rilmazolam", UNDECIDED)],
    "de-npsg-4-aminocyclohexylamides": [("U-69593", COVERED), ("Enadoline(Cl-977)", COVERED)],
    "de-npsg-5-1-tryptamines": [("DPT", COVERED), ("4-OH-MET", COVERED)],
    "de-npsg-5-2-ergolenes": [("LSM-775", COVERED), ("AL-LAD(6-allyl-6-nor-LSD)", COVERED)],
    "de-npsg-6-arylcyclohexylamines": [("3-Me-PCPy", COVERED), ("MXiPr", COVERED), ("2-TFMDCK", NOT)],
    "de-npsg-7-benzimidazoles": [("N,N-Dimethyletonitazene", COVERED), ("Secbutonitazene", COVERED)],
    "de-npsg-8-diphenylpropanamines": [("Desmethylmoramide", COVERED), ("Dipyanone", COVERED)],
    "de-npsg-9-aminobenzylpiperidines": [("Brorphine", UNDECIDED)],  # no entry the rule covers for sure
    "it-dpr309-tab1-fentanyl-analogues": [("Fentanyl tropane(tropafentanyl)", UNDECIDED), ("Fentanyl azepane", NOT)],
    "uk-mda-1-1b-tryptamines": [("DPT", COVERED), ("MiPT", COVERED)],
    "uk-mda-1-1c-phenethylamines": [("2C-EF", COVERED)],
    "uk-mda-1-1f-nbome": [("25B-NBOH", COVERED)],
    "uk-mda-2-1aa-cathinones": [("2-CMC", COVERED), ("NEP", COVERED)],
    "uk-mda-2-1c-naphthoylindoles": [("JWH-182", COVERED)],
    "uk-mda-2-1c-naphthoylpyrroles": [("JWH-182", NOT)],  # an indole: the list has no naphthoylpyrrole
    "uk-mda-2-1ca-third-generation": [("JWH-182", NOT)],  # specified in 1(c): excluded from 1(ca)
}


def _cases(table: dict[str, list[tuple[str, ...]]]) -> list[tuple[str, ...]]:
    return [(rule_id, *case) for rule_id, cases in table.items() for case in cases]


def test_every_packaged_rule_has_cases_of_every_kind() -> None:
    ids = set(RULES)
    assert ids == set(MUST_COVER) == set(MUST_NOT) == set(CN_CASES)
    assert ids <= set(BOUNDARIES) | {"uk-mda-2-1c-naphthoylpyrroles"}
    assert len(ids) == 20


@pytest.mark.parametrize(("rule_id", "name", "smiles"), _cases(MUST_COVER))
def test_rule_covers(rule_id: str, name: str, smiles: str) -> None:
    got, result = outcome(rule_id, smiles)
    assert got == COVERED, f"{name}: {describe(result)}"
    assert isinstance(result, GenericMatch)
    assert result.rule_id == rule_id and result.category in result.explanation
    assert result.atoms["core"], "the core atoms are reported"


@pytest.mark.parametrize("rule_id", sorted(RULES))
@pytest.mark.parametrize(("name", "smiles"), COMMON_NOT)
def test_no_rule_covers_dopamine_serotonin_or_caffeine(rule_id: str, name: str, smiles: str) -> None:
    got, result = outcome(rule_id, smiles)
    assert got == NOT, f"{name} under {rule_id}: {describe(result)}"


@pytest.mark.parametrize(("rule_id", "name", "smiles"), _cases(MUST_NOT))
def test_rule_does_not_cover(rule_id: str, name: str, smiles: str) -> None:
    got, result = outcome(rule_id, smiles)
    assert got == NOT, f"{name}: {describe(result)}"
    assert isinstance(result, GenericMiss) and result.reason


@pytest.mark.parametrize(("rule_id", "name", "smiles", "why"), _cases(MUST_BE_UNDECIDED))
def test_rule_says_when_it_does_not_decide(rule_id: str, name: str, smiles: str, why: str) -> None:
    got, result = outcome(rule_id, smiles)
    assert got == UNDECIDED, f"{name}: {describe(result)}"
    assert why.lower() in describe(result).lower()


@pytest.mark.parametrize(("rule_id", "name", "smiles", "expected"), _cases(BOUNDARIES))
def test_boundary(rule_id: str, name: str, smiles: str, expected: str) -> None:
    got, result = outcome(rule_id, smiles)
    assert got == expected, f"{name}: {describe(result)}"


@pytest.mark.shared_data
@pytest.mark.parametrize(("rule_id", "abbrev", "expected"), _cases(CN_CASES))
def test_entries_of_the_uncontrolled_in_china_list(shared_data: Path, rule_id: str, abbrev: str,
                                                   expected: str) -> None:
    path = require_shared(shared_data / CN)
    with path.open(encoding="utf-8") as f:
        rows = {r["abbrev"]: r for r in csv.DictReader(f) if r["abbrev"]}
    assert abbrev in rows, f"{abbrev} not in {CN}"
    got, result = outcome(rule_id, rows[abbrev]["smiles"])
    assert got == expected, f"{abbrev}: {describe(result)}"


# -- explanations ------------------------------------------------------------------------------------
def test_explanation_names_the_rule_the_core_and_each_part() -> None:
    _, result = outcome("de-npsg-1-phenethylamines", "CNC(C)Cc1ccc2OCOc2c1")
    assert isinstance(result, GenericMatch)
    text = result.explanation
    assert text.startswith("NpSG Anlage 1 Nr. 1: 2-phenylethan-1-amine core")
    assert "R1/R2 (N) = alkyl (C1-6) (atoms 0)" in text
    assert "Strukturelement A = benzene ring Z" in text and "mass 193.2 u <= 500 u" in text
    assert result.atoms["R1/R2"] == (0,) and result.atoms["R3/R4"] == (3,)
    assert set(result.atoms["A"]) == {5, 6, 7, 8, 9, 10, 11, 12, 13}
    assert result.since.isoformat() == "2016-11-26" and result.jurisdiction == "DE"
    assert result.instrument == "de-npsg"


def test_a_miss_says_which_part_failed() -> None:
    _, result = outcome("uk-mda-2-1aa-cathinones", "CC(NCc1ccccc1)C(=O)c1ccccc1")
    assert isinstance(result, GenericMiss) and result.core_found and not result.undecided
    assert "'*Cc1ccccc1' is not one of: alkyl" in result.reason
    _, absent = outcome("uk-mda-2-1aa-cathinones", "Cn1cnc2c1c(=O)n(C)c(=O)n2C")
    assert isinstance(absent, GenericMiss) and not absent.core_found and "core not present" in absent.reason


def test_bupropion_is_excluded_by_name_under_the_uk_cathinone_rule() -> None:
    _, result = outcome("uk-mda-2-1aa-cathinones", "CC(NC(C)(C)C)C(=O)c1cccc(Cl)c1")
    assert isinstance(result, GenericMiss) and not result.undecided
    assert "excluded" in result.reason and "Bupropion" in result.reason


def test_group_1_exclusion_names_the_other_group() -> None:
    _, result = outcome("de-npsg-1-phenethylamines", "CC(N)Cc1c[nH]c2ccccc12")
    assert "de-npsg-2-1-cannabinoids" in describe(result) and "Nummern 2 bis 9" in describe(result)


def test_the_molecule_is_not_modified() -> None:
    mol = parent("CCN(CC)CCn1c(Cc2ccc(OC(C)C)cc2)nc2cc([N+](=O)[O-])ccc21")
    before = (Chem.MolToSmiles(mol), mol.ToBinary(), mol.GetPropsAsDict(includePrivate=True))
    for rule in RULES.values():
        match_generic(mol, rule)
    assert (Chem.MolToSmiles(mol), mol.ToBinary(), mol.GetPropsAsDict(includePrivate=True)) == before


# -- rule data -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("rule_id", sorted(RULES))
def test_rule_quotes_its_text_and_dates(rule_id: str) -> None:
    rule = RULES[rule_id]
    assert rule.text and rule.source and rule.since and rule.category
    assert all(p.text for p in rule.positions), "every part quotes the legal text it encodes"
    assert all(c.text for c in rule.closures) and all(e.text for e in rule.exclusions)
    if rule.completeness == "partial":
        assert rule.missing


def test_rule_dates_follow_the_amendment_history() -> None:
    since = {rid: r.since.isoformat() for rid, r in RULES.items()}
    assert since["de-npsg-1-phenethylamines"] == "2016-11-26" == since["de-npsg-2-1-cannabinoids"]
    assert since["de-npsg-2-3-hhc"] == "2024-06-27"
    assert since["de-npsg-6-arylcyclohexylamines"] == "2021-07-03" == since["de-npsg-7-benzimidazoles"]
    assert since["uk-mda-2-1aa-cathinones"] == "2010-04-16"
    assert since["it-dpr309-tab1-fentanyl-analogues"] == "2020-07-28"
    assert all(RULES[r].completeness == "partial" for r in ("uk-mda-1-1b-tryptamines", "uk-mda-2-1ca-third-generation"))


def test_prefilter_never_hides_a_core() -> None:
    smiles = [s for table in (MUST_COVER, MUST_NOT) for cases in table.values() for _, s in cases]
    smiles += [s for cases in list(BOUNDARIES.values()) + list(MUST_BE_UNDECIDED.values()) for _, s, _ in cases]
    for rule in RULES.values():
        for smi in smiles:
            mol = parent(smi)
            if any(mol.HasSubstructMatch(v.query) for v in rule.cores):
                assert any(mol.HasSubstructMatch(q) for q in rule.prefilter), (rule.id, smi)


def test_a_structure_without_the_core_costs_little() -> None:
    mols = [parent(s) for s in ("Cn1cnc2c1c(=O)n(C)c(=O)n2C", "CC(=O)Oc1ccccc1C(=O)O", "OCC(O)CO",
                                "CC(C)Cc1ccc(C(C)C(=O)O)cc1")]
    rules = list(RULES.values())
    for m in mols:
        for r in rules:
            match_generic(m, r)
    start = time.perf_counter()
    runs = 20
    for _ in range(runs):
        for m in mols:
            for r in rules:
                match_generic(m, r)
    per_rule = (time.perf_counter() - start) / (runs * len(mols) * len(rules))
    assert per_rule < 0.2e-3, f"{per_rule * 1e6:.1f} us per rule for a structure without the core"


# -- loader --------------------------------------------------------------------------------------------
GOOD = """\
id: test-rule
jurisdiction: DE
instrument: de-npsg
category: "Test group"
since: 2020-01-01
source: "test"
text: "Test text."
max_mass: 500
core:
  smarts: "[NX3:1]-[CX4:2]-[CX4]-c1ccccc1"
  text: "phenethylamine core"
positions:
  R1:
    atoms: [1]
    allowed: [alkyl(max_c=3)]
    text: "R1: Alkyl (bis C3)."
"""


def _write(tmp_path: Path, text: str, name: str = "rule.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_minimal_rule_file_loads_and_matches(tmp_path: Path) -> None:
    (rule,) = load_generic_rules([_write(tmp_path, GOOD)])
    assert isinstance(match_generic(parent("CCCNCCc1ccccc1"), rule), GenericMatch)
    assert isinstance(match_generic(parent("CCCCNCCc1ccccc1"), rule), GenericMiss)


def _problems(tmp_path: Path, text: str) -> InvalidReferenceData:
    with pytest.raises(InvalidReferenceData) as info:
        load_generic_rules([_write(tmp_path, text)])
    return info.value


def test_an_unknown_substituent_name_is_rejected_with_its_line(tmp_path: Path) -> None:
    err = _problems(tmp_path, GOOD.replace("allowed: [alkyl(max_c=3)]", "allowed: [alkyl(max_c=3), unicorn]"))
    assert (15, "position R1: unknown substituent name 'unicorn'") in err.problems
    assert "rule.yaml:15:" in str(err)


def test_a_bad_smarts_is_rejected_with_its_line(tmp_path: Path) -> None:
    err = _problems(tmp_path, GOOD.replace('"[NX3:1]-[CX4:2]-[CX4]-c1ccccc1"', '"[NX3:1]-[CX4:2]-(("'))
    assert err.problems[0][0] == 10 and "SMARTS does not parse" in err.problems[0][1]


def test_every_problem_of_a_file_is_reported_together(tmp_path: Path) -> None:
    text = GOOD.replace("since: 2020-01-01", "since: someday").replace("max_c=3", "max_carbons=3")
    text = text.replace("atoms: [1]", "atoms: [7]") + "colour: blue\n"
    err = _problems(tmp_path, text)
    reasons = dict(err.problems)
    assert "'since' must be a date YYYY-MM-DD, not 'someday'" in reasons[5]
    assert any("has no parameter 'max_carbons'" in r for r in reasons.values())
    assert any("map number 7 is not in any core variant" in r for r in reasons.values())
    assert any(r.startswith("unknown key 'colour'") for r in reasons.values())


def test_a_position_without_its_legal_text_is_rejected(tmp_path: Path) -> None:
    err = _problems(tmp_path, GOOD.replace('    text: "R1: Alkyl (bis C3)."\n', ""))
    assert any("'text' (the legal text this part encodes) is required" in r for _, r in err.problems)


def test_a_partial_rule_must_say_what_is_missing(tmp_path: Path) -> None:
    err = _problems(tmp_path, GOOD + "completeness: partial\n")
    assert any("must say what is missing" in r for _, r in err.problems)


def test_yaml_syntax_errors_name_the_line(tmp_path: Path) -> None:
    err = _problems(tmp_path, GOOD.replace("allowed: [alkyl(max_c=3)]", "allowed: [alkyl(max_c=3)"))
    assert err.problems[0][0] is not None and "not valid YAML" in err.problems[0][1]


def test_an_exclusion_naming_an_unknown_rule_is_rejected(tmp_path: Path) -> None:
    text = GOOD + "exclusions:\n  - {rule: no-such-rule, when: covered, text: \"x\"}\n"
    err = _problems(tmp_path, text)
    assert err.problems == [(18, "exclusion refers to unknown rule 'no-such-rule'")]


def test_duplicate_rule_ids_are_rejected(tmp_path: Path) -> None:
    a, b = _write(tmp_path, GOOD, "a.yaml"), _write(tmp_path, GOOD, "b.yaml")
    with pytest.raises(InvalidReferenceData, match="also used by"):
        load_generic_rules([a, b])


def test_packaged_files_are_the_default() -> None:
    assert [r.id for r in load_generic_rules()] == [r.id for r in load_generic_rules(packaged_rule_files())]
    assert load_generic_rules() is not load_generic_rules(), "callers get their own list"


def test_a_user_rule_may_refer_to_packaged_rules(tmp_path: Path) -> None:
    text = GOOD + "exclusions:\n  - {rule: de-npsg-5-1-tryptamines, when: core_not_covered, text: \"x\"}\n"
    (rule,) = load_generic_rules([_write(tmp_path, text)])
    assert rule.references["de-npsg-5-1-tryptamines"].id == "de-npsg-5-1-tryptamines"


def test_a_miss_on_a_ring_matched_both_ways_gives_every_failure_of_the_closest_placement() -> None:
    # UK 1(c) places its core on the phenyl ring both ways round; the two placements are judged alike, and
    # the miss names every part that fails (the N group, the unsubstituted ring), not only the first
    kind, result = outcome("uk-mda-1-1c-phenethylamines", "CC(C)C(=O)N(c1ccccc1)C1(C(=O)OC)CCN(C(C)Cc2ccccc2)CC1")
    assert kind == NOT
    reason = describe(result)
    assert "is not one of: alkyl" in reason
    assert "ring: none of the required substituents" in reason
    assert {"N", "alpha", "core"} <= set(result.atoms)


def test_placements_with_one_evaluation_key_are_judged_alike() -> None:
    # what lets _embeddings skip a placement whose key it has judged: every reading of the placement is the
    # same (checked here on every placement of every rule on the library's structures, fail-fast and full)
    from crystal_palace.chemistry.library import default_library
    from crystal_palace.legal.generic import _placements
    from crystal_palace.legal.generic_match import evaluate_embedding, evaluation_key
    from crystal_palace.legal.pieces import judging

    compared = 0
    for entry in default_library().entries:
        mol = entry.mol
        with judging(mol):
            for rule in RULES.values():
                seen: dict[object, object] = {}
                for variant, match in _placements(mol, rule):
                    key = evaluation_key(rule, variant, match)
                    for fail_fast in (True, False):
                        e = evaluate_embedding(mol, rule, variant, match, fail_fast=fail_fast)
                        reading = (e.outcome, e.progress, tuple(e.checks), tuple(e.failures), e.stopped,
                                   tuple((p.key, p.label, p.atoms, p.words, p.check) for p in e.parts),
                                   e.closed, e.touched, e.core_atoms)
                        if (key, fail_fast) in seen:
                            assert seen[(key, fail_fast)] == reading, (rule.id, entry.id)
                            compared += 1
                        else:
                            seen[(key, fail_fast)] = reading
    assert compared > 100
