"""Build the legal engine's compiled parts; everything else is in pyproject.toml.

Two kinds, both optional (the package installs and gives the same answers without them, more slowly):

* the C extension ``_molview`` (the molecule reader; see src/crystal_palace/legal/molview.py);
* the engine's hot modules compiled by mypyc from their own typed Python source (``COMPILED``; see
  src/crystal_palace/legal/compiled.py). ``CRYSTAL_PALACE_PURE_PYTHON=1`` at install skips them.
"""

from __future__ import annotations

import ast
import os
import sys
from pathlib import Path

from setuptools import Extension, setup

#: the legal engine's modules that mypyc compiles (the per-structure work of legal status), read from
#: src/crystal_palace/legal/compiled.py, which also guards against a stale build (setup.py cannot import
#: the package it builds)
COMPILED: tuple[str, ...] = next(
    ast.literal_eval(node.value)
    for node in ast.walk(ast.parse((Path(__file__).parent / "src/crystal_palace/legal/compiled.py").read_text()))
    if isinstance(node, ast.Assign) and any(getattr(t, "id", "") == "COMPILED" for t in node.targets))


def _compiled() -> list[Extension]:
    if os.environ.get("CRYSTAL_PALACE_PURE_PYTHON", "") not in ("", "0"):
        return []
    try:
        from mypyc.build import mypycify
    except ImportError:  # (no mypy in the build environment: the modules stay plain Python)
        return []
    # mypy checks the compiled modules alone, never what happens to be installed: the first build of a
    # fresh virtual environment (before the dependencies are installed) and every later one compile alike
    # (RDKit's objects untyped), and the rest of the package, imported but not compiled, is not checked here
    options = ["--no-site-packages", "--follow-imports=silent"]
    try:
        extensions = mypycify([*options, *(f"src/crystal_palace/legal/{name}.py" for name in COMPILED)],
                              opt_level="3")
    except (Exception, SystemExit) as exc:  # (mypyc stops on a type error of another mypy version: plain Python)
        print(f"warning: the legal engine stays in plain Python (mypyc: {exc})", file=sys.stderr)
        return []
    for extension in extensions:
        extension.optional = True  # a failed compile leaves the module in plain Python
    return extensions


setup(
    ext_modules=[
        Extension("crystal_palace.legal._molview", ["src/crystal_palace/legal/_molview.c"], optional=True,
                  extra_compile_args=["-O2", "-std=c99", "-Wall", "-Wextra", "-Wno-unused-parameter"]),
        *_compiled(),
    ],
)
