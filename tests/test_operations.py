"""Operating the server as people do: one server per port, and stops that end every process.

Real ``cec-kg serve`` processes on loopback; conditions are awaited (bounded), never slept on.
"""
from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time

import pytest
import requests

from conftest import LiveServer, children, live_pids, process_group, wait_until

pytestmark = pytest.mark.live

DATA = """@prefix ex: <http://example.org/> .
ex:g1 { ex:a ex:p "one" . ex:b ex:p "two" . }
"""


def slow_query(n: int = 60) -> str:
    values = " ".join(str(i) for i in range(n))
    return "SELECT (COUNT(*) AS ?n) WHERE { " + " ".join(f"VALUES ?{v} {{ {values} }}" for v in "abcde") + " }"


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    d = tmp_path_factory.mktemp("operations-data")
    (d / "data.trig").write_text(DATA, encoding="utf-8")
    return d


# -- one server per port ------------------------------------------------------------------------------
def test_second_server_on_a_port_in_use_exits_at_once(start_server, data_dir):
    first = start_server("--data", str(data_dir), "--workers", "2", "--threads", "2")
    pids = {requests.get(first.url("/health"), timeout=10).json()["pid"] for _ in range(20)}
    started = time.monotonic()
    run = subprocess.run([sys.executable, "-m", "cec_kg", "serve", "--host", "127.0.0.1", "--port", str(first.port),
                          "--data", str(data_dir)], capture_output=True, text=True, timeout=60)
    seconds = time.monotonic() - started
    assert run.returncode == 1, (run.returncode, run.stderr[-2000:])
    assert f"port {first.port} is in use" in run.stderr and "Traceback" not in run.stderr, run.stderr
    assert seconds < 10, f"the refusal took {seconds:.1f} s: it must come before anything is loaded"
    # Nothing else answers on the port: every answer still comes from the first server's workers.
    after = {requests.get(first.url("/health"), timeout=10).json()["pid"] for _ in range(20)}
    assert after <= pids, f"another process answered on the port: {after - pids}"


def test_reuse_port_shares_only_when_asked(data_dir, tmp_path):
    other = tmp_path / "other.ttl"
    other.write_text("<http://example.org/x> <http://example.org/p> 1, 2, 3 .\n", encoding="utf-8")
    first = LiveServer("--data", str(data_dir), "--workers", "1", "--threads", "2", "--reuse-port")
    try:
        second = LiveServer("--data", str(other), "--workers", "1", "--threads", "2", "--reuse-port",
                            port=first.port)
        try:
            # (the second server's /health check was answered by the first: await its own answers)
            seen: set[int] = set()

            def both_answer():
                seen.add(requests.get(first.url("/health"), headers={"Connection": "close"}, timeout=10).json()["triples"])
                return seen == {2, 3}

            assert wait_until(both_answer, 60), f"with --reuse-port on both, the kernel splits connections: {seen}"
        finally:
            second.stop()
    finally:
        first.stop()


