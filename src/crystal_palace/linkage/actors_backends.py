"""The SQL engines that run Splink: DuckDB on one machine, Spark when one machine is outgrown.

DuckDB runs in memory, spilling to a temporary folder that is removed afterwards, so a resolution
never writes into the user's home or the working directory. Spark is an optional extra
(``pip install 'crystal-palace[spark]'``): a caller with a cluster passes its own session; otherwise a
local session is started with Splink's similarity functions (the Scala UDF jar shipped with Splink)
registered, and its warehouse and checkpoints in a temporary folder.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass, field
from typing import Any, Literal

from crystal_palace.exceptions import InvalidInput, MissingOptionalDependency

Backend = Literal["duckdb", "spark"]
BACKENDS: tuple[Backend, ...] = ("duckdb", "spark")


@dataclass
class Engine:
    """A backend connection (DuckDB) or session (Spark) and what must be cleaned up afterwards."""

    name: Backend
    connection: Any
    """The DuckDB connection, or the Spark session."""
    workdir: str
    owned_session: Any = None
    _closed: bool = field(default=False, repr=False)

    def new_api(self) -> Any:
        """A fresh Splink database API on this backend.

        One per model: Splink caches intermediate tables (the concatenated input, term frequencies) on
        the API object by name, so two entity types sharing one API would read each other's tables.
        """
        if self.name == "duckdb":
            from splink import DuckDBAPI

            return DuckDBAPI(self.connection)
        from splink.backends.spark import SparkAPI

        method = "persist" if self.owned_session is not None else "parquet"
        return SparkAPI(spark_session=self.connection, break_lineage_method=method)  # type: ignore[no-untyped-call]

    def close(self) -> None:
        """Release the engine's connection and temporary files (a caller's Spark session is left running)."""
        if self._closed:
            return
        self._closed = True
        try:
            if self.name == "duckdb":
                self.connection.close()
            elif self.owned_session is not None:
                self.owned_session.stop()
        finally:
            shutil.rmtree(self.workdir, ignore_errors=True)


def open_engine(backend: str = "duckdb", *, spark: Any = None, memory_limit: str | None = None,
                threads: int | None = None) -> Engine:
    """Start the backend named ``backend`` (``duckdb`` or ``spark``)."""
    if backend not in BACKENDS:
        raise InvalidInput(f"unknown backend {backend!r}; expected one of {', '.join(BACKENDS)}", field="backend")
    workdir = tempfile.mkdtemp(prefix="crystal-palace-actors-")
    try:
        if backend == "duckdb":
            return Engine("duckdb", _duckdb_connection(workdir, memory_limit, threads), workdir)
        session, owned = _spark_session(spark, workdir)
    except BaseException:
        shutil.rmtree(workdir, ignore_errors=True)
        raise
    return Engine("spark", session, workdir, owned_session=session if owned else None)


TEMP_LIMIT = "40GB"
"""Most disk DuckDB may spill to (its temporary folder); a query that needs more fails with a clear error."""


def _duckdb_connection(workdir: str, memory_limit: str | None, threads: int | None) -> Any:
    import duckdb

    connection = duckdb.connect(":memory:")
    connection.execute(f"SET temp_directory = '{workdir}'")
    connection.execute(f"SET max_temp_directory_size = '{TEMP_LIMIT}'")  # a runaway query fails, the disk stays
    if memory_limit:
        connection.execute(f"SET memory_limit = '{memory_limit}'")
    if threads:
        connection.execute(f"SET threads = {int(threads)}")
    connection.execute("SET preserve_insertion_order = false")  # lets large joins spill instead of failing
    return connection


def _spark_session(spark: Any, workdir: str) -> tuple[Any, bool]:
    """The caller's session, or a new local one with Splink's jar (and whether we own it)."""
    try:
        from pyspark.sql import SparkSession
    except ImportError as exc:
        raise MissingOptionalDependency("the Spark backend (--backend spark)",
                                        "pip install 'crystal-palace[spark]' (and a Java 17+ runtime)") from exc
    if spark is not None:
        return spark, False
    from splink.backends.spark import similarity_jar_location

    session = (
        SparkSession.builder.master("local[1]")
        .appName("crystal-palace-actors")
        .config("spark.jars", similarity_jar_location())
        .config("spark.sql.shuffle.partitions", "1")
        .config("spark.default.parallelism", "1")
        .config("spark.sql.warehouse.dir", f"{workdir}/warehouse")
        .config("spark.local.dir", f"{workdir}/local")
        .config("spark.driver.memory", "2g")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        # Splink sends ~130 small statements: per-statement planning and code generation dominate on
        # one machine, so both are kept light (a cluster's own session keeps its settings)
        .config("spark.sql.adaptive.enabled", "false")
        .config("spark.sql.codegen.wholeStage", "false")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    session.sparkContext.setCheckpointDir(f"{workdir}/checkpoints")
    return session, True
