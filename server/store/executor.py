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
the zygote die with their parent (PR_SET_PDEATHSIG). Where the kernel allows it (root, CAP_SYS_ADMIN)
each worker also moves into an empty network namespace: even a query that slipped past the
SERVICE check could not reach the network.
"""
from __future__ import annotations

import ctypes
import logging
import marshal
import math
import os
import pickle
import select
import signal
import socket
import struct
import tempfile
import threading
import time
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
# largest query each ever ran (measured at 1M triples: ~75 MiB a worker).
WORKER_MEMORY_GROWTH = 48 * 2**20


@dataclass(frozen=True)
class Job:
    query: str
    media_type: str
    default_graphs: tuple[str, ...] | None = None
    named_graphs: tuple[str, ...] | None = None
    union_default_graph: bool = True
    row_cap: int = 100_000
    plan: object = None               # bounded.Plan: the store may evaluate it in process
    probe: str | None = None          # the query with LIMIT bounded.BUDGET + 1, when its plan streams
    base_iri: str | None = None       # relative IRIs in the query resolve against the endpoint URL


class QueryTimeout(Exception):
    """The query ran longer than its timeout; its worker was killed."""


class Busy(Exception):
    """No worker became free before the deadline."""


class Unavailable(Exception):
    """No query worker can be started: the process that forks them is gone (see ``QueryPool.alive``)."""


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


def run_job(store, job: Job, query: str | None = None):
    """Evaluate and serialise one job (its ``query``, or the one given) against a pyoxigraph store
    (in a worker, or in process)."""
    import pyoxigraph as ox

    from .results import serialize

    kwargs = {"base_iri": job.base_iri} if job.base_iri else {}
    if job.default_graphs is not None:
        kwargs["default_graph"] = [ox.NamedNode(g) for g in job.default_graphs]
    elif job.union_default_graph:
        kwargs["use_default_graph_as_union"] = True
    if job.named_graphs is not None:
        kwargs["named_graphs"] = [ox.NamedNode(g) for g in job.named_graphs]
    elif job.default_graphs is not None:
        kwargs["named_graphs"] = []       # a protocol dataset with no named graphs has none
    try:
        results = store.query(query or job.query, **kwargs)
        return serialize(results, job.media_type, row_cap=job.row_cap)
    except SyntaxError as e:
        raise QuerySyntaxError(str(e)) from None
    except (ValueError, OSError, RuntimeError, TypeError) as e:
        raise EvaluationError(str(e)) from None


# -- the wire between a serving process and its workers -------------------------------------------------
# One message: a 4-byte length, then ``marshal`` of a tuple of plain values (str, bytes, int, bool, None,
# tuples), each message one write; the serving process polls for the answer (its deadline), then reads.
# Measured on a point lookup, CPU of both processes per round trip above evaluating in process: ~200 µs
# with multiprocessing's Connection (several reads per message) and pickled dataclasses, ~120 µs so.
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


def _job_message(job: Job) -> tuple:
    """What a worker needs of a job (not the plan or the probe: those are for the serving process)."""
    return (job.query, job.media_type, job.default_graphs, job.named_graphs, job.union_default_graph, job.row_cap,
            job.base_iri)


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
            query, media_type, default_graphs, named_graphs, union, row_cap, base_iri = recv_message(sock)
        except (EOFError, OSError, ValueError):
            return
        job = Job(query=query, media_type=media_type, default_graphs=default_graphs, named_graphs=named_graphs,
                  union_default_graph=union, row_cap=row_cap, base_iri=base_iri)
        try:
            o = run_job(store, job)
            reply = ("ok", o.media_type, o.body, o.rows, o.truncated)
            if trim is not None:
                # Hand the memory the evaluation freed back to the system (glibc keeps it otherwise).
                trim(0)
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


def _zygote(listener: socket.socket, open_store, sandbox: bool, memory_growth: int) -> None:
    _die_with_parent()
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)   # workers are reaped by the kernel
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
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
    """Killable query workers, ``size`` kept warm per serving process, at most ``max_size`` at once."""

    def __init__(self, open_store, *, size: int = 2, max_size: int = 3, sandbox: bool = True,
                 memory_growth: int = WORKER_MEMORY_GROWTH):
        self.size, self.max_size = size, max(size, max_size)
        self._dir = tempfile.mkdtemp(prefix="cec-kg-pool-")
        self.path = os.path.join(self._dir, "zygote.sock")
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        listener.bind(self.path)
        listener.listen(64)
        self.owner = os.getpid()
        self.zygote_pid = os.fork()
        if self.zygote_pid == 0:
            try:
                _zygote(listener, open_store, sandbox, memory_growth)
            finally:
                os._exit(0)
        listener.close()
        self.stats = {"spawned": 0, "killed": 0, "timeouts": 0, "jobs": 0, "retired": 0}
        self._reset()

    def _reset(self) -> None:
        self._pid = os.getpid()
        self._lock = threading.Condition()
        self._idle: list[Worker] = []
        self._count = 0

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
                self._lock.notify()

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

    def _acquire(self, deadline: float) -> Worker:
        self._ensure_process()
        with self._lock:
            while True:
                if self._idle:
                    return self._idle.pop()
                if self._count < self.max_size:
                    self._count += 1
                    break
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise Busy()
                self._lock.wait(remaining)
        try:
            return self._spawn()
        except BaseException:
            with self._lock:
                self._count -= 1
                self._lock.notify()
            raise

    def _acquire_live(self, deadline: float) -> Worker:
        """A worker whose process still runs: an idle worker never writes, so a readable connection
        means its end was closed (killed from outside, or gone with the zygote)."""
        while True:
            worker = self._acquire(deadline)
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
            if healthy:
                self._idle.append(worker)
            else:
                worker.kill()
                self._count -= 1
            self._lock.notify()
            replenish = not healthy and self._count < self.size
        if replenish:
            self._replenish_async()

    def run(self, job: Job, timeout: float):
        """Evaluate ``job`` in a worker; raise QueryTimeout / Busy / Unavailable / QuerySyntaxError /
        EvaluationError."""
        deadline = time.monotonic() + timeout
        try:
            worker = self._acquire_live(deadline)
        except OSError as e:
            raise Unavailable(f"no query worker could be started ({type(e).__name__})") from None
        healthy = False
        try:
            self.stats["jobs"] += 1
            send_message(worker.sock, _job_message(job))
            if not worker.readable(deadline - time.monotonic()):
                self.stats["timeouts"] += 1
                self.stats["killed"] += 1
                raise QueryTimeout()
            reply = recv_message(worker.sock)       # the worker sends its whole answer at once
            healthy = len(reply) != 6       # ("ok", …, "retire"): the worker exits after this answer
            if not healthy:
                self.stats["retired"] += 1
        except (EOFError, OSError) as e:
            raise EvaluationError(f"the query's worker process died while evaluating it ({type(e).__name__}): "
                                  "it may need more memory than a worker has, or nest expressions too "
                                  "deeply for the engine; simplify the query or split it") from None
        finally:
            self._release(worker, healthy)
        if reply[0] == "ok":
            from .results import Outcome

            return Outcome(*reply[1:5])
        if reply[0] == "syntax":
            raise QuerySyntaxError(reply[1])
        raise EvaluationError(reply[1])

    def close(self) -> None:
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
