"""What runs in each worker process of a screen: identify a chunk of records, never raise, format rows.

Every record comes back as exactly one row: a record the reader could not read becomes a row with the
reader's reason; a record that ``identify`` rejects carries identify's errors; an unexpected exception
on one record is caught and reported on that record's row. Rows are formatted here (JSON lines or CSV)
so that the parent process only writes text, in order.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import logging
import signal
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from crystal_palace.screening.records import Record
from crystal_palace.screening.writers import OutputFormat, format_rows
from crystal_palace.workflows.identify import LegalOptions

log = logging.getLogger("crystal_palace")


@dataclass(frozen=True)
class Options:
    """What a worker needs to know: identify's settings and the output format (None: return dicts)."""

    analogues: int = 5
    explain: bool = False
    legal: LegalOptions | bool = False  # legal status costs more than the rest of a row: asked for
    output: OutputFormat | None = None  # None: return dicts (iter_screen)
    fieldnames: tuple[str, ...] = ()


_options = Options()  # set in each worker by init_worker


# -- one chunk: identify, never raise ----------------------------------------------------------------
def error_row(record: Record, reason: str, field_name: str) -> dict[str, Any]:
    """A verdict with only an error, in exactly the shape identify gives (so every row has every key)."""
    from crystal_palace.exceptions import FieldError
    from crystal_palace.workflows.identify import IdentifyResult

    result = IdentifyResult(query=record.value or "", input_type=record.input_type, record=record.label)
    result.add_error(FieldError(field_name, reason, record.label))
    return result.to_dict()


def identify_one(record: Record, options: Options) -> dict[str, Any]:
    """The verdict for one record; an unexpected exception becomes that record's error."""
    from crystal_palace.workflows.identify import identify

    try:
        return identify(record.value or "", input_type=record.input_type, analogues=options.analogues,
                        explain=options.explain, record=record.label, legal=options.legal).to_dict()
    except Exception as exc:  # noqa: BLE001 - a bug on one record must not stop a screen
        log.debug("identify failed on %s", record.label, exc_info=True)
        return error_row(record, f"internal error while identifying: {type(exc).__name__}: "
                                  f"{str(exc).strip().splitlines()[0] if str(exc).strip() else ''}", "query")


def identify_chunk(records: list[Record], options: Options) -> list[dict[str, Any]]:
    """Verdicts for a chunk of records, in order; one failing record never takes the others down.

    The readable records go through ``identify_many`` together (it works stage by stage over the
    batch, and sends names unknown to the library to OPSIN in one call); if that batch fails, they
    are identified one by one, so that the failure lands on its own row.
    """
    from crystal_palace.workflows.identify import identify_many

    rows: list[dict[str, Any] | None] = [None] * len(records)
    batch: list[int] = []
    for i, r in enumerate(records):
        if r.error is not None or r.value is None:
            rows[i] = error_row(r, r.error or "empty", r.field)
        else:
            batch.append(i)
    if batch:
        try:
            results = identify_many([records[i].value or "" for i in batch],
                                    input_types=[records[i].input_type for i in batch],
                                    analogues=options.analogues, explain=options.explain,
                                    records=[records[i].label for i in batch], legal=options.legal)
            for i, result in zip(batch, results, strict=True):
                rows[i] = result.to_dict()
        except Exception:  # noqa: BLE001 - find the record that fails, keep the rest
            for i in batch:
                rows[i] = identify_one(records[i], options)
    out: list[dict[str, Any]] = []
    for r, row in zip(records, rows, strict=True):
        assert row is not None
        out.append({"row": r.row, **row, "record": r.label, "input": r.columns})
    return out


Outcome = tuple[str | None, bool, bool]  # family, identified, has errors


def outcome(row: dict[str, Any]) -> Outcome:
    """What the summary counts of a row: its family, whether it was identified, whether it has errors."""
    return row.get("family"), row.get("identity") is not None, bool(row.get("errors"))


ChunkResult = tuple[list[dict[str, Any]] | str, list[Outcome]]


def formatted(rows: list[dict[str, Any]], options: Options) -> ChunkResult:
    """Rows as output text (or as dicts for iter_screen), with their outcomes."""
    outcomes = [outcome(r) for r in rows]
    if options.output is None:
        return rows, outcomes
    return format_rows(rows, options.output, options.fieldnames), outcomes


def work(chunk: list[Record], options: Options | None = None) -> ChunkResult:
    """Worker task: verdicts for one chunk, formatted as text when writing a file."""
    from rdkit import rdBase

    options = options or _options
    with rdBase.BlockLogs():
        rows = identify_chunk(chunk, options)
    return formatted(rows, options)


def silence_rdkit_logs() -> None:
    """Send RDKit's console messages to the ``rdkit`` Python logger and drop them there.

    Each record's problems are reported on its row; RDKit's own messages on stderr would only repeat
    them (thousands of times in a large screen) and break the progress bar. Routing through Python
    logging holds even when some code re-enables RDKit's logs, which toggling them cannot guarantee.
    """
    from rdkit import rdBase

    rdBase.LogToPythonLogger()
    rdkit_log = logging.getLogger("rdkit")
    rdkit_log.setLevel(logging.CRITICAL + 1)
    rdkit_log.propagate = False


# glibc mallopt parameters: keep freed memory for reuse instead of handing it back to the kernel
_M_TRIM_THRESHOLD, _M_TOP_PAD, _M_MMAP_THRESHOLD = -1, -2, -3
_KEEP_FREED_BYTES = 64 << 20
_HEAP_STEP_BYTES = 16 << 20
_MMAP_FROM_BYTES = 4 << 20


def tune_for_batch_work() -> None:
    """Settle this (worker) process's allocators for a long run of similar structures.

    - glibc ``malloc``: the InChI library allocates and frees large buffers for every structure, and
      by default the heap is trimmed back to the kernel and grown again each time (about four page
      faults per row, measured); a bounded reserve (64 MB at most, touched only if used) avoids that.
    - Python's cyclic garbage collector: the objects inherited from the parent (modules, the
      reference library, the compiled rules) are frozen, so collections skip them and do not write
      to their pages, which the fork shares with the parent until written.

    Only for worker processes; the caller's own process is left as it is. The ``malloc`` settings
    are skipped where glibc is not the C library.
    """
    gc.freeze()
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return
    for param, value in ((_M_TRIM_THRESHOLD, _KEEP_FREED_BYTES), (_M_TOP_PAD, _HEAP_STEP_BYTES),
                         (_M_MMAP_THRESHOLD, _MMAP_FROM_BYTES)):
        mallopt(ctypes.c_int(param), ctypes.c_int(value))


def init_worker(options: Options) -> None:
    """Set up a new worker process: its options, Ctrl-C left to the parent, RDKit's console quiet."""
    global _options
    _options = options
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C and stops the pool
    silence_rdkit_logs()
    tune_for_batch_work()


def merge(parts: Sequence[ChunkResult]) -> ChunkResult:
    """Join chunk results (the per-record results of a chunk re-run after a worker died)."""
    outcomes = [o for _, chunk_outcomes in parts for o in chunk_outcomes]
    if all(isinstance(rows, str) for rows, _ in parts):
        return "".join(rows for rows, _ in parts if isinstance(rows, str)), outcomes
    return [row for rows, _ in parts if isinstance(rows, list) for row in rows], outcomes
