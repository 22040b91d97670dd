"""The servers under test, started for real on 127.0.0.1 and loaded with the same RDF file.

Storage (``--storage``): ``disk`` (the default) loads each system's own on-disk store with its own
loader before starting it, timed (load time, store size); ``memory`` loads in memory at start-up.

- ``ours``: disk: ``cec-kg load --store DIR FILE``, then ``cec-kg serve --store DIR``; memory:
  ``cec-kg serve --data FILE`` (or any command given with ``--ours-cmd``). As deployed: result cache on.
  ``ours-nocache`` is the same with ``--cache-mb 0``.
- ``oxigraph``: disk: ``oxigraph load --location DIR --file FILE`` and ``oxigraph optimize`` (the
  compaction an on-disk store needs after a bulk load, timed apart), then ``oxigraph serve-read-only``;
  memory: ``oxigraph serve`` loaded over the Graph Store Protocol (``POST /store``). Both with
  ``--union-default-graph``, how Oxigraph serves a dataset of named graphs as one: a bag, a triple once
  per graph stating it (the CEC graph states some facts in several sources' graphs; the PRTR data has
  no named graphs, so there the union is the plain default graph).
- ``oxigraph-merged``: Oxigraph server with the default graph holding the RDF merge, as ours does
  (loaded from the reference store's dump): the same answers as ours, row for row.
- ``rdflib-endpoint``: ``rdflib-endpoint serve FILE`` (an rdflib ``Dataset`` with ``default_union``), in
  memory whatever ``--storage`` says (it has no store of its own).

Remote stores (issue 11, item 4): a backend queried directly, and ours in front of it with
``cec-kg serve --backend``, on the same data:

- ``oxigraph-backend``: ``oxigraph serve --union-default-graph`` (read-write; disk: ``--location DIR``),
  loaded after start-up with ``cec-kg load --backend URL FILE`` (the Graph Store Protocol, timed).
- ``virtuoso``: Debian's Virtuoso 7 (``virtuoso-t``) in a throw-away directory on loopback
  (``bench/virtuoso.py``: the ini, the ports, its system graphs made private), loaded with
  ``cec-kg load --backend URL --default-graph IRI FILE`` (Virtuoso has no default graph of its own:
  the dataset's default-graph triples go to a named graph; its default graph is the union of them all).
- ``ours-over-oxigraph``, ``ours-over-virtuoso``: ``cec-kg serve --backend`` over that backend (the
  same flags as ``ours``), started once the backend is loaded. Asking for one brings its backend in.

Each peer runs in its own process group; ``stop()`` ends that group only (by its id).
"""
from __future__ import annotations

import json
import os
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from . import ceiling
from . import virtuoso as virtuoso_setup

VENV_BIN = Path(sys.executable).parent
READY_QUERY = "ASK { ?s ?p ?o }"
READY_POLL = 0.02               # s between two readiness polls (wait_ready)
READY_REQUEST_TIMEOUT = 5.0     # s a readiness request may take once a connection is accepted


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _clock_ticks() -> int:
    return os.sysconf("SC_CLK_TCK")


def tree_cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of ``pid`` and all its descendants (read from /proc)."""
    children: dict[int, list[int]] = {}
    stats: dict[int, tuple[int, int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            raw = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        fields = raw[raw.rindex(")") + 2:].split()
        ppid, utime, stime = int(fields[1]), int(fields[11]), int(fields[12])
        children.setdefault(ppid, []).append(int(entry))
        stats[int(entry)] = (utime, stime)
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        u, s = stats.get(p, (0, 0))
        total += u + s
        todo += children.get(p, [])
    return total / _clock_ticks()


def tree_pids(pid: int) -> list[int]:
    """``pid`` and all its descendants."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                raw = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            children.setdefault(int(raw[raw.rindex(")") + 2:].split()[1]), []).append(int(entry))
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo += children.get(p, [])
    return out


