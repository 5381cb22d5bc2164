"""The legal engine's compiled modules: built where CI runs, the same list as setup.py, never stale."""

from __future__ import annotations

import ast
import importlib
import importlib.machinery
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from crystal_palace.legal import compiled
from crystal_palace.legal.compiled import COMPILED, StaleBuild, check_fresh, stale

ROOT = Path(__file__).resolve().parents[2]
SUFFIX = importlib.machinery.EXTENSION_SUFFIXES[0]


def test_the_list_is_setup_pys() -> None:
    # setup.py reads the list from compiled.py: run its COMPILED expression as setup.py does
    tree = ast.parse((ROOT / "setup.py").read_text(encoding="utf-8"))
    found = [node.value for node in ast.walk(tree)
             if isinstance(node, ast.AnnAssign) and getattr(node.target, "id", "") == "COMPILED"]
    assert len(found) == 1 and found[0] is not None
    value = eval(compile(ast.Expression(found[0]), "setup.py", "eval"),  # noqa: S307 - the project's own file
                 {"ast": ast, "Path": Path, "__file__": str(ROOT / "setup.py")})
    assert value == COMPILED
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert all(f" {name}" in makefile or f",{name}" in makefile for name in COMPILED)


@pytest.mark.skipif(os.environ.get("CI") != "true", reason="a machine without a compiler runs the source")
def test_modules_run_compiled_under_ci() -> None:
    for name in COMPILED:
        module = importlib.import_module(f"crystal_palace.legal.{name}")
        assert compiled.built(name) is not None, name
        assert str(module.__file__).endswith(tuple(importlib.machinery.EXTENSION_SUFFIXES)), module.__file__


def _checkout(tmp_path: Path) -> Path:
    """A fake checkout: pyproject.toml beside src/crystal_palace/legal."""
    (tmp_path / "pyproject.toml").write_text("", encoding="utf-8")
    folder = tmp_path / "src" / "crystal_palace" / "legal"
    folder.mkdir(parents=True)
    return folder


def _write(path: Path, age_s: float) -> None:
    path.write_text("", encoding="utf-8")
    then = time.time() - age_s
    os.utime(path, (then, then))


def test_a_source_newer_than_its_build_is_refused(tmp_path: Path) -> None:
    folder = _checkout(tmp_path)
    _write(folder / "generic.py", 10)
    _write(folder / f"generic{SUFFIX}", 100)  # built before the source was edited
    _write(folder / "pieces.py", 100)
    _write(folder / f"pieces{SUFFIX}", 10)
    _write(folder / "engine.py", 10)  # not built: the source runs
    assert stale(folder) == ["generic"]
    with pytest.raises(StaleBuild, match=r"generic .*make install"):
        check_fresh(folder)


def test_files_written_together_are_not_stale(tmp_path: Path) -> None:
    folder = _checkout(tmp_path)
    _write(folder / f"engine{SUFFIX}", 10.5)
    _write(folder / "engine.py", 10)  # (an install writes the two a moment apart, in either order)
    check_fresh(folder)
    assert stale(folder) == []


def test_the_shared_library_dates_the_build(tmp_path: Path) -> None:
    folder = _checkout(tmp_path)
    _write(folder / "generic.py", 10)
    _write(folder / f"generic{SUFFIX}", 100)  # (not relinked: the module's own file did not change)
    _write(folder.parent.parent / f"0123abcd__mypyc{SUFFIX}", 5)  # the code of every module, relinked
    assert stale(folder) == []
    check_fresh(folder)


def test_an_installed_package_is_not_checked(tmp_path: Path) -> None:
    folder = tmp_path / "lib" / "site-packages" / "crystal_palace" / "legal"
    folder.mkdir(parents=True)
    _write(folder / "engine.py", 10)
    _write(folder / f"engine{SUFFIX}", 100)
    assert stale(folder) == ["engine"]
    check_fresh(folder)  # no checkout around it: nothing to rebuild from


def test_this_checkout_is_fresh() -> None:
    assert stale() == []


def test_compiled_modules_have_no_doctests() -> None:
    # (their .py is not collected for doctests when they run compiled: see conftest.py)
    for name in COMPILED:
        assert ">>>" not in (ROOT / "src" / "crystal_palace" / "legal" / f"{name}.py").read_text(encoding="utf-8"), name


_VERDICTS = """
import datetime, json, sys
from rdkit import RDLogger
RDLogger.DisableLog("rdApp.*")
from crystal_palace.chemistry.library import default_library
from crystal_palace.legal import compiled
from crystal_palace.legal.engine import legal_status
from crystal_palace.workflows.identify import identify_many

running = sorted(n for n in compiled.COMPILED if compiled.built(n) is not None)
smiles = [e.smiles for e in default_library().entries if e.smiles]
results = identify_many(smiles, input_types=["smiles"] * len(smiles), explain=False, legal=False)
with open(sys.argv[1], "w", encoding="utf-8") as out:
    out.write(json.dumps(running) + "\\n")
    for query, r in zip(smiles, results):
        if r.mol is None:
            continue
        sid = r.identity["id"] if r.identity else None
        for detail in (False, True):
            for day in (datetime.date(2026, 11, 29), datetime.date(2018, 1, 1)):
                verdicts = [v.to_dict() for v in legal_status(r.mol, sid, as_of=day, detail=detail)]
                out.write(json.dumps([query, detail, day.isoformat(), verdicts], sort_keys=True) + "\\n")
"""


@pytest.mark.skipif(not any(compiled.built(n) for n in COMPILED), reason="nothing is compiled here")
def test_plain_python_gives_the_compiled_verdicts(tmp_path: Path) -> None:
    """Every verdict on every library structure, both modes, two dates: the compiled build and its source agree."""
    plain = tmp_path / "plain"
    builds = shutil.ignore_patterns("__pycache__", *(f"{name}.*.so" for name in COMPILED))
    shutil.copytree(ROOT / "src" / "crystal_palace", plain / "crystal_palace", ignore=builds)
    runs = {}
    for label, path in (("compiled", ROOT / "src"), ("plain", plain)):
        out = tmp_path / f"{label}.jsonl"
        env = {**os.environ, "PYTHONPATH": str(path)}
        subprocess.run([sys.executable, "-c", _VERDICTS, str(out)], env=env, check=True, timeout=600)
        runs[label] = out.read_text(encoding="utf-8").splitlines()
    assert runs["plain"][0] == "[]"  # (nothing compiled in the copy: the source ran)
    assert runs["compiled"][0] == json.dumps(sorted(COMPILED))
    assert len(runs["compiled"]) > 1000
    for one, other in zip(runs["compiled"][1:], runs["plain"][1:], strict=True):
        assert one == other
