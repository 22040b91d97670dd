"""Query evaluation in processes that can be killed: the only timeout that really stops the work.

pyoxigraph cannot cancel a running query, so each query runs in a forked worker process that holds
the store (copy-on-write: the graph is not copied). When a query outlives its timeout the worker is
killed with SIGKILL and another takes its place; the request is answered 503. Nothing is sent before
the worker has produced the whole serialised result, so a client never sees a cut-off 200.

Process tree::

    server process (loads the store)
      └─ zygote: forked once, at start-up, while the server is still single-threaded; it never
         evaluates anything, it only forks workers when asked (a connection on its Unix socket)
           └─ worker, worker, …: each serves one connection, one query at a time

Every process that serves HTTP (e.g. granian's worker processes, forked later) reaches the zygote
through its socket path, so workers are never forked from a multi-threaded process. Workers and
the zygote die with their parent (PR_SET_PDEATHSIG). A zygote that ends is started again on the same
path by a watcher thread of the server process (``QueryPool.watch``); a job whose worker dies under
it runs again once on a new worker. Where the kernel allows it (root, CAP_SYS_ADMIN)
each worker also moves into an empty network namespace: even a query that slipped past the
SERVICE check could not reach the network.
"""
from __future__ import annotations

import ctypes
import logging
import marshal
import math
import mmap
import os
import pickle
import select
import signal
import socket
import struct
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

log = logging.getLogger(__name__)

PR_SET_PDEATHSIG = 1
CLONE_NEWNET = 0x40000000
# The engine recurses over the query's syntax tree: within the 64 KiB size limit, `!!!…true`,
# `1-1-1…` or 7,000 UNIONs overflowed the default 8 MiB stack and killed the worker (SIGSEGV). Queries
# run on a thread with this stack (address space only; pages are used as the recursion touches them).
WORKER_STACK_BYTES = 512 * 1024 * 1024
# A worker whose resident memory grew by more than this since it started (the engine's caches and what a
# large sort or aggregation left behind) answers, then exits, and a fresh one takes its place: each
# process opens the store read-only with caches of its own (RocksDB's, ~35-55 MiB at 1M triples, freed
# only when the store is closed), so memory would otherwise grow with the number of workers times the
# largest query each ever ran. 128 MiB (issue-11: 48 ran every query at 1M triples on cold caches,
# the graph mix at half speed; the caches, ~75 MiB a worker, now stay).
WORKER_MEMORY_GROWTH = 128 * 2**20


@dataclass(frozen=True)
class Job:
    query: str
    media_type: str
    default_graphs: tuple[str, ...] | None = None
    named_graphs: tuple[str, ...] | None = None
    union_default_graph: bool = True
    row_cap: int = 100_000
    bounded: bool = False
    plan: object = None               # bounded.Plan: the store may evaluate it in process
    probe: str | None = None          # the query with LIMIT bounded.BUDGET + 1, when its plan streams
    base_iri: str | None = None       # relative IRIs in the query resolve against the endpoint URL
    prefixes: tuple[tuple[str, str], ...] = ()    # the query's PREFIXes: Turtle and TriG answers use them
    variable_order: tuple[str, ...] | None = None  # SELECT *: columns in the order the query names them
    substitutions: tuple = ()         # ((variable name, pyoxigraph term), …): saved queries' parameters
    max_bytes: int | None = None      # the result body's byte cap (results.serialize)
    lane: str = "heavy"               # "cheap" may use the query workers the pool reserves for it


class StoreFailure(Exception):
    """The store could not answer, through no fault of the query: answered 5xx with Retry-After
    (``store.failure_problem``), wherever it happens (the endpoint, a page, a document)."""

    status, title = 503, "Service Unavailable"


class QueryTimeout(StoreFailure):
    """The query ran longer than its timeout; its worker was killed (or our backend connection closed)."""

    title = "Query timeout"


class Busy(StoreFailure):
    """No worker became free before the deadline."""

    title = "Busy"


