"""Shared fixtures: the repository's files, ../shared (skipped with a reason when absent), live servers."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from cec_kg.graph import paths

ROOT = paths.ROOT
SHARED = paths.SHARED_DIR
SHARED_REASON = f"{SHARED} is absent (a user's clone has no ../shared; CI always has it)"


def require_shared(*parts: str) -> Path:
    """Path under ../shared, or skip the test saying why (never in CI, where it must exist)."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{path} missing in CI")
        pytest.skip(f"needs {path}: {SHARED_REASON}")
    return path


def absent_suite(path: Path) -> list:
    """The one pytest param of a test parametrised over a ../shared suite that is absent: it skips and
    names the missing file (an empty parameter set would only say "got empty parameter set")."""
    return [pytest.param(None, id="suite-absent",
                         marks=pytest.mark.skip(reason=f"needs {path}: {SHARED_REASON}"))]


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    return require_shared()


NOT_OURS = {".venv", ".git", "build", "node_modules", "test-output", ".pytest_cache", "__pycache__"}


def repository_files(suffixes) -> list[Path]:
    """The repository's own files with these suffixes: tracked and new (not ignored) ones, or a plain
    walk that leaves out virtualenvs, build output and caches when git is unavailable."""
    try:
        out = subprocess.run(["git", "ls-files", "-co", "--exclude-standard"], cwd=ROOT,
                             capture_output=True, text=True, check=True).stdout.split("\n")
        files = [ROOT / line for line in out if line]
    except (OSError, subprocess.CalledProcessError):
        files = [p for p in ROOT.rglob("*") if not NOT_OURS & set(p.relative_to(ROOT).parts)]
    return sorted(p for p in files if p.suffix in suffixes and p.is_file())


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiveServer:
    """A real `cec-kg serve` process on loopback; `url(path)` builds request URLs."""

    def __init__(self, *args: str, env: dict | None = None, ready_timeout: float = 120.0,
                 command: list[str] | None = None, cwd: Path | None = None, new_session: bool = False,
                 port: int | None = None):
        """``command``: how to run ``cec-kg`` (default: this interpreter's ``-m cec_kg``); ``new_session``:
        in a process group of its own (its id is ``proc.pid``), to be signalled as a terminal would."""
        self.port = port or free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        cmd = [*(command or [sys.executable, "-m", "cec_kg"]), "serve", "--host", "127.0.0.1", "--port",
               str(self.port), *args]
        # Appending (O_APPEND): the server's writes land at the end even while output() reads from the start.
        log_path = Path(os.environ.get("TMPDIR", "/tmp")) / f"cec-kg-serve-{self.port}.log"
        log_path.write_text("")
        self.log = open(log_path, "a+")
        self.proc = subprocess.Popen(cmd, stdout=self.log, stderr=subprocess.STDOUT, cwd=cwd,
                                     env={**os.environ, **(env or {})}, start_new_session=new_session)
        self._wait(ready_timeout)

    def _wait(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                self.log.seek(0)
                raise RuntimeError(f"server exited with {self.proc.returncode}:\n{self.log.read()[-4000:]}")
            try:
                if requests.get(self.url("/health"), timeout=1).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"server on port {self.port} not healthy after {timeout}s")

    def url(self, path: str = "/") -> str:
        return self.base + path

    def output(self) -> str:
        self.log.flush()
        self.log.seek(0)
        return self.log.read()

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if not self.log.closed:
            self.log.close()


@pytest.fixture(scope="session")
def live_server():
    """The CEC graph served by a real server process, shared by the whole session."""
    server = LiveServer()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def start_server():
    """Factory for extra server processes (e.g. `--data`, `--backend`); all stopped at session end."""
    started: list[LiveServer] = []

    def start(*args: str, **kwargs) -> LiveServer:
        server = LiveServer(*args, **kwargs)
        started.append(server)
        return server

    yield start
    for s in started:
        s.stop()


def live_pids(pids) -> set[int]:
    """Those of ``pids`` that are still processes (a zombie, already ended, does not count)."""
    alive = set()
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat", "rb") as f:
                if f.read().rsplit(b")", 1)[1].split()[0] not in (b"Z", b"X"):
                    alive.add(pid)
        except OSError:
            pass
    return alive


def live_processes():
    """(pid, the fields of /proc/pid/stat after the command name) of every live process."""
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", "rb") as f:
                    fields = f.read().rsplit(b")", 1)[1].split()
            except OSError:
                continue
            if fields[0] not in (b"Z", b"X"):
                yield int(entry), fields


def process_group(pgid: int) -> set[int]:
    """Every live process of the process group ``pgid``."""
    return {pid for pid, fields in live_processes() if int(fields[2]) == pgid}


def children(pid: int) -> dict[int, int]:
    """The live child processes of ``pid`` with their CPU time so far (clock ticks)."""
    return {child: int(fields[11]) + int(fields[12]) for child, fields in live_processes() if int(fields[1]) == pid}


def wait_until(condition, timeout: float, interval: float = 0.05):
    """Poll ``condition()`` until it is truthy (returned) or ``timeout`` seconds pass (its last value)."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value or time.monotonic() >= deadline:
            return value
        time.sleep(interval)


def raw_request(port: int, request: bytes, timeout: float = 30.0) -> tuple[int, dict, bytes]:
    """Send ``request`` byte for byte (no client library normalises its path: ``..`` stays ``..``) and read
    the whole answer (the request should say ``Connection: close``): (status, headers, body)."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(request)
        data = b""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {k.strip().lower(): v.strip() for k, v in (line.split(":", 1) for line in lines[1:] if ":" in line)}
    return int(lines[0].split()[1]), headers, body


def raw_get(port: int, target: bytes, headers: dict | None = None) -> tuple[int, dict, bytes]:
    extra = b"".join(f"{k}: {v}\r\n".encode("latin-1") for k, v in (headers or {}).items())
    return raw_request(port, b"GET " + target + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n" + extra + b"Connection: close\r\n\r\n")
