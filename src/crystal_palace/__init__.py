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
    from crystal_palace.workflows.actors import link_actor_sets, resolve_actors
    from crystal_palace.workflows.analysis import build_network, operation_report, seizure_map, seizure_timeline
    from crystal_palace.workflows.demo import generate_demo
    from crystal_palace.workflows.exchange import encode_records, match_encodings, pack, retract, unpack
    from crystal_palace.workflows.identify import identify, identify_many
    from crystal_palace.workflows.legal import explain_legal, legal_jurisdictions, list_legal
    from crystal_palace.workflows.linkage import compare_profile_methods, link_profiles, link_tablets
    from crystal_palace.workflows.precursors import (
        precursor_routes,
        screen_manifest,
        screen_precursor,
        screen_precursors,
    )
    from crystal_palace.workflows.screen import screen
    from crystal_palace.workflows.spectra import (
        import_library,
        list_spectral_libraries,
        search_spectra,
        suspect_screen,
    )
    from crystal_palace.workflows.store import (
        delete_records,
        export_store,
        import_file,
        init_db,
        open_store,
        store_stats,
    )
    from crystal_palace.workflows.warn import acknowledge_alert, list_alerts, warn_report, warn_run

try:
    __version__ = version("crystal-palace")
except PackageNotFoundError:  # running from a source tree that was not installed
    __version__ = "0.0.0+unknown"

__all__ = ["open_store", "init_db", "import_file", "export_store", "store_stats", "delete_records", "generate_demo",
           "resolve_actors", "link_actor_sets",
           "link_profiles", "compare_profile_methods", "link_tablets", "build_network", "seizure_timeline",
           "seizure_map", "operation_report",
           "identify", "identify_many", "screen", "explain_legal", "list_legal", "legal_jurisdictions", "__version__",
           "screen_precursor", "screen_precursors", "screen_manifest", "precursor_routes",
           "import_library", "list_spectral_libraries", "search_spectra", "suspect_screen",
           "encode_records", "match_encodings", "pack", "unpack", "retract",
           "warn_run", "list_alerts", "acknowledge_alert", "warn_report"]

_WORKFLOWS = {
    "open_store": "crystal_palace.workflows.store",
    "init_db": "crystal_palace.workflows.store",
    "import_file": "crystal_palace.workflows.store",
    "export_store": "crystal_palace.workflows.store",
    "store_stats": "crystal_palace.workflows.store",
    "delete_records": "crystal_palace.workflows.store",
    "generate_demo": "crystal_palace.workflows.demo",
    "resolve_actors": "crystal_palace.workflows.actors",
    "link_actor_sets": "crystal_palace.workflows.actors",
    "link_profiles": "crystal_palace.workflows.linkage",
    "compare_profile_methods": "crystal_palace.workflows.linkage",
    "link_tablets": "crystal_palace.workflows.linkage",
    "build_network": "crystal_palace.workflows.analysis",
    "seizure_timeline": "crystal_palace.workflows.analysis",
    "seizure_map": "crystal_palace.workflows.analysis",
    "operation_report": "crystal_palace.workflows.analysis",
    "identify": "crystal_palace.workflows.identify",
    "identify_many": "crystal_palace.workflows.identify",
    "screen": "crystal_palace.workflows.screen",
    "explain_legal": "crystal_palace.workflows.legal",
    "list_legal": "crystal_palace.workflows.legal",
    "legal_jurisdictions": "crystal_palace.workflows.legal",
    "warn_run": "crystal_palace.workflows.warn",
    "list_alerts": "crystal_palace.workflows.warn",
    "acknowledge_alert": "crystal_palace.workflows.warn",
    "warn_report": "crystal_palace.workflows.warn",
    "screen_precursor": "crystal_palace.workflows.precursors",
    "screen_precursors": "crystal_palace.workflows.precursors",
    "screen_manifest": "crystal_palace.workflows.precursors",
    "precursor_routes": "crystal_palace.workflows.precursors",
    "import_library": "crystal_palace.workflows.spectra",
    "list_spectral_libraries": "crystal_palace.workflows.spectra",
    "search_spectra": "crystal_palace.workflows.spectra",
    "suspect_screen": "crystal_palace.workflows.spectra",
    "encode_records": "crystal_palace.workflows.exchange",
    "match_encodings": "crystal_palace.workflows.exchange",
    "pack": "crystal_palace.workflows.exchange",
    "unpack": "crystal_palace.workflows.exchange",
    "retract": "crystal_palace.workflows.exchange",
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