class Unavailable(StoreFailure):
    """No query worker can be started: the process that forks them is gone (see ``QueryPool.alive``)."""

    title = "Query service unavailable"


class BackendUnavailable(StoreFailure):
    """The remote SPARQL backend cannot be reached (refused, reset, unknown host) or says it is unavailable."""

    title = "Backend unavailable"


class BackendError(StoreFailure):
    """The remote backend answered something we cannot use: an error status, or not SPARQL results."""

    status, title = 502, "Bad Gateway"


class QuerySyntaxError(Exception):
    """The engine's parser refused the query (message carries the position)."""


class EvaluationError(Exception):
    """The engine failed while evaluating a well-formed query."""


def _libc():
    try:
        return ctypes.CDLL(None, use_errno=True)
    except OSError:
        return None


def _die_with_parent() -> None:
    libc = _libc()
    if libc is not None:
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


def _isolate_network() -> bool:
    """Move this (single-threaded) process into a new, empty network namespace, if permitted."""
    libc = _libc()
    return bool(libc is not None and libc.unshare(CLONE_NEWNET) == 0)


def run_job(store, job: Job, query: str | None = None, union: bool | None = None, small: bool = False):
    """Evaluate and serialise one job (its ``query``, or the one given) against a pyoxigraph store
    (in a worker, or in process); ``union``: instead of the job's ``union_default_graph`` (the store
    knows better: a merged default graph needs no union), without a copy of the job. ``small``: the
    query was proven bounded (``bounded``): its answer may be written whole before it is counted."""
    import pyoxigraph as ox

    from .results import serialize

    kwargs = {"base_iri": job.base_iri} if job.base_iri else {}
    if job.substitutions:
        kwargs["substitutions"] = {ox.Variable(name): term for name, term in job.substitutions}
    if job.default_graphs is not None:
        kwargs["default_graph"] = [ox.NamedNode(g) for g in job.default_graphs]
    elif job.union_default_graph if union is None else union:
        kwargs["use_default_graph_as_union"] = True
    if job.named_graphs is not None:
        kwargs["named_graphs"] = [ox.NamedNode(g) for g in job.named_graphs]
    elif job.default_graphs is not None:
        kwargs["named_graphs"] = []       # a protocol dataset with no named graphs has none
    try:
        results = store.query(query or job.query, **kwargs)
        return serialize(results, job.media_type, row_cap=job.row_cap, bounded=job.bounded,
                         prefixes=dict(job.prefixes), variable_order=job.variable_order, max_bytes=job.max_bytes,
                         small=small)
    except SyntaxError as e:
        raise QuerySyntaxError(str(e)) from None
    except (ValueError, OSError, RuntimeError, TypeError) as e:
        raise EvaluationError(str(e)) from None


# -- the wire between a serving process and its workers -------------------------------------------------
# One message: a 4-byte length, then ``marshal`` of a tuple of plain values (str, bytes, int, float, bool,
# None, tuples), each message one write; the serving process polls for the answer (its deadline), then
# reads it whole. Measured on a point lookup (issue-11), CPU of both processes per round trip above
# evaluating in process: ~200 µs with multiprocessing's Connection (several reads per message) and
# pickled dataclasses, ~120 µs so. A saved query's substitutions (pyoxigraph terms) travel as N-Triples.
_LENGTH = struct.Struct("!I")


def send_message(sock: socket.socket, value) -> None:
    data = marshal.dumps(value)
    sock.sendall(_LENGTH.pack(len(data)) + data)


def recv_message(sock: socket.socket):
    """The next message (blocking); EOFError when the other end has gone."""
    buf = sock.recv(262144)
    while len(buf) < 4:
        if not buf:
            raise EOFError
        more = sock.recv(262144)
        if not more:
            raise EOFError
        buf += more
    size = _LENGTH.unpack_from(buf)[0]
    if len(buf) - 4 < size:
        data = bytearray(size)
        view = memoryview(data)
        got = len(buf) - 4
        view[:got] = buf[4:]
        while got < size:
            n = sock.recv_into(view[got:])
            if not n:
                raise EOFError
            got += n
        return marshal.loads(data)
    return marshal.loads(buf[4:4 + size])


