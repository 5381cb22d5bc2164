"""Screen a file of structures, names or CAS numbers: one verdict per record, in order, on every core.

A lab screens seizure batches, vendor catalogues and suspect lists of 10^4 to 10^6 records. The
design follows from three promises:

- *one output row per input row, in input order*: bad records become rows carrying their reason
  (from the readers or from :func:`~crystal_palace.workflows.identify.identify`); an unexpected
  exception on one record, or even a worker process dying on it, is reported on that row, so a screen
  never aborts midway (see :mod:`crystal_palace.screening.parallel`);
- *flat memory*: records stream from the reader in chunks to the worker processes with a bounded
  number of chunks in flight, and output is written, in order, as each chunk returns;
- *all cores*: worker processes are forked after the reference library is loaded, so they share it
  instead of each loading it; workers also format the output text, leaving the parent to read and write.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import chain, islice
from pathlib import Path
from typing import IO, Any

from crystal_palace.exceptions import InvalidInput
from crystal_palace.screening.parallel import ordered_map
from crystal_palace.screening.readers import Record, read_records
from crystal_palace.screening.writers import FORMATS, OutputFormat, csv_fieldnames, format_header, format_rows

log = logging.getLogger("crystal_palace")

ProgressCallback = Callable[[int, int, int], None]
"""Called as ``progress(rows_done, bytes_done, bytes_total)`` after each chunk is written."""

CHUNK_SIZE = 200
IN_FLIGHT_PER_JOB = 3


@dataclass
class ScreenSummary:
    """What a screen did: counts per outcome and per family, and how long it took."""

    rows: int = 0
    identified: int = 0
    errors: int = 0
    families: dict[str, int] = field(default_factory=dict)
    elapsed: float = 0.0
    input: str = ""
    out: str | None = None
    format: str = "jsonl"

    @property
    def rate(self) -> float:
        """Records per second."""
        return self.rows / self.elapsed if self.elapsed > 0 else 0.0

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary."""
        return {"rows": self.rows, "identified": self.identified, "errors": self.errors,
                "families": dict(sorted(self.families.items())), "elapsed_s": round(self.elapsed, 3),
                "rows_per_s": round(self.rate, 1), "input": self.input, "out": self.out, "format": self.format}


@dataclass(frozen=True)
class _Options:
    analogues: int = 5
    explain: bool = False
    output: OutputFormat | None = None  # None: return dicts (iter_screen)
    fieldnames: tuple[str, ...] = ()


_worker_options = _Options()


# -- one chunk: identify, never raise ----------------------------------------------------------------
def _error_row(record: Record, reason: str, field_name: str) -> dict[str, Any]:
    from crystal_palace.exceptions import FieldError
    from crystal_palace.workflows.identify import IdentifyResult

    result = IdentifyResult(query=record.value or "", input_type=record.input_type, record=record.label)
    result.add_error(FieldError(field_name, reason, record.label))
    return result.to_dict()


BATCHED_TYPES = frozenset({None, "name", "iupac"})
"""Input types worth identifying as a batch (names unknown to the library go to OPSIN in one call)."""


def _identify_one(record: Record, options: _Options) -> dict[str, Any]:
    from crystal_palace.workflows.identify import identify

    try:
        return identify(record.value or "", input_type=record.input_type, analogues=options.analogues,
                        explain=options.explain, record=record.label).to_dict()
    except Exception as exc:  # noqa: BLE001 - a bug on one record must not stop a screen
        log.debug("identify failed on %s", record.label, exc_info=True)
        return _error_row(record, f"internal error while identifying: {type(exc).__name__}: "
                                  f"{str(exc).strip().splitlines()[0] if str(exc).strip() else ''}", "query")


def _identify_chunk(records: list[Record], options: _Options) -> list[dict[str, Any]]:
    """Verdicts for a chunk of records, in order; one failing record never takes the others down.

    Structures are identified one by one; names go through ``identify_many`` together, and if that
    batch fails, one by one again, so that the failure lands on its own row.
    """
    from crystal_palace.workflows.identify import identify_many

    rows: list[dict[str, Any] | None] = [None] * len(records)
    batch: list[int] = []
    for i, r in enumerate(records):
        if r.error is not None or r.value is None:
            rows[i] = _error_row(r, r.error or "empty", r.field)
        elif r.input_type in BATCHED_TYPES:
            batch.append(i)
        else:
            rows[i] = _identify_one(r, options)
    if batch:
        try:
            results = identify_many([records[i].value or "" for i in batch],
                                    input_types=[records[i].input_type for i in batch],
                                    analogues=options.analogues, explain=options.explain,
                                    records=[records[i].label for i in batch])
            for i, result in zip(batch, results, strict=True):
                rows[i] = result.to_dict()
        except Exception:  # noqa: BLE001 - find the record that fails, keep the rest
            for i in batch:
                rows[i] = _identify_one(records[i], options)
    out: list[dict[str, Any]] = []
    for r, row in zip(records, rows, strict=True):
        assert row is not None
        out.append({"row": r.row, **row, "record": r.label, "input": r.columns})
    return out


