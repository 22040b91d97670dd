"""A throw-away Virtuoso 7 (Debian ``virtuoso-opensource``, ``virtuoso-t``) on loopback: its ini, its ports,
and the set-up a deployment behind ``cec-kg serve --backend`` needs. Shared by the benchmark's
``virtuoso`` peer (``bench/peers.py``) and ``tests/test_virtuoso.py``.

Set-up of the instance, as a deployment would do it (like ``oxigraph serve --union-default-graph``):
anonymous Graph Store writes (``GRANT SPARQL_UPDATE TO "SPARQL"``, acceptable on a loopback instance
only) and Virtuoso's own system graphs made private, so that the default graph (Virtuoso: the union of
every readable graph) holds only the loaded data. Virtuoso keeps no triple outside a named graph: load
with ``cec-kg load --backend … --default-graph DEFAULT_GRAPH``.
"""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

VIRTUOSO_T = shutil.which("virtuoso-t")
ISQL = shutil.which("isql-vt") or shutil.which("isql-v")
# Virtuoso keeps no triple outside a named graph: a dataset's default-graph triples go here.
DEFAULT_GRAPH = "http://example.org/default"
SYSTEM_GRAPHS = ("http://www.openlinksw.com/schemas/virtrdf#", "http://www.w3.org/ns/ldp#",
                 "http://localuriqaserver/sparql")
PRIVATE = "http://www.openlinksw.com/schemas/virtrdf#PrivateGraphs"
SETUP_SQL = "\n".join([
    'GRANT SPARQL_UPDATE TO "SPARQL";',
    f"DB.DBA.RDF_GRAPH_GROUP_CREATE ('{PRIVATE}', 1);",
    *(f"DB.DBA.RDF_GRAPH_GROUP_INS ('{PRIVATE}', '{g}');" for g in SYSTEM_GRAPHS),
    "DB.DBA.RDF_DEFAULT_USER_PERMS_SET ('nobody', 0, 1);",   # private graphs: invisible to anonymous users
    "DB.DBA.RDF_DEFAULT_USER_PERMS_SET ('nobody', 7, 0);",   # other graphs: read, write, sponge
    "checkpoint;",
])
MISSING = ("virtuoso-t / isql-vt not installed (Debian: apt-get install virtuoso-opensource; "
           ".ci/run installs it in CI)")

INI = """[Database]
DatabaseFile = {d}/virtuoso.db
ErrorLogFile = {d}/virtuoso.log
LockFile = {d}/virtuoso.lck
TransactionFile = {d}/virtuoso.trx
xa_persistent_file = {d}/virtuoso.pxa
ErrorLogLevel = 7
FileExtend = 200
Striping = 0
TempStorage = TempDatabase

[TempDatabase]
DatabaseFile = {d}/virtuoso-temp.db
TransactionFile = {d}/virtuoso-temp.trx
Striping = 0

[Parameters]
ServerPort = 127.0.0.1:{sql_port}
DisableUnixSocket = 1
MaxClientConnections = {connections}
CheckpointInterval = 0
CaseMode = 2
DirsAllowed = {d}
NumberOfBuffers = {buffers}
MaxDirtyBuffers = {dirty_buffers}
ThreadsPerQuery = 2
AllowOSCalls = 0
{query_mem}
; above cec-kg's row cap + 1 (its LIMIT), or ORDER BY queries fail (SR353)
MaxSortedTopRows = 1000000

[HTTPServer]
ServerPort = 127.0.0.1:{http_port}
ServerRoot = {d}
MaxClientConnections = {connections}
ServerThreads = {connections}
EnabledDavVSP = 0
Charset = UTF-8

[SPARQL]
; above cec-kg's row cap, or Virtuoso truncates results silently
ResultSetMaxRows = 1000000
; Virtuoso's own limit, short here so an abandoned query stops soon; it then answers partial results
; flagged X-SQL-State: S1TAT ("anytime"), which cec-kg turns into 503
MaxQueryExecutionTime = {max_seconds}
; no refusal by cost estimate: time limits decide, as with the other backends
MaxQueryCostEstimationTime = 0
"""


class StartError(Exception):
    """Virtuoso did not come up, or its set-up failed (the message carries its log tail)."""


def missing() -> str | None:
    """Why Virtuoso cannot run here, or None."""
    return None if VIRTUOSO_T and ISQL else MISSING


def write_ini(directory: Path, sql_port: int, http_port: int, *, buffers: int = 10000, connections: int = 10,
              max_seconds: int = 5, query_mem: str | None = None) -> Path:
    """``directory/virtuoso.ini``: database, logs and ports of a loopback-only instance living in ``directory``.
    ``buffers``: 8 KiB pages of cache (10,000 = 80 MiB); ``query_mem``: MaxQueryMem (e.g. "2G", as
    Debian's own virtuoso.ini; Virtuoso's built-in default is lower, and queries wait for memory)."""
    ini = directory / "virtuoso.ini"
    ini.write_text(INI.format(d=directory, sql_port=sql_port, http_port=http_port, buffers=buffers,
                              dirty_buffers=buffers * 3 // 5, connections=connections, max_seconds=max_seconds,
                              query_mem=f"MaxQueryMem = {query_mem}" if query_mem else ""))
    return ini


def command(ini: Path) -> list[str]:
    return [VIRTUOSO_T or "virtuoso-t", "+foreground", "+configfile", str(ini)]


def log_tail(directory: Path, n: int = 3000) -> str:
    parts = []
    for name in ("virtuoso.log", "stdout.log"):
        p = directory / name
        if p.exists():
            parts.append(f"--- {name} ---\n" + p.read_text(errors="replace")[-n:])
    return "\n".join(parts)


def sql(sql_port: int, statements: str, directory: Path | None = None) -> str:
    """Run SQL statements as dba through isql on the instance's SQL port; its output."""
    tail = lambda: log_tail(directory) if directory else ""
    try:
        run = subprocess.run([ISQL or "isql-vt", f"127.0.0.1:{sql_port}", "dba", "dba", "VERBOSE=OFF", "BANNER=OFF",
                              "PROMPT=OFF", "ERRORS=STDOUT"], input=statements + "\nexit;\n",
                             capture_output=True, text=True, timeout=60)
    except subprocess.TimeoutExpired:
        raise StartError(f"isql got no answer in 60 s:\n{tail()}") from None
    if run.returncode != 0 or "*** Error" in run.stdout:
        raise StartError(f"isql failed ({run.returncode}):\n{run.stdout}\n{run.stderr}\n{tail()}")
    return run.stdout


def setup(sql_port: int, directory: Path | None = None) -> None:
    """Anonymous Graph Store writes; system graphs private (the default graph: the loaded data only)."""
    sql(sql_port, SETUP_SQL, directory)


def remove_database(directory: Path) -> None:
    """The database files (~90 MB at least); the logs stay."""
    for f in directory.iterdir():
        if f.suffix in (".db", ".trx", ".pxa", ".lck"):
            f.unlink()
