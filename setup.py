"""Build the one C extension (the legal engine's molecule reader); everything else is in pyproject.toml.

The extension is optional: without a C compiler the package installs and falls back to reading molecules
through RDKit's API (slower, same answers; see src/crystal_palace/legal/molview.py).
"""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension("crystal_palace.legal._molview", ["src/crystal_palace/legal/_molview.c"], optional=True,
                  extra_compile_args=["-O2", "-std=c99", "-Wall", "-Wextra", "-Wno-unused-parameter"]),
    ],
)