_Outcome = tuple[str | None, bool, bool]  # family, identified, has errors


def _outcome(row: dict[str, Any]) -> _Outcome:
    return row.get("family"), row.get("identity") is not None, bool(row.get("errors"))


_ChunkResult = tuple[list[dict[str, Any]] | str, list[_Outcome]]


def _formatted(rows: list[dict[str, Any]], options: _Options) -> _ChunkResult:
    outcomes = [_outcome(r) for r in rows]
    if options.output is None:
        return rows, outcomes
    return format_rows(rows, options.output, options.fieldnames), outcomes


def _work(chunk: list[Record], options: _Options | None = None) -> _ChunkResult:
    """Worker task: verdicts for one chunk, formatted as text when writing a file."""
    from rdkit import rdBase

    options = options or _worker_options
    with rdBase.BlockLogs():
        rows = _identify_chunk(chunk, options)
    return _formatted(rows, options)


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


def _init_worker(options: _Options) -> None:
    global _worker_options
    _worker_options = options
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C and stops the pool
    silence_rdkit_logs()


# -- scheduling --------------------------------------------------------------------------------------
def _chunks(records: Iterable[Record], size: int) -> Iterator[list[Record]]:
    it = iter(records)
    while chunk := list(islice(it, size)):
        yield chunk


