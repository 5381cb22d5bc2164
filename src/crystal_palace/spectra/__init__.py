"""Mass spectra: readers and writers, indexed libraries, EI and MS/MS search, analogues, suspect screening.

The public entry points are the workflow functions in :mod:`crystal_palace.workflows.spectra`
(``import_library``, ``search_spectra``, ``suspect_screen``, ``list_spectral_libraries``); the modules
here are their parts, one concern each (see ``docs/spectra.md``).
"""
