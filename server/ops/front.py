"""The WSGI layer in front of everything the app answers (also the responses ``protocol.replay`` replays).

For every request it

- gives it an id: the client's (or proxy's) ``X-Request-Id`` when that is sane (1–128 visible ASCII
  characters of ``[A-Za-z0-9._:@/+=-]``), else a new one; the id is answered in ``X-Request-Id``, named in
  every problem body (``request_id``) and in the access log, so one failing request can be found;
- adds ``X-Content-Type-Options: nosniff`` and ``Referrer-Policy`` to every response, and to those that
  are not HTML a ``Content-Security-Policy`` that allows nothing (the web layer gives pages theirs);
- writes one JSON line per request to the access log (``ACCESS_LOG``: a path, ``-`` for stderr; off by
  default in the app factory, on for ``cec-kg serve``);
- behind a proxy: only when the connection comes from an address of ``FORWARDED_ALLOW_IPS`` (addresses
  or networks, ``*`` for any; none by default, as gunicorn's and uvicorn's ``--forwarded-allow-ips``)
  do ``X-Forwarded-Proto``, ``X-Forwarded-Host`` and ``X-Forwarded-For`` (or the ``CLIENT_HEADER`` the
  proxy sets) shape the URLs we write (links, ``robots.txt``, ``sitemap.xml``, the service description)
  and the client's identity (fair use, the access log); from anyone else they are ignored;
- answers a request line or header block too large with a problem (414 / 431, saying what to do):
  granian's own answers to those are empty. granian still answers, empty, what never reaches us: a
  request-target of 64 KiB or more, a header block over ``HEADER_BUFFER_BYTES`` or over 100 fields.
"""
from __future__ import annotations

import atexit
import ipaddress
import json
import mmap
import multiprocessing
import os
import re
import struct
import sys
import threading
import time

REQUEST_ID = "cec_kg.request_id"
CLIENT = "cec_kg.client"
_SANE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:@/+=\-]{0,127}")
NOTHING_POLICY = "default-src 'none'; frame-ancestors 'none'"
REFERRER_POLICY = "same-origin"


_HOST = re.compile(r"(?:[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}"
                   r"[A-Za-z0-9])?)*|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?")
_TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:@/+=\-]{0,127}")
HEADER_BUFFER_BYTES = 1 << 20     # granian reads a request head up to this (its own empty 431 beyond)


class Trusted:
    """The proxies whose X-Forwarded-* headers count: addresses and networks, or ``*``."""

    def __init__(self, spec: str | None):
        items = [s.strip() for s in (spec or "").split(",") if s.strip()]
        self.everyone = "*" in items
        self.networks = []
        for item in items:
            if item != "*":
                try:
                    self.networks.append(ipaddress.ip_network(item, strict=False))
                except ValueError:
                    raise ValueError(f"--forwarded-allow-ips: '{item}' is not an IP address or network") from None

    def __contains__(self, address: str) -> bool:
        if self.everyone:
            return True
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(ip in net for net in self.networks)

    def __bool__(self) -> bool:
        return self.everyone or bool(self.networks)


def _last(value: str) -> str:
    return value.rsplit(",", 1)[-1].strip()


def forwarded_client(chain: str, peer: str, trusted: Trusted) -> str:
    """The client of an ``X-Forwarded-For`` chain: walking from the nearest hop, the first address that
    is not a trusted proxy (each trusted proxy appended the address it saw)."""
    hops = [h.strip() for h in chain.split(",") if h.strip()]
    client = peer
    for hop in reversed(hops):
        try:
            ipaddress.ip_address(hop)
        except ValueError:
            break                       # garbage: stop at the last address we could trust
        client = hop
        if hop not in trusted:
            break
    return client


def request_id(environ) -> str:
    given = environ.get("HTTP_X_REQUEST_ID")
    if given:
        given = given.strip()
        if _SANE_ID.fullmatch(given):
            return given
    return os.urandom(16).hex()         # 128 random bits, as uuid4().hex without building a UUID


