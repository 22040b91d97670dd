"""The process side of ``cec-kg serve``: one listening socket per port, granian on it, clean stops.

**One server per port.** granian, on Linux, binds one socket per worker with ``SO_REUSEPORT``: a
second server started on a port in use started silently and the kernel split the connections
between the two (DESIGN.md). Here the port is bound by us, before anything is loaded, first without
``SO_REUSEPORT`` (unless ``--reuse-port`` asks for it): a port in use fails at once, with a message.

**One socket per worker.** With one socket shared by every worker, the worker that wakes first
accepts a burst of keep-alive connections and keeps them: measured under wrk (8 connections, 2
workers), one worker at 121 % CPU and the other idle, so one GIL did the work of two. So once the
port is known to be ours, ``listeners`` binds one socket per worker with ``SO_REUSEPORT`` (as
granian itself does) and the kernel spreads connections over them by their address hash.

**Clean stops.** SIGINT or SIGTERM, to the main process or to the whole process group, ends every
process the server started within ``STOP_SECONDS``:

1. granian's workers are asked to stop (SIGTERM): they stop accepting and finish what is in flight; a
   worker with nothing in flight (``front.InFlight`` counts per process) is ended at once;
2. after ``grace`` seconds whatever still runs is a slow query: ``drain`` ends the query processes
   (the spawner and its workers), so those requests are answered 503 with Retry-After at once;
3. a worker still alive a moment later is killed (a granian worker was seen waiting in
   ``Event.wait`` for ever after a SIGINT to its process group).

granian's workers also die with the main process (``PR_SET_PDEATHSIG``), so even a SIGKILL to it
leaves nothing serving behind.

**Two signals at once** (SIGINT then SIGTERM, as a script or a supervisor may send): granian's main
loop waits in an untimed ``Event.wait`` for its signal handler to set the event. A signal sent while
another is still pending for the main thread goes to another thread (Linux gives a process-directed
signal to a thread without one pending); Python then runs the handler only when the main thread next
runs Python code, which it never did: the server was seen to hang for good in about 1 try of 3.
``PollingEvent`` wakes that wait every ``SIGNAL_POLL`` seconds, so a handler pending anywhere runs
within that time.
"""
from __future__ import annotations

import ctypes
import errno
import signal
import socket
import threading
import time
from collections.abc import Callable

from granian.server import MPServer

PR_SET_PDEATHSIG = 1
STOP_SECONDS = 10.0     # SIGINT/SIGTERM -> every process gone (the promise the tests hold)
SIGNAL_POLL = 0.2       # seconds: the longest a stop signal waits for the main thread to see it


class PortInUse(OSError):
    """Another process listens on the port (or has bound it)."""


def bind(host: str, port: int, *, reuse_port: bool = False) -> socket.socket:
    """A TCP socket bound to ``host:port`` (not yet listening: connections are refused until serving).

    ``SO_REUSEADDR`` only lets a restarted server bind over connections of the previous one still in
    TIME_WAIT; it never lets two listeners share a port. ``SO_REUSEPORT`` (``reuse_port``) does,
    with other sockets that set it too: only when asked for.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if reuse_port:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind((host, port))
    except OSError as e:
        sock.close()
        if e.errno == errno.EADDRINUSE:
            raise PortInUse(e.errno, f"port {port} is in use") from None
        raise
    return sock


def listeners(first: socket.socket, count: int) -> list[socket.socket]:
    """``count`` sockets on ``first``'s address, one per worker, that the kernel balances connections
    over (``SO_REUSEPORT``, Linux). ``first`` was bound without it (so the port was free: no other
    server can be in the group); it is closed and bound again with the option, then the others join.
    With one worker, or where the option is missing, ``[first]``."""
    if count < 2 or not hasattr(socket, "SO_REUSEPORT"):
        return [first]
    address = first.getsockname()
    reusing = bool(first.getsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT))
    socks = [first] if reusing else []
    if not reusing:
        first.close()
    while len(socks) < count:
        socks.append(bind(address[0], address[1], reuse_port=True))
    return socks


def listen(sock: socket.socket, backlog: int) -> None:
    try:
        sock.listen(backlog)
    except OSError as e:
        if e.errno == errno.EADDRINUSE:    # two sockets bound with SO_REUSEADDR: the first to listen wins
            raise PortInUse(e.errno, f"port {sock.getsockname()[1]} is in use") from None
        raise
    sock.set_inheritable(True)


def die_with_parent() -> None:
    """Ask the kernel to SIGKILL this process when the process that started it ends."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):
        pass


class PollingEvent(threading.Event):
    """An event whose untimed ``wait`` wakes every ``SIGNAL_POLL`` seconds (see "Two signals at once")."""

    def wait(self, timeout: float | None = None) -> bool:
        if timeout is not None:
            return super().wait(timeout)
        while not super().wait(SIGNAL_POLL):
            pass
        return True


class Server(MPServer):
    """granian's multi-process server, on our socket, with a bounded stop."""

    def __init__(self, target: str, *, listener: socket.socket, drain: Callable[[], None] = lambda: None,
                 grace: float = 6.0, inflight=None, **kwargs):
        host, port = listener.getsockname()[:2]
        super().__init__(target, address=host, port=port, **kwargs)
        self.main_loop_interrupt = PollingEvent()
        self.listener = listener
        self.listeners = [listener]
        self._holders: list = []
        self.drain = drain
        self.inflight = inflight        # front.InFlight: requests in flight per worker
        self.grace = min(grace, STOP_SECONDS - 3.0)

    def _init_shared_socket(self):
        """Every worker accepts on a socket bound in ``bind`` / ``listeners`` (granian's own non-Linux
        path, given the socket): worker ``i`` on socket ``i`` (a respawned worker on its predecessor's)."""
        from granian._granian import SocketHolder

        self.listeners = listeners(self.listener, self.workers)
        for sock in self.listeners:
            listen(sock, self.backlog)
        self._holders = [SocketHolder(s.fileno(), False, self.backlog) for s in self.listeners]
        self._ssp = None
        self._sso = self.listeners[0]
        self._sfd = self._sso.fileno()
        self._shd = self._holders[0]

    def _spawn_worker(self, idx, target, callback_loader):
        self._sso = self.listeners[idx % len(self.listeners)]
        self._shd = self._holders[idx % len(self._holders)]
        return super()._spawn_worker(idx, target, callback_loader)

    def close(self) -> None:
        for sock in self.listeners:
            sock.close()

    def _stop_workers(self):
        for wrk in self.wrks:
            wrk.terminate()
        started = time.monotonic()
        deadline = started + self.grace
        while time.monotonic() < deadline and any(w.inner.is_alive() for w in self.wrks):
            # A worker with no request in flight has nothing left to finish: end it now (a granian
            # worker may otherwise linger after its server stopped).
            if self.inflight is not None and time.monotonic() - started > 0.3:
                for wrk in self.wrks:
                    if wrk.inner.is_alive() and self.inflight.count(wrk.inner.pid) == 0:
                        wrk.kill()
            for wrk in self.wrks:
                wrk.inner.join(0.05)
        if any(w.inner.is_alive() for w in self.wrks):
            self.drain()                   # in-flight queries end now, answered 503
            self._join(time.monotonic() + 1.5)
        for wrk in self.wrks:
            if wrk.inner.is_alive():
                wrk.kill()
                wrk.inner.join(1.0)
        self.wrks.clear()

    def _join(self, deadline: float) -> None:
        for wrk in self.wrks:
            wrk.inner.join(max(0.0, deadline - time.monotonic()))
