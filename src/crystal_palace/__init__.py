"""Crystal Palace: identify new psychoactive substances, screen files of them, and more.

The public face is one function per job; the CLI, the REST API and the web pages call only these::

    import crystal_palace
    crystal_palace.identify("CNC(C)Cc1ccc2OCOc2c1").to_dict()["identity"]["name"]
    crystal_palace.screen("seizures.sdf", out="verdicts.jsonl", jobs=2)
    crystal_palace.explain_legal("mephedrone", jurisdictions="DE", as_of="2015-01-01")

They are imported on first use, so that ``import crystal_palace`` (and ``crystal-palace --help``) does
not pay for RDKit and the reference library until a job runs.
"""

from __future__ import annotations

from importlib import import_module
from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from crystal_palace.workflows.identify import identify, identify_many
    from crystal_palace.workflows.legal import explain_legal, legal_jurisdictions, list_legal
    from crystal_palace.workflows.screen import screen

try:
    __version__ = version("crystal-palace")
except PackageNotFoundError:  # running from a source tree that was not installed
    __version__ = "0.0.0+unknown"

__all__ = ["identify", "identify_many", "screen", "explain_legal", "list_legal", "legal_jurisdictions", "__version__"]

_WORKFLOWS = {
    "identify": "crystal_palace.workflows.identify",
    "identify_many": "crystal_palace.workflows.identify",
    "screen": "crystal_palace.workflows.screen",
    "explain_legal": "crystal_palace.workflows.legal",
    "list_legal": "crystal_palace.workflows.legal",
    "legal_jurisdictions": "crystal_palace.workflows.legal",
}


def __getattr__(name: str) -> Any:
    module = _WORKFLOWS.get(name)
    if module is None:
        raise AttributeError(f"module 'crystal_palace' has no attribute {name!r}")
    function = getattr(import_module(module), name)
    globals()[name] = function
    return function


def __dir__() -> list[str]:
    return sorted([*globals(), *_WORKFLOWS])