def test_keep_alive_connections_are_spread_over_the_workers(start_server, data_dir):
    """Clients that keep their connections (wrk, a crawler's pool) are served by every worker. With one
    socket shared by all, connections opened together waited in its queue and the first worker to wake
    accepted all of them, for good: one process (one GIL) did the work of two, the other stayed idle."""
    import socket

    server = start_server("--data", str(data_dir), "--workers", "2", "--threads", "4")
    # Opened back to back (the kernel completes them before any worker accepts), then each used in turn.
    socks = [socket.create_connection(("127.0.0.1", server.port), timeout=10) for _ in range(16)]
    served = []
    try:
        for _ in range(2):
            for s in socks:
                s.sendall(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: application/json\r\n\r\n")
                head = b""
                while b"\r\n\r\n" not in head:
                    head += s.recv(65536)
                head, _, body = head.partition(b"\r\n\r\n")
                length = int(re.search(rb"(?i)content-length: *(\d+)", head).group(1))
                while len(body) < length:
                    body += s.recv(65536)
                served.append(json.loads(body)["pid"])
    finally:
        for s in socks:
            s.close()
    counts = {pid: served.count(pid) for pid in set(served)}
    # 16 connections hashed over 2 sockets: all on one has a chance of 2 in 65,536.
    assert len(counts) == 2, f"answers per worker process: {counts}"
    # The imbalance came and went with timing (seen in 2 of 3 wrk runs); what prevents it does not: one
    # listening socket per worker (SO_REUSEPORT), the kernel choosing one for each new connection.
    assert listening_sockets(server.port) == 2


def listening_sockets(port: int) -> int:
    """TCP sockets listening on ``port`` on this machine (/proc/net/tcp: local address, state 0A)."""
    count = 0
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = open(table, encoding="ascii").read().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if fields[1].endswith(f":{port:04X}") and fields[3] == "0A":
                count += 1
    return count


# -- clean stops --------------------------------------------------------------------------------------
STOPS = [
    pytest.param(signal.SIGINT, True, id="ctrl-c-to-the-process-group"),
    pytest.param(signal.SIGTERM, True, id="sigterm-to-the-process-group"),
    pytest.param(signal.SIGTERM, False, id="sigterm-to-the-server"),
    pytest.param(signal.SIGINT, False, id="sigint-to-the-server"),
]


@pytest.mark.parametrize("signum,to_group", STOPS)
def test_stop_ends_every_process_within_10_s(data_dir, signum, to_group):
    server = LiveServer("--data", str(data_dir), "--workers", "2", "--threads", "4", "--cache-mb", "0",
                        "--max-timeout", "60", new_session=True)
    try:
        endpoint = server.url("/sparql")
        # Every kind of process: both granian workers answer, each with query workers running.
        for i in range(12):
            assert requests.get(endpoint, params={"query": f"ASK {{ ?s ?p {i} }}"}, timeout=10).status_code == 200
        slow = {}

        def run_slow():
            try:
                r = requests.get(endpoint, params={"query": slow_query(), "timeout": "50"}, timeout=30)
                slow.update(status=r.status_code, retry=r.headers.get("Retry-After"), ctype=r.headers.get("Content-Type"))
            except requests.RequestException as e:
                slow.update(error=repr(e))

        thread = threading.Thread(target=run_slow)
        thread.start()
        pids = wait_until(lambda: (lambda p: p if len(p) >= 6 else None)(process_group(server.proc.pid)), 10)
        assert pids and len(pids) >= 6, f"expected main, spawner, 2 workers, query workers: {pids}"
        time.sleep(0.5)     # the slow query is in a query worker by now
        started = time.monotonic()
        if to_group:
            os.killpg(server.proc.pid, signum)
        else:
            server.proc.send_signal(signum)
        try:
            server.proc.wait(12)
        except subprocess.TimeoutExpired:
            pass
        left = wait_until(lambda: not live_pids(pids), 12 - (time.monotonic() - started))
        seconds = time.monotonic() - started
        assert left and not live_pids(pids), (f"{signal.Signals(signum).name}: processes left after {seconds:.1f} s: "
                                              f"{sorted(live_pids(pids))}\n{server.output()[-3000:]}")
        assert seconds < 10, f"the stop took {seconds:.1f} s"
        thread.join(15)
        # The request in flight was answered (503: its query was stopped), not cut off.
        assert slow.get("status") == 503 and slow.get("retry"), slow
        assert slow["ctype"].startswith("application/problem+json"), slow
        assert server.proc.returncode is not None
    finally:
        for pid in live_pids(process_group(server.proc.pid)):
            os.kill(pid, signal.SIGKILL)
        server.stop()


def test_stop_without_requests_in_flight_is_quick(data_dir):
    server = LiveServer("--data", str(data_dir), "--workers", "2", "--threads", "2", new_session=True)
    try:
        for i in range(6):
            requests.get(server.url("/sparql"), params={"query": f"ASK {{ ?s ?p {i} }}"}, timeout=10)
        pids = process_group(server.proc.pid)
        started = time.monotonic()
        os.killpg(server.proc.pid, signal.SIGINT)
        gone = wait_until(lambda: not live_pids(pids) and server.proc.poll() is not None, 10)
        seconds = time.monotonic() - started
        assert gone, f"left: {sorted(live_pids(pids))}\n{server.output()[-3000:]}"
        # Nothing in flight: no grace period to wait out (a worker without requests is ended at once).
        assert seconds < 3, f"an idle server took {seconds:.1f} s to stop"
    finally:
        for pid in live_pids(process_group(server.proc.pid)):
            os.kill(pid, signal.SIGKILL)
        server.stop()


@pytest.mark.parametrize("signals", [
    pytest.param((signal.SIGINT, signal.SIGINT), id="ctrl-c-twice"),
    pytest.param((signal.SIGINT, signal.SIGTERM), id="sigint-then-sigterm"),
    pytest.param((signal.SIGTERM, signal.SIGTERM), id="sigterm-twice"),
])
def test_two_stop_signals_at_once_still_stop_the_server(data_dir, signals):
    """A script's or a supervisor's SIGINT then SIGTERM (and, alike, the same signal twice): a second
    signal sent while the first is pending goes to another of the main process's threads, and granian's
    main loop, in an untimed ``Event.wait``, was never woken (INT then TERM hung in about 1 try of 3)."""
    for attempt in range(3):        # the hang depends on timing: each start is another chance to show it
        server = LiveServer("--data", str(data_dir), "--workers", "2", "--threads", "2", new_session=True)
        try:
            pids = process_group(server.proc.pid)
            assert len(pids) >= 4, f"expected main, spawner and 2 workers: {pids}"
            for signum in signals:
                os.kill(server.proc.pid, signum)
            started = time.monotonic()
            gone = wait_until(lambda: not live_pids(pids) and server.proc.poll() is not None, 8)
            seconds = time.monotonic() - started
            assert gone, (f"attempt {attempt + 1}: still running {seconds:.1f} s after "
                          f"{', '.join(signal.Signals(s).name for s in signals)}: {sorted(live_pids(pids))}")
        finally:
            for pid in live_pids(process_group(server.proc.pid)):
                os.kill(pid, signal.SIGKILL)
            server.stop()


WAIT_FOR_A_SIGNAL = """
import signal, sys, threading, time
from cec_kg.ops.server import PollingEvent
event = PollingEvent() if sys.argv[1] == "polling" else threading.Event()
signal.signal(signal.SIGINT, lambda *_: event.set())
def other_thread():
    time.sleep(0.3)
    signal.pthread_kill(threading.get_ident(), signal.SIGINT)   # the signal reaches this thread, not the main one
    time.sleep(30)
threading.Thread(target=other_thread, daemon=True).start()
event.wait()
print("woke")
"""


@pytest.mark.parametrize("event,wakes", [("polling", True), ("plain", False)])
def test_a_stop_signal_caught_by_another_thread_wakes_the_main_loop(event, wakes):
    """What the test above depends on timing to show, made certain: a signal delivered to a thread other
    than the main one. The main loop's event (``PollingEvent``) still wakes; a plain ``threading.Event``,
    as granian has, does not (the control: it shows this test can tell them apart)."""
    try:
        run = subprocess.run([sys.executable, "-c", WAIT_FOR_A_SIGNAL, event], capture_output=True, text=True,
                             timeout=3)
        woke = run.stdout.strip() == "woke"
    except subprocess.TimeoutExpired:
        woke = False
    assert woke == wakes


# -- killed query processes ---------------------------------------------------------------------------------


def metric(server, name: str) -> float:
    import re

    text = requests.get(server.url("/metrics"), timeout=10).text
    return float(re.search(rf"^cec_kg_{name}\{{[^}}]*\}} (\S+)$", text, re.M).group(1))


@pytest.fixture(scope="module")
def one_process(start_server, data_dir):
    """One serving process (so /metrics and /health are always that process's)."""
    return start_server("--data", str(data_dir), "--workers", "1", "--threads", "8", "--cache-mb", "0",
                        "--timeout", "30", "--max-timeout", "30")


def test_a_query_worker_killed_mid_query_loses_no_request(one_process):
    spawner = requests.get(one_process.url("/health"), timeout=10).json()["query_workers"]["spawner_pid"]
    retried_before = metric(one_process, "query_workers_retried")
    outcome = {}

    def run():
        r = requests.get(one_process.url("/sparql"), params={"query": slow_query(n=36), "timeout": "30"}, timeout=60)
        outcome.update(status=r.status_code, body=r.text[:300])

    thread = threading.Thread(target=run)
    thread.start()

    def busy_worker():
        before = children(spawner)
        time.sleep(0.1)
        busy = [pid for pid, cpu in children(spawner).items() if cpu > before.get(pid, cpu)]
        return busy[0] if len(busy) == 1 else None

    worker = wait_until(busy_worker, 5)
    assert worker, f"no query worker is evaluating the query: {children(spawner)}"
    os.kill(worker, signal.SIGKILL)
    thread.join(60)
    assert outcome.get("status") == 200, outcome          # run again on a fresh worker
    assert not live_pids([worker]), "the killed worker still runs"
    assert metric(one_process, "query_workers_retried") == retried_before + 1


def test_the_spawner_killed_mid_load_is_restarted_and_loses_no_request(one_process):
    health = requests.get(one_process.url("/health"), timeout=10).json()["query_workers"]
    spawner, restarts = health["spawner_pid"], health["spawner_restarts"]
    statuses: list[int] = []
    stop = threading.Event()

    def load(i: int):
        session = requests.Session()
        n = 0
        while not stop.is_set() and n < 400:
            n += 1
            r = session.get(one_process.url("/sparql"), params={"query": f"ASK {{ ?s ?p '{i}-{n}' }}"}, timeout=30)
            statuses.append(r.status_code)

    threads = [threading.Thread(target=load, args=(i,)) for i in range(4)]
    for th in threads:
        th.start()
    wait_until(lambda: len(statuses) >= 20, 10)
    os.kill(spawner, signal.SIGKILL)

    def restarted():
        h = requests.get(one_process.url("/health"), timeout=10).json()["query_workers"]
        return h if h["spawner"] == "running" and h["spawner_pid"] != spawner else None

    h = wait_until(restarted, 10)
    assert h and h["spawner_restarts"] == restarts + 1, h
    after = len(statuses)
    wait_until(lambda: len(statuses) >= after + 40, 15)
    stop.set()
    for th in threads:
        th.join(30)
    assert len(statuses) >= after + 40, "the load stopped after the restart"
    lost = [s for s in statuses if s != 200]
    assert not lost, f"{len(lost)} of {len(statuses)} requests were lost: {sorted(set(lost))}"
    assert not live_pids([spawner])
