"""Fixtures of the spectra tests: a private data home, and small libraries written as real MSP text."""

from __future__ import annotations

from pathlib import Path

import pytest

from sharedpaths import require_shared  # noqa: F401  (re-exported for the spectra tests)

# three EI spectra shaped like the real ones (major ions from the SWGDRUG monographs), with structures
MINI_EI_MSP = """Name: Fentanyl
SMILES: CCC(=O)N(c1ccccc1)C1CCN(CCc2ccccc2)CC1
CAS#: 437-38-7;  NIST#: 1
Num Peaks: 10
42 277; 57 222; 77 199; 91 163; 105 232;
132 141; 146 665; 189 377; 202 118; 245 999;

Name: Mephedrone
SMILES: CNC(C)C(=O)c1ccc(C)cc1
Num Peaks: 8
42 60; 58 999; 65 50; 91 120; 119 180; 120 20; 160 5; 177 3

Name: Cocaine
SMILES: COC(=O)C1C(OC(=O)c2ccccc2)CC2CCC1N2C
Num Peaks: 9
42 250; 68 180; 77 200; 82 999; 94 300; 105 420; 182 850; 198 180; 303 200

"""


@pytest.fixture(autouse=True)
def private_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every spectra test writes its libraries under its own tmp_path, never the real data home."""
    home = tmp_path / "home"
    monkeypatch.setenv("CRYSTAL_PALACE_HOME", str(home))
    return home


@pytest.fixture
def mini_ei_msp(tmp_path: Path) -> Path:
    path = tmp_path / "mini.msp"
    path.write_text(MINI_EI_MSP, encoding="utf-8")
    return path