def tree_memory(pid: int) -> dict:
    """Memory of a process tree: PSS (shared pages split between the processes sharing them: the honest
    sum for forked workers sharing one store) and the largest single RSS, in bytes."""
    pss = rss_max = 0
    for p in tree_pids(pid):
        try:
            for line in Path(f"/proc/{p}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    pss += int(line.split()[1]) * 1024
                elif line.startswith("Rss:"):
                    rss_max = max(rss_max, int(line.split()[1]) * 1024)
        except OSError:
            continue
    return {"pss": pss, "rss_max": rss_max}


def dir_bytes(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def timed(cmd: list[str], log: Path, timeout: float = 3600) -> float:
    """Run ``cmd`` to completion (output appended to ``log``); its wall time in seconds."""
    log.parent.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    with log.open("ab") as out:
        proc = subprocess.run(cmd, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, timeout=timeout)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd[:3])} … failed ({proc.returncode}); see {log}")
    return time.monotonic() - started


@dataclass
class Peer:
    name: str
    command: list[str]
    endpoint_path: str
    port: int
    log_path: Path
    env: dict[str, str] = field(default_factory=dict)
    checked: bool = True  # False for the HTTP-layer ceilings, which answer every query the same way
    process: subprocess.Popen | None = None
    store_dir: Path | None = None     # disk storage: the store this peer's loader makes
    # load_s, optimize_s, store_bytes, ready_s, search_index_s (ours: the index built after ready), memory_peak
    loading: dict = field(default_factory=dict)
    source: Path | None = None        # the file this peer serves

    def prepare(self, data: Path) -> None:
        """Disk storage: make the on-disk store with the system's own loader (timed)."""

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def endpoint(self) -> str:
        return self.base + self.endpoint_path

    def start(self) -> None:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = self.log_path.open("wb")
        self.process = subprocess.Popen(
            self.command, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True, env={**os.environ, **self.env},
        )

    def wait_ready(self, timeout: float) -> None:
        """Poll the endpoint with a trivial ASK until it answers 200, the process dies, or time runs out.

        Every peer alike: a new request every ``READY_POLL`` s while nothing listens (a refused
        connection costs nothing), each given ``READY_REQUEST_TIMEOUT`` s; a request the server
        accepted but has not answered yet is waited for, not abandoned, so "ready s" is when the first
        answer arrived, within ``READY_POLL``, not a multiple of the poll interval."""
        deadline = time.monotonic() + timeout
        url = f"{self.endpoint}?query={quote(READY_QUERY)}"
        last = "no answer yet"
        while time.monotonic() < deadline:
            if self.process and self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.process.returncode}; see {self.log_path}")
            try:
                req = urllib.request.Request(url, headers={"Accept": "application/sparql-results+json"})
                with urllib.request.urlopen(req, timeout=READY_REQUEST_TIMEOUT) as resp:
                    if resp.status == 200:
                        return
                    last = f"HTTP {resp.status}"
            except urllib.error.HTTPError as e:
                last = f"HTTP {e.code}"
            except OSError as e:
                last = str(e)
            time.sleep(READY_POLL)
        raise TimeoutError(f"{self.name} not ready at {url} after {timeout:.0f}s ({last}); see {self.log_path}")

    def load(self, data: Path) -> None:
        """Hook for peers that are loaded over HTTP after start-up (Oxigraph in memory)."""

    def cpu_seconds(self) -> float:
        return tree_cpu_seconds(self.process.pid) if self.process else 0.0

    def memory(self) -> dict:
        return tree_memory(self.process.pid) if self.process and self.process.poll() is None else {}

    def stop(self) -> None:
        if not self.process or self.process.poll() is not None:
            return
        pgid = self.process.pid  # start_new_session: the group id is the child's pid
        try:
            os.killpg(pgid, signal.SIGTERM)
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(pgid, signal.SIGKILL)
            self.process.wait(timeout=10)
        except ProcessLookupError:
            pass


