"""The WSGI layer in front of everything the app answers (also the responses ``protocol.replay`` replays).

For every request it

- gives it an id: the client's (or proxy's) ``X-Request-Id`` when that is sane (1–128 visible ASCII
  characters of ``[A-Za-z0-9._:@/+=-]``), else a new one; the id is answered in ``X-Request-Id``, named in
  every problem body (``request_id``) and in the access log, so one failing request can be found;
- adds ``X-Content-Type-Options: nosniff`` and ``Referrer-Policy`` to every response, and to those that
  are not HTML a ``Content-Security-Policy`` that allows nothing (the web layer gives pages theirs);
- writes one JSON line per request to the access log (``ACCESS_LOG``: a path, ``-`` for stderr; off by
  default in the app factory, on for ``cec-kg serve``).
"""
from __future__ import annotations

import json
import os
import re
import sys
import threading
import time
import uuid
from datetime import datetime, timezone

REQUEST_ID = "cec_kg.request_id"
CLIENT = "cec_kg.client"
_SANE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:@/+=\-]{0,127}")
NOTHING_POLICY = "default-src 'none'; frame-ancestors 'none'"
REFERRER_POLICY = "same-origin"


def request_id(environ) -> str:
    given = environ.get("HTTP_X_REQUEST_ID", "").strip()
    return given if _SANE_ID.fullmatch(given) else uuid.uuid4().hex


class AccessLog:
    """JSON lines, one ``write`` each (whole lines from several threads and processes)."""

    def __init__(self, target: str):
        self.lock = threading.Lock()
        if target == "-":
            self.fd, self.own = sys.stderr.fileno(), False
        else:
            self.fd, self.own = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644), True

    def write(self, record: dict) -> None:
        line = (json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")
        with self.lock:
            try:
                os.write(self.fd, line)
            except OSError:
                pass


class Front:
    def __init__(self, app, *, access_log: str | None = None):
        self.app = app
        self.log = AccessLog(access_log) if access_log else None

    def __call__(self, environ, start_response):
        started = time.perf_counter()
        rid = environ[REQUEST_ID] = request_id(environ)
        environ["HTTP_X_REQUEST_ID"] = rid
        environ.setdefault(CLIENT, environ.get("REMOTE_ADDR", ""))
        seen = {}

        def start(status, headers, exc_info=None):
            names = {k.lower() for k, _ in headers}
            headers = [(k, v) for k, v in headers if k.lower() != "x-request-id"] + [("X-Request-Id", rid)]
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

        result = self.app(environ, start)
        if self.log is None:
            return result
        if isinstance(result, list):
            self._log(environ, seen, sum(len(b) for b in result), started)
            return result
        return _Logged(result, lambda sent: self._log(environ, seen, sent, started))

    def _log(self, environ, seen: dict, sent: int, started: float) -> None:
        status = seen.get("status", "500")
        self.log.write({
            "time": datetime.now(timezone.utc).isoformat(timespec="milliseconds"),
            "request_id": environ[REQUEST_ID],
            "client": environ.get(CLIENT, ""),
            "method": environ.get("REQUEST_METHOD", ""),
            "path": environ.get("PATH_INFO", ""),
            "query_bytes": len(environ.get("QUERY_STRING", "")),
            "status": int(status.split(" ", 1)[0]),
            "bytes": sent,
            "seconds": round(time.perf_counter() - started, 6),
            "pid": os.getpid(),
            "user_agent": environ.get("HTTP_USER_AGENT", "")[:200],
        })


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
