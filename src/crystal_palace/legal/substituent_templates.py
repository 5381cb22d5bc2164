"""Fixed substituent groups of the vocabulary, written as SMILES templates with ``*`` for the core atom.

A piece is an instance of a template when its canonical SMILES (with ``*`` for the atom it hangs on;
stereo and isotopes dropped) equals the template's. Templates with two ``*`` describe bridges across
two core atoms (methylenedioxy), ``*1...1`` rings closed on one core atom (pyrrolidino).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

from rdkit import Chem

from crystal_palace.legal.pieces import COVERED, Check, Piece, canonical_template, not_, template_formula
from crystal_palace.legal.substituent_rules import Params

# -- fixed groups: name -> (templates, words) -------------------------------------------------------
TEMPLATES: dict[str, tuple[tuple[str, ...], str]] = {
    "fluoro": (("*F",), "fluoro"),
    "chloro": (("*Cl",), "chloro"),
    "bromo": (("*Br",), "bromo"),
    "iodo": (("*I",), "iodo"),
    "halogen": (("*F", "*Cl", "*Br", "*I"), "halogen (F, Cl, Br, I)"),
    "hydroxy": (("*O",), "hydroxy"),
    "thiol": (("*S",), "thiol"),
    "amino": (("*N",), "amino"),
    "nitro": (("*[N+](=O)[O-]", "*N(=O)=O"), "nitro"),
    "cyano": (("*C#N",), "cyano"),
    "carboxy": (("*C(=O)O",), "carboxy"),
    "oxo": (("*=O",), "oxo (=O)"),
    "thioxo": (("*=S",), "thioxo (=S)"),
    "imino": (("*=N",), "imino (=NH)"),
    "methylimino": (("*=NC",), "N-methylimino (=N-CH3)"),
    "methylamino": (("*NC",), "methylamino"),
    "methyl": (("*C",), "methyl"),
    "ethyl": (("*CC",), "ethyl"),
    "propyl": (("*CCC",), "propyl"),
    "isopropyl": (("*C(C)C",), "isopropyl"),
    "methoxy": (("*OC",), "methoxy"),
    "trifluoromethyl": (("*C(F)(F)F",), "trifluoromethyl"),
    "trifluoromethoxy": (("*OC(F)(F)F",), "trifluoromethoxy"),
    "acetoxy": (("*OC(C)=O",), "acetoxy"),
    "acetyl": (("*C(C)=O",), "acetyl"),
    "methylthio": (("*SC",), "methylthio"),
    "allyl": (("*CC=C",), "allyl"),
    "propargyl": (("*CC#C",), "prop-2-yn-1-yl"),
    "cyclopropyl": (("*C1CC1",), "cyclopropyl"),
    "hydroxymethyl": (("*CO",), "hydroxymethyl"),
    "hydroxyalkyl_c1_2": (("*CO", "*C(C)O"), "1-hydroxyalkyl (up to C2)"),
    "dihydrogenphosphate": (("*OP(=O)(O)O",), "dihydrogen phosphate"),
    "carboxamido": (("*C(N)=O",), "carboxamido"),
    "carbamoyl": (("*C(N)=O",), "carbamoyl"),
    "phenoxy": (("*Oc1ccccc1",), "phenoxy"),
    "phenylthio": (("*Sc1ccccc1",), "phenylthio"),
    "phenyl": (("*c1ccccc1",), "phenyl"),
    "benzyl": (("*Cc1ccccc1",), "benzyl"),
    "benzyloxy": (("*OCc1ccccc1",), "benzyloxy"),
    "benzylcarbonyl": (("*C(=O)Cc1ccccc1",), "benzylcarbonyl"),
    "succinyloxy": (("*OC(=O)CCC(=O)O",), "succinyloxy"),
    "ethoxycarbonyl": (("*C(=O)OCC",), "ethoxycarbonyl"),
    "dimethylcarbamoyl": (("*C(=O)N(C)C",), "N,N-dimethylcarbamoyl"),
    "dimethylaminomethyl": (("*CN(C)C",), "(N,N-dimethylamino)methyl"),
    "diethylaminomethyl": (("*CN(CC)CC",), "(N,N-diethylamino)methyl"),
    "dimethylaminoethyl": (("*CCN(C)C",), "(N,N-dimethylamino)ethyl"),
    "diethylaminoethyl": (("*CCN(CC)CC",), "(N,N-diethylamino)ethyl"),
    "cyclopropylmethyl": (("*CC1CC1",), "(cyclopropyl)methyl"),
    "trifluoroethyl": (("*CC(F)(F)F",), "(trifluoromethyl)methyl"),
    "hydrazidomethyl": (("*CC(=O)NN",), "hydrazidomethyl"),
    "trimethylsilyl": (("*[Si](C)(C)C",), "trimethylsilyl"),
    "cumyl": (("*C(C)(C)c1ccccc1",), "cumyl (2-phenylpropan-2-yl)"),
    "glycyl": (("*C(=O)CN",), "glycine residue (C-terminal)"),
    "alanyl": (("*C(=O)C(C)N",), "alanine residue (C-terminal)"),
    "lysyl": (("*C(=O)C(N)CCCCN",), "lysine residue (C-terminal)"),
    "piperidin_1_ylcarbonyl": (("*C(=O)N1CCCCC1",), "piperidin-1-ylcarbonyl"),
    "pyrrolidin_1_ylcarbonyl": (("*C(=O)N1CCCC1",), "pyrrolidin-1-ylcarbonyl"),
    "morpholin_4_ylcarbonyl": (("*C(=O)N1CCOCC1",), "morpholin-4-ylcarbonyl"),
    "n_methylpiperidin_2_ylmethyl": (("*CC1CCCCN1C",), "(N-methylpiperidin-2-yl)methyl"),
    "morpholin_4_ylethyl": (("*CCN1CCOCC1",), "2-(4-morpholinyl)ethyl"),
    # rings closed on one core atom (the * is that atom, bonded twice)
    "pyrrolidino": (("*1CCCC1",), "pyrrolidino (N in a pyrrolidine ring)"),
    "piperidino": (("*1CCCCC1",), "piperidino (N in a piperidine ring)"),
    "morpholino": (("*1CCOCC1",), "morpholino (N in a morpholine ring)"),
    "dimethylazetidino": (("*1C(C)CC1C",), "dimethylazetidide (N in a 2,4-dimethylazetidine ring)"),
    # bridges across two adjacent core atoms
    "methylenedioxy": (("*OCO*",), "methylenedioxy"),
    "ethylenedioxy": (("*OCCO*",), "ethylenedioxy"),
    "vinylenoxy": (("*OC=C*",), "vinylenoxy (1-oxyethen-2-yl)"),
    "ethylenoxy": (("*OCC*",), "ethylenoxy"),
}


@cache
def _canonical_set(name: str) -> frozenset[str]:
    return frozenset(c for c in (canonical_template(t) for t in TEMPLATES[name][0]) if c)


@cache
def _formulas(name: str) -> frozenset[tuple[tuple[str, int], ...]]:
    return frozenset(f for f in (template_formula(t) for t in TEMPLATES[name][0]) if f)


@cache
def _template_queries(name: str) -> tuple[Chem.Mol, ...]:
    return tuple(q for q in (Chem.MolFromSmarts(t) for t in TEMPLATES[name][0]) if q is not None)


def anchored_matches(piece: Piece, query: Chem.Mol, dummy_first: bool = True) -> list[tuple[int, ...]]:
    """Matches of ``query`` whose first atom is the anchor atom and whose other atoms lie in the piece.

    With ``dummy_first`` the query's first atom stands for the core atom (``*`` of a template);
    otherwise the query's first atom must be the piece's root.
    """
    out = []
    outside, root = piece.anchors[0]
    inside = piece.atoms
    for m in piece.graph.substruct(piece.mol, query):
        if dummy_first:
            if m[0] == outside and m[1] == root and inside.issuperset(m[1:]):
                out.append(m)
        elif m[0] == root and inside.issuperset(m):
            out.append(m)
    return out


@cache
def _sizes(name: str) -> frozenset[int]:
    """The numbers of atoms (the core atoms ``*`` not counted) of the templates of ``name``."""
    return frozenset(sum(n for symbol, n in f if symbol != "*") for f in _formulas(name))


def template_check(name: str) -> Callable[[Piece, Params], Check]:
    """Exact check against the templates of ``name``.

    A piece of another size, then one of another composition, is not an instance: the canonical SMILES
    (a round trip through RDKit) is compared only for a piece that passes both.
    """
    miss = not_(f"not {TEMPLATES[name][1]}")

    def check(piece: Piece, params: Params) -> Check:
        if len(piece.atoms) not in _sizes(name) or piece.formula not in _formulas(name):
            return miss
        smi = piece.smiles
        if smi is not None and smi in _canonical_set(name):
            return COVERED
        return miss
    return check


def template_base(name: str) -> Callable[[Piece, Params], bool]:
    """True when the piece starts with one of the templates of ``name`` (for further substitution)."""
    def base(piece: Piece, params: Params) -> bool:
        return piece.single and any(anchored_matches(piece, q) for q in _template_queries(name))
    return base
