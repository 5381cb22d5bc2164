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

import os
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import chain, islice
from pathlib import Path
from typing import IO, Any

from crystal_palace.exceptions import InvalidInput
from crystal_palace.screening.parallel import ordered_map
from crystal_palace.screening.readers import read_records
from crystal_palace.screening.records import Record
from crystal_palace.screening.worker import ChunkResult, Options, error_row, formatted, init_worker, merge, work
from crystal_palace.screening.writers import FORMATS, OutputFormat, csv_fieldnames, format_header
from crystal_palace.workflows.identify import LegalOptions

ProgressCallback = Callable[[int, int, int], None]
"""Called as ``progress(rows_done, bytes_done, bytes_total)`` after each chunk is written."""

CHUNK_SIZE = 200
IN_FLIGHT_PER_JOB = 3
RECYCLE_AFTER_RECORDS = 250_000
"""Records after which worker processes are replaced: a safety net bounding memory that native code
might keep per call. (RDKit's ``GetAromaticAtoms`` kept about 300 bytes per structure; the classifier
no longer calls it, and a worker's memory now stays flat over 80,000 structures. Each replacement
drains the pipeline and re-forks the workers, so it is kept rare.)"""


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


def _run(records: Iterable[Record], options: Options, jobs: int, chunk_size: int) -> Iterator[ChunkResult]:
    """Results of :func:`~crystal_palace.screening.worker.work` for each chunk, in order, on ``jobs`` processes."""
    chunks = _chunks(records, chunk_size)
    head = list(islice(chunks, 2))
    if jobs <= 1 or len(head) < 2:  # one chunk: forking would cost more than it saves
        for chunk in chain(head, chunks):
            yield work(chunk, options)
        return
    import crystal_palace.workflows.identify  # noqa: F401 - imported once here, shared by forked workers
    from crystal_palace.chemistry.classify import load_family_rules
    from crystal_palace.chemistry.library import default_library

    default_library()  # load once here; forked workers share it
    load_family_rules()  # the compiled classifier rules too (each worker would compile its own)

    def crashed(record: Record) -> ChunkResult:
        reason = "the structure crashed the chemistry toolkit (its worker process died); not identified"
        row = {"row": record.row, **error_row(record, reason, "query"), "record": record.label,
               "input": record.columns}
        return formatted([row], options)

    yield from ordered_map(work, chain(head, chunks), jobs=jobs, in_flight=jobs * IN_FLIGHT_PER_JOB,
                           initializer=init_worker, initargs=(options,), crashed=crashed, merge=merge,
                           recycle_every=max(1, RECYCLE_AFTER_RECORDS // chunk_size))


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
                explain: bool = False, chunk_size: int = CHUNK_SIZE,
                legal: LegalOptions | bool = False) -> Iterator[dict[str, Any]]:
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
    >>> rows = list(iter_screen(["CNC(C)Cc1ccc2OCOc2c1", "C1CC(("]))
    >>> [r["identity"]["name"] if r["identity"] else r["errors"][0]["field"] for r in rows]
    ['MDMA', 'smiles']
    """
    options = Options(analogues=analogues, explain=explain, legal=legal)
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
           legal: LegalOptions | bool = False,
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
    analogues
        How many nearest controlled analogues each row carries.
    legal
        Legal status per jurisdiction on each row (True: all, today; or a
        :class:`~crystal_palace.workflows.identify.LegalOptions`); off by default because it costs
        more than the rest of a row.
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
    options = Options(analogues=analogues, explain=explain, output=output, fieldnames=fieldnames, legal=legal)
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