def job_message(job: Job) -> tuple:
    """What a worker needs of a job, as plain values (not the plan or the probe: those are for the
    serving process; substitutions as N-Triples terms)."""
    return (job.query, job.media_type, job.default_graphs, job.named_graphs, job.union_default_graph, job.row_cap,
            job.bounded, job.base_iri, job.prefixes, job.variable_order,
            tuple((name, str(term)) for name, term in job.substitutions), job.max_bytes)


def job_from_message(message: tuple) -> Job:
    (query, media_type, default_graphs, named_graphs, union, row_cap, bounded, base_iri, prefixes, variable_order,
     substitutions, max_bytes) = message
    return Job(query=query, media_type=media_type, default_graphs=default_graphs, named_graphs=named_graphs,
               union_default_graph=union, row_cap=row_cap, bounded=bounded, base_iri=base_iri, prefixes=prefixes,
               variable_order=variable_order, substitutions=tuple((name, _term(text)) for name, text in substitutions),
               max_bytes=max_bytes)


def _term(text: str):
    """A pyoxigraph term from its N-Triples form (``str(term)``)."""
    import pyoxigraph as ox

    return next(iter(ox.parse(f"<urn:x:s> <urn:x:p> {text} .".encode("utf-8"), format=ox.RdfFormat.N_TRIPLES))).object


def _resident_bytes() -> int:
    try:
        with open("/proc/self/statm", "rb") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def _serve_worker(sock: socket.socket, store, memory_growth: int = WORKER_MEMORY_GROWTH) -> None:
    libc = _libc()
    trim = getattr(libc, "malloc_trim", None) if libc is not None else None
    baseline = _resident_bytes()
    while True:
        try:
            job = job_from_message(recv_message(sock))
        except (EOFError, OSError, ValueError):
            return
        try:
            o = run_job(store, job)
            reply = ("ok", o.media_type, o.body, o.rows, o.truncated)
            if trim is not None:
                trim(0)         # hand the memory the evaluation freed back to the system (glibc keeps it)
            if baseline and _resident_bytes() - baseline > memory_growth:
                reply += ("retire",)    # this answer, then exit: the pool starts a fresh worker
        except QuerySyntaxError as e:
            reply = ("syntax", str(e))
        except EvaluationError as e:
            reply = ("error", str(e))
        except Exception as e:  # noqa: BLE001 - report anything to the parent rather than die silently
            reply = ("error", f"{type(e).__name__}: {e}")
        try:
            send_message(sock, reply)
        except OSError:
            return
        if len(reply) == 6:         # ("ok", …, "retire")
            return


def _with_big_stack(fn, *args) -> None:
    """Run ``fn(*args)`` on a thread with a ``WORKER_STACK_BYTES`` stack (in this thread if the
    kernel refuses one that large)."""
    try:
        threading.stack_size(WORKER_STACK_BYTES)
        thread = threading.Thread(target=fn, args=args, name="query")
        thread.start()
    except (RuntimeError, ValueError):
        fn(*args)
        return
    thread.join()


def _zygote(listener: socket.socket, open_store, sandbox: bool, memory_growth: int = WORKER_MEMORY_GROWTH) -> None:
    _die_with_parent()
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)   # workers are reaped by the kernel
    # Ctrl-C or SIGTERM to the process group must not end a query in flight: the serving process
    # decides (it lets queries finish, then kills this process; its workers die with it).
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    while True:
        try:
            sock, _ = listener.accept()
        except OSError:
            continue
        pid = os.fork()
        if pid == 0:
            try:
                listener.close()
                _die_with_parent()
                signal.signal(signal.SIGCHLD, signal.SIG_DFL)
                store = open_store()
                isolated = _isolate_network() if sandbox else False
                sock.sendall(pickle.dumps((os.getpid(), isolated)) + b"\n")
                _with_big_stack(_serve_worker, sock, store, memory_growth)
            finally:
                os._exit(0)
        sock.close()


