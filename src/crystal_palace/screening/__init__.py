"""Batch screening: streaming readers, worker-side identification, ordered parallel map, output writers.

The public workflow is :func:`crystal_palace.screen` (``workflows/screen.py``); this package holds its
parts: ``readers`` (SMILES, SD and CSV files, record by record), ``worker`` (what runs in each worker
process), ``parallel`` (ordered, bounded, crash-tolerant map) and ``writers`` (JSON lines and CSV).
"""

from crystal_palace.screening.readers import MAX_LINE_BYTES, RecordReader, detect_kind, read_records
from crystal_palace.screening.records import Record

__all__ = ["MAX_LINE_BYTES", "Record", "RecordReader", "detect_kind", "read_records"]