class OursPeer(Peer):
    def prepare(self, data: Path) -> None:
        if self.store_dir is None:
            return
        shutil.rmtree(self.store_dir, ignore_errors=True)
        self.store_dir.parent.mkdir(parents=True, exist_ok=True)
        self.loading["load_s"] = round(timed([str(VENV_BIN / "cec-kg"), "load", "--store", str(self.store_dir),
                                              str(data)], self.log_path.with_suffix(".load.log")), 2)
        self.loading["store_bytes"] = dir_bytes(self.store_dir)

    def load(self, data: Path) -> None:
        """A new on-disk store answers queries at once while its search index is built in the background:
        wait for the index (the search mix needs it), and say how long it took after "ready"."""
        started = time.monotonic()
        deadline = started + 900
        state: dict = {}
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{self.base}/health", timeout=10) as resp:
                    state = json.loads(resp.read()).get("search_index") or {}
            except (OSError, ValueError) as e:
                state = {"status": "unknown", "error": str(e)}
            if state.get("status") != "building":
                break
            time.sleep(0.1)
        if state.get("status") == "failed":
            raise RuntimeError(f"{self.name}: the search index was not built: {state.get('error')}; "
                               f"see {self.log_path}")
        self.loading["search_index_s"] = round(time.monotonic() - started, 2)


class OxigraphPeer(Peer):
    def prepare(self, data: Path) -> None:
        if self.store_dir is None:
            return
        shutil.rmtree(self.store_dir, ignore_errors=True)
        self.store_dir.parent.mkdir(parents=True, exist_ok=True)
        exe, log = str(VENV_BIN / "oxigraph"), self.log_path.with_suffix(".load.log")
        self.loading["load_s"] = round(timed([exe, "load", "--location", str(self.store_dir), "--file", str(data)],
                                             log), 2)
        self.loading["optimize_s"] = round(timed([exe, "optimize", "--location", str(self.store_dir)], log), 2)
        self.loading["store_bytes"] = dir_bytes(self.store_dir)

    def load(self, data: Path) -> None:
        if self.store_dir is not None:
            return
        req = urllib.request.Request(
            f"{self.base}/store", data=data.read_bytes(), method="POST",
            headers={"Content-Type": "application/n-quads" if data.suffix == ".nq" else "application/n-triples"},
        )
        with urllib.request.urlopen(req, timeout=600) as resp:
            if resp.status not in (200, 201, 204):
                raise RuntimeError(f"oxigraph refused the data: HTTP {resp.status}")


class CeilingEnginePeer(Peer):
    """``ceiling-engine`` (see ``ceiling``): on disk, a pyoxigraph store of its own, made before it starts."""

    def prepare(self, data: Path) -> None:
        if self.store_dir is None:
            self.env[ceiling.DATA_ENV] = str(data)
            return
        shutil.rmtree(self.store_dir, ignore_errors=True)
        self.store_dir.parent.mkdir(parents=True, exist_ok=True)
        make = ("import sys, pyoxigraph as ox; s = ox.Store(sys.argv[1]); "
                "s.bulk_load(path=sys.argv[2], format=ox.RdfFormat.N_QUADS); s.optimize()")
        timed([sys.executable, "-c", make, str(self.store_dir), str(data)], self.log_path.with_suffix(".load.log"))
        self.env[ceiling.STORE_ENV] = str(self.store_dir)


class BackendPeer(Peer):
    """A SPARQL server loaded over the Graph Store Protocol with ``cec-kg load --backend`` after start-up."""

    default_graph: str | None = None     # where the dataset's default graph goes (Virtuoso has none)

    @property
    def loaded(self) -> bool:
        return self.store_dir is not None and "load_s" in self.loading

    def load(self, data: Path) -> None:
        if self.loaded:     # a restart (``settle``) of a store kept on disk: the data is there already
            return
        cmd = [str(VENV_BIN / "cec-kg"), "load", "--backend", self.endpoint]
        if self.default_graph:
            cmd += ["--default-graph", self.default_graph]
        self.loading["load_s"] = round(timed([*cmd, str(data)], self.log_path.with_suffix(".load.log")), 2)
        if self.store_dir is not None and self.store_dir.exists():
            self.loading["store_bytes"] = dir_bytes(self.store_dir)


class OxigraphBackendPeer(BackendPeer):
    def prepare(self, data: Path) -> None:
        if self.store_dir is not None:
            shutil.rmtree(self.store_dir, ignore_errors=True)
            self.store_dir.mkdir(parents=True)