class Worker:
    def __init__(self, pid: int, sock: socket.socket, isolated: bool):
        self.pid, self.sock, self.isolated = pid, sock, isolated
        self.heavy = False
        sock.settimeout(None)           # blocking; the deadline is kept by polling before reading
        self.poller = select.poll()
        self.poller.register(sock, select.POLLIN)

    def readable(self, timeout: float) -> bool:
        return bool(self.poller.poll(max(0, math.ceil(timeout * 1000))))

    def closed(self) -> bool:
        """An idle worker never writes: a readable socket means its end was closed."""
        return self.readable(0)

    def kill(self) -> None:
        try:
            os.kill(self.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.sock.close()


class QueryPool:
    """Killable query workers, ``size`` kept warm per serving process, at most ``max_size`` at once, of
    which ``reserved`` only serve the cheap lane (heavy queries wait for one of the others)."""

    def __init__(self, open_store, *, size: int = 2, max_size: int = 4, reserved: int = 0, sandbox: bool = True,
                 memory_growth: int = WORKER_MEMORY_GROWTH):
        self.size, self.max_size = size, max(size, max_size)
        self.heavy_max = max(1, self.max_size - max(0, reserved))
        self._dir = tempfile.mkdtemp(prefix="cec-kg-pool-")
        self.path = os.path.join(self._dir, "zygote.sock")
        self._open_store, self._sandbox, self._memory_growth = open_store, sandbox, memory_growth
        # The zygote's pid and how often it was restarted, seen by every process forked from this one.
        self._shared = mmap.mmap(-1, 16)
        self._closed = False
        self.owner = os.getpid()
        self._start_zygote()
        self.stats = {"spawned": 0, "killed": 0, "timeouts": 0, "jobs": 0, "retried": 0, "retired": 0}
        self._reset()

    def _start_zygote(self) -> None:
        """Fork the zygote, listening on ``path`` (the same path for its successors: the serving
        processes that know it need no news of a restart)."""
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            os.unlink(self.path)
        except FileNotFoundError:
            pass
        listener.bind(self.path)
        listener.listen(64)
        pid = os.fork()
        if pid == 0:
            try:
                _zygote(listener, self._open_store, self._sandbox, self._memory_growth)
            finally:
                os._exit(0)
        listener.close()
        struct.pack_into("<q", self._shared, 0, pid)

    @property
    def zygote_pid(self) -> int:
        return struct.unpack_from("<q", self._shared, 0)[0]

    @property
    def restarts(self) -> int:
        return struct.unpack_from("<q", self._shared, 8)[0]

    def watch(self, interval: float = 0.2, also: Callable[[], object] | None = None) -> None:
        """In the process that made the pool (before it starts serving): restart the zygote whenever it
        ends (killed, e.g. by the OOM killer), from a thread kept for the purpose. A zygote dies with the
        thread that forked it (PR_SET_PDEATHSIG): this one never ends while the pool is open. ``also`` is
        called on every round (the server's other chores: collecting the search index builder's exit)."""
        if os.getpid() != self.owner:
            return

        def loop():
            while not self._closed:
                try:
                    ended = os.waitpid(self.zygote_pid, os.WNOHANG)[0] != 0
                except ChildProcessError:
                    ended = True
                if ended and not self._closed:
                    log.warning("the query-process spawner %s ended; starting another", self.zygote_pid)
                    self._start_zygote()
                    struct.pack_into("<q", self._shared, 8, self.restarts + 1)
                if also is not None:
                    also()
                time.sleep(interval)

        threading.Thread(target=loop, name="query-spawner-watch", daemon=True).start()

    def _reset(self) -> None:
        self._pid = os.getpid()
        self._lock = threading.Condition()
        self._idle: list[Worker] = []
        self._count = 0
        self._heavy = 0         # workers evaluating heavy-lane jobs

    def _ensure_process(self) -> None:
        if self._pid != os.getpid():   # forked (e.g. a granian worker): workers are per process
            self._reset()
            self._replenish_async()

    def _replenish_async(self) -> None:
        """Keep ``size`` workers alive off the request path: a spawn can be slow (a new network
        namespace waits while the kernel tears down those of killed workers)."""
        threading.Thread(target=self._replenish, name="query-pool-replenish", daemon=True).start()

    def _replenish(self) -> None:
        while True:
            with self._lock:
                if self._count >= self.size:
                    return
                self._count += 1
            try:
                worker = self._spawn()
            except OSError:
                with self._lock:
                    self._count -= 1
                return
            with self._lock:
                self._idle.append(worker)
                self._lock.notify_all()

    def _spawn(self) -> Worker:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(30)
        sock.connect(self.path)
        buf = b""
        while not buf.endswith(b"\n"):
            chunk = sock.recv(256)
            if not chunk:
                raise OSError("query worker died while starting")
            buf += chunk
        pid, isolated = pickle.loads(buf[:-1])
        self.stats["spawned"] += 1
        return Worker(pid, sock, isolated)

    def warm_up(self) -> None:
        self._ensure_process()
        with self._lock:
            while self._count < self.size:
                self._idle.append(self._spawn())
                self._count += 1

    @property
    def isolated(self) -> bool | None:
        with self._lock:
            return self._idle[0].isolated if self._idle else None

    def _acquire(self, deadline: float, heavy: bool = True) -> Worker:
        self._ensure_process()
        with self._lock:
            while True:
                if not heavy or self._heavy < self.heavy_max:
                    if self._idle:
                        worker = self._idle.pop()
                        worker.heavy = heavy
                        self._heavy += heavy
                        return worker
                    if self._count < self.max_size:
                        self._count += 1
                        self._heavy += heavy
                        break
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise Busy()
                self._lock.wait(remaining)
        try:
            worker = self._spawn()
            worker.heavy = heavy
            return worker
        except BaseException:
            with self._lock:
                self._count -= 1
                self._heavy -= heavy
                self._lock.notify_all()
            raise

    def _acquire_live(self, deadline: float, heavy: bool = True) -> Worker:
        """A worker whose process still runs: an idle worker never writes, so a readable connection
        means its end was closed (killed from outside, or gone with the zygote)."""
        while True:
            worker = self._acquire(deadline, heavy)
            if not worker.closed():
                return worker
            self._release(worker, healthy=False)

    def alive(self) -> bool:
        """Whether the zygote still runs: without it no worker can replace one that ends."""
        try:
            with open(f"/proc/{self.zygote_pid}/stat", "rb") as f:
                return f.read().rsplit(b")", 1)[1].split()[0] not in (b"Z", b"X")
        except FileNotFoundError:
            return False
        except OSError:
            try:
                os.kill(self.zygote_pid, 0)
                return True
            except ProcessLookupError:
                return False

    def _release(self, worker: Worker, healthy: bool) -> None:
        with self._lock:
            if worker.heavy:
                worker.heavy = False
                self._heavy -= 1
            if healthy:
                self._idle.append(worker)
            else:
                worker.kill()
                self._count -= 1
            self._lock.notify_all()     # a waiter of either lane may proceed
            replenish = not healthy and self._count < self.size
        if replenish:
            self._replenish_async()

    def run(self, job: Job, timeout: float, lane=None):
        """Evaluate ``job`` in a worker; raise QueryTimeout / Busy / Unavailable / QuerySyntaxError /
        EvaluationError.

        ``lane`` (seconds, promote): a cheap job still running after ``seconds`` takes a heavy worker
        place where it runs (``_promote``) and ``promote()`` is called (the request's heavy place; if it
        raises, the worker is killed). Before, such a job was killed and run again from the start as a
        heavy one: measured on 1M triples, a 1.3 s label search took 2.7-3.2 s (1 s wasted in the cheap
        lane, a new worker with cold caches). With no heavy place free: QueryTimeout, as before.

        A worker that dies under a job (killed from outside, or with the spawner) costs the request
        nothing the first time: the job runs again, on a new worker, in the time it has left (once the
        spawner, restarted by ``watch``, is back). A job that kills its second worker too is the query's
        doing (memory, or nesting too deep for the engine): 400."""
        deadline = time.monotonic() + timeout
        lane_deadline = deadline - timeout + lane[0] if lane is not None and lane[0] < timeout else None
        for attempt in (1, 2):
            try:
                worker = self._acquire_live(deadline, job.lane != "cheap")
            except OSError as e:
                if attempt == 1 and self._await_spawner(deadline):
                    continue
                raise Unavailable(f"no query worker could be started ({type(e).__name__})") from None
            healthy = answered = False
            try:
                self.stats["jobs"] += 1
                send_message(worker.sock, job_message(job))
                if (lane_deadline is not None and not worker.heavy
                        and not worker.readable(lane_deadline - time.monotonic())):
                    if not self._promote(worker):
                        self.stats["timeouts"] += 1
                        self.stats["killed"] += 1
                        raise QueryTimeout()
                    lane[1]()
                if not worker.readable(deadline - time.monotonic()):
                    self.stats["timeouts"] += 1
                    self.stats["killed"] += 1
                    raise QueryTimeout()
                reply = recv_message(worker.sock)       # the worker sends its whole answer at once
                healthy = len(reply) != 6       # ("ok", …, "retire"): the worker exits after this answer
                if not healthy:
                    self.stats["retired"] += 1
                answered = True
            except (EOFError, OSError) as e:
                died = type(e).__name__
            finally:
                self._release(worker, healthy)
            if answered:
                break
            if attempt == 1 and deadline - time.monotonic() > 0.05 and self._await_spawner(deadline):
                self.stats["retried"] += 1
                continue
            if not self.alive():        # the spawner ended (the server is stopping): not the query's fault
                raise Unavailable("the query processes ended while evaluating it (the server is stopping, "
                                  "or its query-process spawner was killed)")
            raise EvaluationError(f"the query's worker process died while evaluating it ({died}), twice: "
                                  "it may need more memory than a worker has, or nest expressions too "
                                  "deeply for the engine; simplify the query or split it")
        if reply[0] == "ok":
            from .results import Outcome

            return Outcome(*reply[1:5])
        if reply[0] == "syntax":
            raise QuerySyntaxError(reply[1])
        raise EvaluationError(reply[1])

    def _promote(self, worker: Worker) -> bool:
        """Count a running cheap job's worker as heavy, if the heavy lane has a place for it."""
        with self._lock:
            if self._heavy >= self.heavy_max:
                return False
            worker.heavy = True
            self._heavy += 1
            return True

    def _await_spawner(self, deadline: float) -> bool:
        """Whether the spawner runs, or comes back (restarted by ``watch``) within the time left."""
        # ``watch`` restarts it within a fraction of a second; a spawner still gone after a second is
        # not coming back (the server is stopping): answer 503 rather than hold the request.
        limit = min(deadline, time.monotonic() + 1.0)
        while not self.alive():
            if time.monotonic() >= limit or self._closed:
                return False
            time.sleep(0.05)
        return True

    def close(self) -> None:
        self._closed = True
        if os.getpid() == self.owner:
            try:
                os.kill(self.zygote_pid, signal.SIGKILL)
                os.waitpid(self.zygote_pid, 0)
            except (ProcessLookupError, ChildProcessError):
                pass
            try:
                os.unlink(self.path)
                os.rmdir(self._dir)
            except OSError:
                pass
        with self._lock:
            for w in self._idle:
                w.kill()
            self._idle.clear()
