"""Analysis of seizure intelligence: the network of records and links, the timeline, the map, operation reports.

Every function here reads *records*: a mapping from a store table name (``seizures``, ``samples``,
``tablets``, ``production_sites``, ``actors``, ``links``, ``seizure_substances``, ``operations``,
``operation_outcomes``; see :mod:`crystal_palace.store.model`) to a sequence of record mappings with the
store's column names. A store, a JSON dump or a folder of CSV files is turned into that shape by
:func:`crystal_palace.workflows.analysis.load_records`.
"""
