"""The servers under test, started for real on 127.0.0.1 and loaded with the same N-Quads file.

- ``ours``: ``cec-kg serve --data FILE`` (endpoint ``/sparql``), or any command given with ``--ours-cmd``;
  ``ours-nocache`` is the same with ``--cache-mb 0`` (every request reaches the engine).
- ``oxigraph``: ``oxigraph serve`` in memory with ``--union-default-graph``, loaded over the Graph
  Store Protocol (``POST /store``) so it holds exactly the file's quads.
- ``rdflib-endpoint``: ``rdflib-endpoint serve FILE`` (an rdflib ``Dataset`` with ``default_union``).

Each peer runs in its own process group; ``stop()`` ends that group only (by its id).
"""
from __future__ import annotations

import os
import shlex
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

VENV_BIN = Path(sys.executable).parent
READY_QUERY = "ASK { ?s ?p ?o }"


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
        """Poll the endpoint with a trivial ASK until it answers 200, the process dies, or time runs out."""
        deadline = time.monotonic() + timeout
        url = f"{self.endpoint}?query={quote(READY_QUERY)}"
        last = "no answer yet"
        while time.monotonic() < deadline:
            if self.process and self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.process.returncode}; see {self.log_path}")
            try:
                req = urllib.request.Request(url, headers={"Accept": "application/sparql-results+json"})
                with urllib.request.urlopen(req, timeout=5) as resp:
                    if resp.status == 200:
                        return
                    last = f"HTTP {resp.status}"
            except urllib.error.HTTPError as e:
                last = f"HTTP {e.code}"
            except OSError as e:
                last = str(e)
            time.sleep(0.3)
        raise TimeoutError(f"{self.name} not ready at {url} after {timeout:.0f}s ({last}); see {self.log_path}")

    def load(self, data: Path) -> None:
        """Hook for peers that are loaded over HTTP after start-up (only Oxigraph here)."""

    def cpu_seconds(self) -> float:
        return tree_cpu_seconds(self.process.pid) if self.process else 0.0

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


class OxigraphPeer(Peer):
    def load(self, data: Path) -> None:
        req = urllib.request.Request(
            f"{self.base}/store", data=data.read_bytes(), method="POST",
            headers={"Content-Type": "application/n-quads"},
        )
        with urllib.request.urlopen(req, timeout=600) as resp:
            if resp.status not in (200, 201, 204):
                raise RuntimeError(f"oxigraph refused the data: HTTP {resp.status}")


def make_peers(names: list[str], data: Path, log_dir: Path, ours_cmd: str | None, workers: int | None) -> list[Peer]:
    peers: list[Peer] = []
    for name in names:
        port = free_port()
        log = log_dir / f"{name}.log"
        if name in ("ours", "ours-nocache"):
            if ours_cmd:
                cmd = shlex.split(ours_cmd.format(port=port, data=data))
            else:
                cmd = [str(VENV_BIN / "cec-kg"), "serve", "--host", "127.0.0.1", "--port", str(port), "--data", str(data)]
                if workers:
                    cmd += ["--workers", str(workers)]
            if name == "ours-nocache":  # the same server with its result cache off: engine + HTTP layer only
                cmd += ["--cache-mb", "0"]
            peers.append(Peer(name, cmd, "/sparql", port, log))
        elif name in ("ceiling-wsgi", "ceiling-flask"):
            app = "bench.ceiling:" + name.split("-")[1] + "_app"
            cmd = [str(VENV_BIN / "granian"), "--interface", "wsgi", "--workers", str(workers or 2),
                   "--host", "127.0.0.1", "--port", str(port), "--no-ws", app]
            peer = Peer(name, cmd, "/sparql", port, log, env={"PYTHONPATH": str(Path(__file__).resolve().parent.parent)})
            peer.checked = False
            peers.append(peer)
        elif name == "oxigraph":
            cmd = [str(VENV_BIN / "oxigraph"), "serve", "--bind", f"127.0.0.1:{port}", "--union-default-graph"]
            peers.append(OxigraphPeer(name, cmd, "/query", port, log))
        elif name == "rdflib-endpoint":
            cmd = [str(VENV_BIN / "rdflib-endpoint"), "serve", "--host", "127.0.0.1", "--port", str(port), str(data)]
            peers.append(Peer(name, cmd, "/", port, log))
        else:
            raise ValueError(f"unknown server {name!r}: choose from ours, ours-nocache, oxigraph, rdflib-endpoint, "
                             "ceiling-wsgi, ceiling-flask")
    return peers