class VirtuosoPeer(BackendPeer):
    """``virtuoso-t +foreground`` with its own ini and database in ``store_dir`` (bench/virtuoso.py)."""

    default_graph = virtuoso_setup.DEFAULT_GRAPH

    def __init__(self, name: str, port: int, log_path: Path, directory: Path):
        self.sql_port = free_port()
        while self.sql_port == port:
            self.sql_port = free_port()
        ini = directory / "virtuoso.ini"
        super().__init__(name, virtuoso_setup.command(ini), "/sparql", port, log_path, store_dir=directory)

    def prepare(self, data: Path) -> None:
        pass

    def start(self) -> None:
        if self.loaded:     # a restart by ``settle``: the same database (Virtuoso checkpoints on SIGTERM)
            super().start()
            return
        shutil.rmtree(self.store_dir, ignore_errors=True)
        self.store_dir.mkdir(parents=True)
        # 2 GiB of cache (8 KiB pages): the whole store of the bench's sizes stays in memory, as Oxigraph's
        # does in the page cache; 48 HTTP threads and connections: wrk's 8 and ours' keep-alive ones
        # (2 workers × 10 threads at most) at once, with room to spare.
        virtuoso_setup.write_ini(self.store_dir, self.sql_port, self.port, buffers=250_000, connections=48,
                                 max_seconds=30, query_mem="2G")
        super().start()

    def load(self, data: Path) -> None:
        if self.loaded:
            return
        virtuoso_setup.setup(self.sql_port, self.store_dir)
        super().load(data)
        virtuoso_setup.sql(self.sql_port, "checkpoint;", self.store_dir)
        self.loading["store_bytes"] = sum(f.stat().st_size for f in self.store_dir.glob("*.db"))


class OursOverPeer(OursPeer):
    """``cec-kg serve --backend`` over ``backend`` (started after it, once it is loaded)."""

    backend: Peer | None = None

    def prepare(self, data: Path) -> None:
        pass


# Each remote-store client and the backend it queries: (client, backend).
BACKEND_PAIRS = {"ours-over-oxigraph": "oxigraph-backend", "ours-over-virtuoso": "virtuoso"}
BACKEND_SERVERS = ("oxigraph-backend", "ours-over-oxigraph", "virtuoso", "ours-over-virtuoso")


def unavailable(name: str) -> str | None:
    """Why server ``name`` cannot run on this machine, or None."""
    if name in ("virtuoso", "ours-over-virtuoso"):
        return virtuoso_setup.missing()
    return None


def with_backends(names: list[str]) -> list[str]:
    """``names`` with each remote-store client's backend added (if missing) and put before it."""
    out: list[str] = []
    for name in names:
        backend = BACKEND_PAIRS.get(name)
        if backend and backend not in out:
            out.append(backend)
        if name not in out:
            out.append(name)
    return out


# wrk is one client (127.0.0.1) standing for many: per-client fair use (429 past 5 queries at once, 60
# query-seconds a minute) would refuse most of its requests, so it is off. The reserved lane stays as
# deployed, with 10 request threads a process (8 by default): granian may put all 8 connections on one
# process, and heavy queries leave 2 threads to the lane, so 8 heavy ones at once still fit.
FAIR_USE_OFF = ("--fair-query-seconds", "0", "--fair-concurrent-queries", "0", "--threads", "10")