class InFlight:
    """Requests in flight per serving process, in shared memory made before granian forks its workers:
    a clean stop kills a worker that has none left at once instead of waiting out its grace period.

    Each process finds its own slot once, under the lock shared by every process; after that only it
    writes that slot, under a lock of its own (the shared lock on every request was contended by every
    thread of every process: measured under wrk, ~6 % of a point lookup)."""

    SLOT = struct.Struct("<qq")     # pid, requests in flight

    def __init__(self, slots: int = 256):
        self.slots = slots
        self.mem = mmap.mmap(-1, self.SLOT.size * slots)
        self.lock = multiprocessing.Lock()
        self._mine: tuple[int, int] | None = None      # (pid, slot index) of this process
        self._local = threading.Lock()
        self._count = 0

    def _slot(self, pid: int) -> int | None:
        mine = self._mine
        if mine is not None and mine[0] == pid:
            return mine[1]
        with self._local:               # the first thread of this process finds the slot; the others wait
            mine = self._mine
            if mine is not None and mine[0] == pid:
                return mine[1]
            with self.lock:
                free = None
                for i in range(self.slots):
                    p, count = self.SLOT.unpack_from(self.mem, i * self.SLOT.size)
                    if p == pid:
                        free = i
                        break
                    if free is None and (p == 0 or (count == 0 and not _alive(p))):
                        free = i
                if free is None:
                    return None
                self.SLOT.pack_into(self.mem, free * self.SLOT.size, pid, 0)
            self._mine, self._count = (pid, free), 0
        return free

    def _add(self, pid: int, n: int) -> None:
        index = self._slot(pid)
        if index is None:
            return
        with self._local:
            self._count = max(0, self._count + n)
            self.SLOT.pack_into(self.mem, index * self.SLOT.size, pid, self._count)

    def enter(self) -> None:
        self._add(_pid(), 1)

    def leave(self) -> None:
        self._add(_pid(), -1)

    def busy(self) -> bool:
        """Whether this process has another request in flight beside the caller's own."""
        mine = self._mine
        return mine is not None and mine[0] == _pid() and self._count > 1

    def count(self, pid: int) -> int:
        with self.lock:
            for i in range(self.slots):
                p, count = self.SLOT.unpack_from(self.mem, i * self.SLOT.size)
                if p == pid:
                    return count
        return 0


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False
    except PermissionError:
        return True


class AccessLog:
    """JSON lines, written whole (several threads and processes append to one file), in batches while
    the process is busy.

    A ``write`` per line cost ~85 µs of CPU per request under load (wrk, 2 workers × 10 threads, point
    lookups: 509-523 µs per request without the log, 606-609 with it; ~18 % of the throughput): each
    write lets go of the GIL, and the other request threads' turns at it follow. So a line is written at
    once only when it ends the last request in flight in this process (``busy``: ``InFlight.busy``, the
    count the clean stop reads; an idle server's log is up to date, and a worker stopped with nothing
    in flight has written everything); while others are in flight it waits for them, for
    ``FLUSH_BYTES`` of lines or for the flusher thread, at most ``FLUSH_SECONDS``, then goes out in one
    write with the others. Without ``busy`` every line is written at once."""

    FLUSH_SECONDS = 0.05
    FLUSH_BYTES = 1 << 16

    def __init__(self, target: str, busy=None):
        self.lock = threading.Lock()
        self.busy = busy or (lambda: False)
        if target == "-":
            self.fd, self.own = sys.stderr.fileno(), False
        else:
            self.fd, self.own = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644), True
        self.pending: list[bytes] = []
        self.size = 0
        self._flusher = 0               # the pid whose flusher thread runs (threads do not survive a fork)
        atexit.register(self.flush)

    def write_line(self, text: str) -> None:
        """One JSON text (without its newline): written whole, now or with the next batch."""
        line = (text + "\n").encode("utf-8")
        busy = self.busy()
        with self.lock:
            self.pending.append(line)
            self.size += len(line)
            if busy and self.size < self.FLUSH_BYTES:
                if self._flusher != _pid():
                    self._start_flusher()
                return
            batch = self._take()
        self._write(batch)

    def flush(self) -> None:
        with self.lock:
            batch = self._take()
        self._write(batch)

    def _take(self) -> bytes:
        batch = b"".join(self.pending)
        self.pending.clear()
        self.size = 0
        return batch

    def _write(self, batch: bytes) -> None:
        view = memoryview(batch)
        while view:
            try:
                view = view[os.write(self.fd, view):]
            except OSError:
                return

    def _start_flusher(self) -> None:
        self._flusher = _pid()
        threading.Thread(target=self._flush_often, name="access-log", daemon=True).start()

    def _flush_often(self) -> None:
        while True:
            time.sleep(self.FLUSH_SECONDS)
            if self.pending:
                self.flush()