def usable_cpus() -> int:
    """Cores this process may run on (the affinity mask, not the machine's count)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _run(records: Iterable[Record], options: _Options, jobs: int, chunk_size: int) -> Iterator[_ChunkResult]:
    """Results of :func:`_work` for each chunk, in order, on ``jobs`` processes."""
    chunks = _chunks(records, chunk_size)
    head = list(islice(chunks, 2))
    if jobs <= 1 or len(head) < 2:  # one chunk: forking would cost more than it saves
        for chunk in chain(head, chunks):
            yield _work(chunk, options)
        return
    from crystal_palace.chemistry.library import default_library

    default_library()  # load once here; forked workers share it

    def crashed(record: Record) -> _ChunkResult:
        reason = "the structure crashed the chemistry toolkit (its worker process died); not identified"
        row = {"row": record.row, **_error_row(record, reason, "query"), "record": record.label,
               "input": record.columns}
        return _formatted([row], options)

    yield from ordered_map(_work, chain(head, chunks), jobs=jobs, in_flight=jobs * IN_FLIGHT_PER_JOB,
                           initializer=_init_worker, initargs=(options,), crashed=crashed, merge=_merge)


def _merge(parts: Sequence[_ChunkResult]) -> _ChunkResult:
    outcomes = [o for _, chunk_outcomes in parts for o in chunk_outcomes]
    if all(isinstance(rows, str) for rows, _ in parts):
        return "".join(rows for rows, _ in parts if isinstance(rows, str)), outcomes
    return [row for rows, _ in parts if isinstance(rows, list) for row in rows], outcomes


def _as_records(items: Iterable[Record | str]) -> Iterator[Record]:
    for row, item in enumerate(items, start=1):
        if isinstance(item, Record):
            yield item
        else:
            yield Record(row, f"item {row}", item, None)


def _require_jobs(jobs: int | None) -> int:
    if jobs is None:
        return usable_cpus()
    if jobs < 1:
        raise InvalidInput(f"jobs must be at least 1, got {jobs}", field="jobs")
    return jobs


def iter_screen(records: Iterable[Record | str], *, jobs: int | None = 1, analogues: int = 5,
                explain: bool = False, chunk_size: int = CHUNK_SIZE) -> Iterator[dict[str, Any]]:
    """Yield one verdict dict per record, in order (the Python face of :func:`screen`).

    Parameters
    ----------
    records
        :class:`~crystal_palace.screening.readers.Record` objects (from
        :func:`~crystal_palace.screening.readers.read_records`) or plain query strings.
    jobs
        Worker processes; 1 (the default here) runs in this process, None uses every usable core.
    analogues, explain
        As for :func:`~crystal_palace.workflows.identify.identify`; ``explain`` (the maximum common
        substructure per analogue) is off by default because it costs milliseconds per row.
    chunk_size
        Records per task sent to a worker.

    Examples
    --------
    >>> rows = list(iter_screen(["CNC(C)Cc1ccc2OCOc2c1", "C1CC(("]))  # doctest: +SKIP
    >>> [bool(r["errors"]) for r in rows]  # doctest: +SKIP
    [False, True]
    """
    options = _Options(analogues=analogues, explain=explain)
    for rows, _ in _run(_as_records(records), options, _require_jobs(jobs), chunk_size):
        assert isinstance(rows, list)
        yield from rows


def _choose_format(format: str | None, out: Path | None) -> OutputFormat:
    chosen = format or ("csv" if out is not None and out.suffix.lower() == ".csv" else "jsonl")
    if chosen not in FORMATS:
        raise InvalidInput(f"unknown output format {chosen!r}; use one of {', '.join(FORMATS)}", field="format")
    return chosen  # type: ignore[return-value]


def screen(input_path: str | os.PathLike[str], out: str | os.PathLike[str] | IO[str] | None = None, *,
           format: str | None = None, jobs: int | None = None, explain: bool = False, analogues: int = 5,
           progress: ProgressCallback | None = None, chunk_size: int = CHUNK_SIZE) -> ScreenSummary:
    """Screen every record of a SMILES, SD or CSV file and write one verdict per record, in order.

    Parameters
    ----------
    input_path
        A ``.smi``/``.smiles``/``.txt``, ``.sdf``/``.sd`` or ``.csv``/``.tsv`` file, optionally ``.gz``
        (see :mod:`crystal_palace.screening.readers`).
    out
        Output path or open text stream; None writes to standard output.
    format
        ``"jsonl"`` (one verdict object per line) or ``"csv"`` (flat fields plus the input's columns);
        None takes ``csv`` for an ``out`` ending in ``.csv`` and ``jsonl`` otherwise.
    jobs
        Worker processes; None uses every usable core.
    explain
        Add the maximum-common-substructure detail to each analogue (slow; off for batches).
    progress
        Called as ``progress(rows_done, bytes_done, bytes_total)`` as chunks are written.

    Returns
    -------
    ScreenSummary
        Counts of rows, identified rows, rows with errors and rows per family.

    Raises
    ------
    InvalidInput
        Only for a problem with the whole input (missing, empty, a CSV without a query column) or the
        arguments; each bad record becomes an output row carrying its errors instead.
    """
    started = time.perf_counter()
    workers = _require_jobs(jobs)
    out_path = Path(out) if isinstance(out, (str, os.PathLike)) else None
    output = _choose_format(format, out_path)
    reader = read_records(input_path)
    if out_path is not None and out_path.exists() and out_path.resolve() == Path(input_path).resolve():
        reader.close()
        raise InvalidInput("the output file is the input file; choose another --out", field="out",
                           record=str(out_path))
    records = iter(reader)
    first = next(records)  # raises InvalidInput for a file with a header and no records
    fieldnames = tuple(csv_fieldnames(reader.columns))
    options = _Options(analogues=analogues, explain=explain, output=output, fieldnames=fieldnames)
    summary = ScreenSummary(input=str(input_path), out=str(out_path) if out_path else None, format=output)
    families: Counter[str] = Counter()
    stream, owned = _open_output(out, out_path, output)
    try:
        stream.write(format_header(output, fieldnames))
        for text, outcomes in _run(chain([first], records), options, workers, chunk_size):
            assert isinstance(text, str)
            stream.write(text)
            for family, identified, has_errors in outcomes:
                summary.rows += 1
                summary.identified += identified
                summary.errors += has_errors
                families[family or "unknown"] += 1
            if progress is not None:
                progress(summary.rows, reader.position, reader.size)
        stream.flush()
    finally:
        reader.close()
        if owned:
            stream.close()
    summary.families = dict(families)
    summary.elapsed = time.perf_counter() - started
    return summary


def _open_output(out: str | os.PathLike[str] | IO[str] | None, path: Path | None,
                 output: OutputFormat) -> tuple[IO[str], bool]:
    if path is None:
        return (out if out is not None and not isinstance(out, (str, os.PathLike)) else sys.stdout), False
    try:
        return open(path, "w", encoding="utf-8", newline="" if output == "csv" else None), True  # noqa: SIM115
    except OSError as exc:
        raise InvalidInput(f"cannot write the output: {exc.strerror or exc}", field="out", record=str(path)) from exc