def make_peers(names: list[str], data: Path, log_dir: Path, ours_cmd: str | None, workers: int | None,
               storage: str = "disk", store_root: Path | None = None, merged_data: Path | None = None,
               timeout: float = 30.0) -> list[Peer]:
    """``merged_data``: the dataset with its default graph holding the merge (for ``oxigraph-merged``)."""
    peers: list[Peer] = []
    by_name: dict[str, Peer] = {}
    on_disk = storage == "disk"
    for name in with_backends(names):
        port = free_port()
        log = log_dir / f"{name}.log"
        store_dir = (store_root / name) if on_disk and store_root is not None else None
        if name in ("ours", "ours-nocache"):
            if ours_cmd:
                cmd = shlex.split(ours_cmd.format(port=port, data=data))
                store_dir = None
            else:
                what = ["--store", str(store_dir)] if store_dir else ["--data", str(data)]
                cmd = [str(VENV_BIN / "cec-kg"), "serve", "--host", "127.0.0.1", "--port", str(port), *what,
                       "--timeout", f"{timeout:g}", "--max-timeout", f"{timeout:g}", *FAIR_USE_OFF]
                if workers:
                    cmd += ["--workers", str(workers)]
            if name == "ours-nocache":  # the same server with its result cache off: engine + HTTP layer only
                cmd += ["--cache-mb", "0"]
            peers.append(OursPeer(name, cmd, "/sparql", port, log, store_dir=store_dir))
        elif name in ("ceiling-wsgi", "ceiling-flask"):
            app = "bench.ceiling:" + name.split("-")[1] + "_app"
            cmd = [str(VENV_BIN / "granian"), "--interface", "wsgi", "--workers", str(workers or 2),
                   "--host", "127.0.0.1", "--port", str(port), "--no-ws", app]
            peer = Peer(name, cmd, "/sparql", port, log, env={"PYTHONPATH": str(Path(__file__).resolve().parent.parent)})
            peer.checked = False
            peers.append(peer)
        elif name == "ceiling-engine":
            # As ours is served (FAIR_USE_OFF's 10 threads, HTTP/1 only, no WebSockets), minus our app.
            cmd = [str(VENV_BIN / "granian"), "--interface", "wsgi", "--workers", str(workers or 2),
                   "--blocking-threads", "10", "--http", "1", "--no-ws", "--host", "127.0.0.1", "--port", str(port),
                   "--factory", "bench.ceiling:engine_app"]
            peers.append(CeilingEnginePeer(name, cmd, "/sparql", port, log, store_dir=store_dir,
                                           env={"PYTHONPATH": str(Path(__file__).resolve().parent.parent)}))
        elif name in ("oxigraph", "oxigraph-merged"):
            union = ["--union-default-graph"] if name == "oxigraph" else []
            if store_dir:
                cmd = [str(VENV_BIN / "oxigraph"), "serve-read-only", "--location", str(store_dir),
                       "--bind", f"127.0.0.1:{port}", *union]
            else:
                cmd = [str(VENV_BIN / "oxigraph"), "serve", "--bind", f"127.0.0.1:{port}", *union]
            peers.append(OxigraphPeer(name, cmd, "/query", port, log, store_dir=store_dir))
        elif name == "oxigraph-backend":
            where = ["--location", str(store_dir)] if store_dir else []
            cmd = [str(VENV_BIN / "oxigraph"), "serve", *where, "--bind", f"127.0.0.1:{port}", "--union-default-graph"]
            peers.append(OxigraphBackendPeer(name, cmd, "/query", port, log, store_dir=store_dir))
        elif name == "virtuoso":
            root = store_root if store_root is not None else log_dir
            peers.append(VirtuosoPeer(name, port, log, root / "virtuoso"))
        elif name in BACKEND_PAIRS:
            backend = by_name[BACKEND_PAIRS[name]]
            cmd = [str(VENV_BIN / "cec-kg"), "serve", "--host", "127.0.0.1", "--port", str(port),
                   "--backend", backend.endpoint, "--timeout", f"{timeout:g}", "--max-timeout", f"{timeout:g}",
                   *FAIR_USE_OFF]
            if workers:
                cmd += ["--workers", str(workers)]
            peer = OursOverPeer(name, cmd, "/sparql", port, log)
            peer.backend = backend
            peers.append(peer)
        elif name == "rdflib-endpoint":
            cmd = [str(VENV_BIN / "rdflib-endpoint"), "serve", "--host", "127.0.0.1", "--port", str(port), str(data)]
            peers.append(Peer(name, cmd, "/", port, log))
        else:
            raise ValueError(f"unknown server {name!r}: choose from ours, ours-nocache, oxigraph, oxigraph-merged, "
                             "rdflib-endpoint, ceiling-wsgi, ceiling-flask, ceiling-engine, " + ", ".join(BACKEND_SERVERS))
        by_name[name] = peers[-1]
    return peers