class Front:
    def __init__(self, app, *, access_log: str | None = None, forwarded_allow_ips: str | None = None,
                 client_header: str | None = None, max_url_bytes: int = 32768, max_header_bytes: int = 65536,
                 inflight: InFlight | None = None):
        self.app = app
        self.inflight = inflight
        self.log = AccessLog(access_log, busy=inflight.busy if inflight else None) if access_log else None
        self.trusted = Trusted(forwarded_allow_ips)
        self.client_key = ("HTTP_" + client_header.upper().replace("-", "_")) if client_header else None
        self.max_url_bytes, self.max_header_bytes = max_url_bytes, max_header_bytes

    def forwarded(self, environ) -> None:
        """Apply X-Forwarded-* from a trusted proxy; drop them otherwise (nothing below reads them)."""
        peer = environ.get("REMOTE_ADDR", "")
        environ[CLIENT] = peer
        if not (self.trusted and peer in self.trusted):
            return
        proto = _last(environ.get("HTTP_X_FORWARDED_PROTO", "")).lower()
        if proto in ("http", "https"):
            environ["wsgi.url_scheme"] = proto
        host = _last(environ.get("HTTP_X_FORWARDED_HOST", ""))
        if host and _HOST.fullmatch(host):
            environ["HTTP_HOST"] = host
        chain = environ.get("HTTP_X_FORWARDED_FOR", "")
        if chain:
            environ[CLIENT] = forwarded_client(chain, peer, self.trusted)
        if self.client_key:
            named = environ.get(self.client_key, "").strip()
            if named and _TOKEN.fullmatch(named):
                environ[CLIENT] = named

    def too_large(self, environ) -> tuple[int, str, str] | None:
        url = len(environ.get("RAW_URI") or environ.get("REQUEST_URI") or "") or (
            len(environ.get("PATH_INFO", "").encode("utf-8", "surrogateescape")) + len(environ.get("QUERY_STRING", "")) + 1)
        if url > self.max_url_bytes:
            return (414, "URI Too Long", f"the request URL is {url} bytes; this service reads at most "
                    f"{self.max_url_bytes}. Send a long SPARQL query by POST (Content-Type "
                    "application/sparql-query, the query as the body), where queries up to the query size "
                    "limit are accepted.")
        headers = 0
        for k, v in environ.items():
            if k[:5] == "HTTP_":
                headers += len(k) + len(v if isinstance(v, str) else str(v))
        if headers > self.max_header_bytes:
            return (431, "Request Header Fields Too Large", f"the request's headers hold {headers} bytes; this "
                    f"service reads at most {self.max_header_bytes}. Send fewer or shorter headers (large "
                    "cookies or tokens are not needed here).")
        return None

    def __call__(self, environ, start_response):
        if self.inflight is None:
            return self._call(environ, start_response)
        self.inflight.enter()
        try:
            result = self._call(environ, start_response)
        except BaseException:
            self.inflight.leave()
            raise
        if isinstance(result, list):
            self.inflight.leave()
            return result
        return _Logged(result, lambda sent: self.inflight.leave())

    def _call(self, environ, start_response):
        started = time.perf_counter()
        rid = environ[REQUEST_ID] = request_id(environ)
        environ["HTTP_X_REQUEST_ID"] = rid
        self.forwarded(environ)
        seen = {}

        def start(status, headers, exc_info=None):
            names = {k.lower() for k, _ in headers}
            if "x-request-id" in names:
                headers = [(k, v) for k, v in headers if k.lower() != "x-request-id"]
            else:
                headers = list(headers)
            headers.append(("X-Request-Id", rid))
            if "x-content-type-options" not in names:
                headers.append(("X-Content-Type-Options", "nosniff"))
            if "referrer-policy" not in names:
                headers.append(("Referrer-Policy", REFERRER_POLICY))
            if "content-security-policy" not in names:
                ctype = next((v for k, v in headers if k.lower() == "content-type"), "")
                if not ctype.startswith("text/html"):
                    headers.append(("Content-Security-Policy", NOTHING_POLICY))
            seen["status"] = status
            return start_response(status, headers, exc_info)

        refused = self.too_large(environ)
        if refused is not None:
            status, title, detail = refused
            body = json.dumps({"type": "about:blank", "title": title, "status": status, "detail": detail,
                               "request_id": rid}).encode("utf-8")
            start(f"{status} {title}", [("Content-Type", "application/problem+json"),
                                       ("Content-Length", str(len(body))), ("Access-Control-Allow-Origin", "*")])
            result = [body]
        else:
            result = self.app(environ, start)
        if self.log is None:
            return result
        if isinstance(result, list):
            self._log(environ, seen, sum(len(b) for b in result), started)
            return result
        return _Logged(result, lambda sent: self._log(environ, seen, sent, started))

    def _log(self, environ, seen: dict, sent: int, started: float) -> None:
        """One line per request: the compact JSON object ``json.dumps(record, ensure_ascii=False,
        separators=(",", ":"))`` would write (same keys, order and escaping; ``tests/test_headers.py`` reads
        it back), made without building the dict: every request pays for it (measured: a fifth of the
        Python time of a point lookup's answer)."""
        status = seen.get("status", "500")
        text = _string
        self.log.write_line(
            f'{{"time":"{_utc_now()}","request_id":{text(environ[REQUEST_ID])},'
            f'"client":{text(environ.get(CLIENT, ""))},"method":{text(environ.get("REQUEST_METHOD", ""))},'
            f'"path":{text(environ.get("PATH_INFO", ""))},"query_bytes":{len(environ.get("QUERY_STRING", ""))},'
            f'"status":{int(status.split(" ", 1)[0])},"bytes":{int(sent)},'
            f'"seconds":{round(time.perf_counter() - started, 6)!r},"pid":{_pid()},'
            f'"user_agent":{text(environ.get("HTTP_USER_AGENT", "")[:200])}}}')


_string = json.encoder.encode_basestring       # a JSON string as ensure_ascii=False writes it (C)
_PID = [os.getpid()]
os.register_at_fork(after_in_child=lambda: _PID.__setitem__(0, os.getpid()))


def _pid() -> int:
    return _PID[0]


_SECOND = [0, ""]


def _utc_now() -> str:
    """The time as ``datetime.now(timezone.utc).isoformat(timespec="milliseconds")`` writes it, faster:
    the date and time to the second are formatted once a second."""
    now = time.time()
    second = int(now)
    if second != _SECOND[0]:
        _SECOND[0], _SECOND[1] = second, time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second))
    return _SECOND[1] + ".%03d+00:00" % (int(now * 1000) % 1000)


class _Logged:
    """The app's iterable, counting the bytes sent; the log line is written when it is closed."""

    def __init__(self, inner, done):
        self.inner, self.done, self.sent, self.logged = inner, done, 0, False

    def __iter__(self):
        for chunk in self.inner:
            self.sent += len(chunk)
            yield chunk

    def close(self):
        try:
            if hasattr(self.inner, "close"):
                self.inner.close()
        finally:
            if not self.logged:
                self.logged = True
                self.done(self.sent)
