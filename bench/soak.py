"""A soak of mixed traffic at 32 clients against ``cec-kg serve`` (the CEC graph), on 127.0.0.1 only.

``.venv/bin/python -m bench.soak --seconds 60 --clients 32``

Each client is a thread with its own keep-alive session and its own client id (``X-Client-Id``, which the
server believes from 127.0.0.1 here, as from a proxy, so fair use counts each client apart). The mix:
cheap ASKs, LIMITed lookups, a heavier GROUP BY, CONSTRUCTs, entity pages and documents, the home page,
/health. Reported: requests, errors (any status other than the one expected, socket errors, timeouts),
p50/p99 per kind, and the memory (RSS) of the server's process tree sampled every 5 s, with the change
between the first and last third of the run after a 10 s warm-up (stable: within 10 %). Bounded: it stops after
``--seconds``. ``tests/test_soak.py`` runs it for 60 s at 32 clients in the suite.
"""
from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
MIX = [  # (kind, weight, method, path or query)
    ("ask", 4, "sparql", "ASK { ?s a <https://w3id.org/cec-kg/ontology#Party> }"),
    ("lookup", 4, "sparql", "SELECT ?p ?o WHERE { <https://w3id.org/cec-kg/id/party/mexico> ?p ?o } LIMIT 50"),
    ("labels", 2, "sparql", "SELECT ?s ?l WHERE { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?l "
                            "FILTER(CONTAINS(LCASE(STR(?l)), '%s')) } ORDER BY ?l LIMIT 20"),
    ("group-by", 1, "sparql", "SELECT ?c (COUNT(?s) AS ?n) WHERE { ?s a ?c } GROUP BY ?c ORDER BY DESC(?n) # %s"),
    ("construct", 1, "sparql", "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o FILTER(?s = <https://w3id.org/cec-kg/id/"
                               "organization/cec>) } # %s"),
    ("page", 2, "get", "/page/party/mexico"),
    ("document", 2, "get", "/data/organization/cec.ttl"),
    ("home", 1, "get", "/"),
    ("health", 1, "get", "/health"),
]
WORDS = ["co", "mex", "can", "comm", "env", "council", "joint", "a", "e", "report"]


def tree_rss(pid: int) -> int:
    """Resident bytes of ``pid`` and every descendant."""
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", "rb") as f:
                    parents[int(entry)] = int(f.read().rsplit(b")", 1)[1].split()[1])
            except OSError:
                pass
    todo, tree = [pid], set()
    while todo:
        p = todo.pop()
        tree.add(p)
        todo += [c for c, parent in parents.items() if parent == p and c not in tree]
    total = 0
    for p in tree:
        try:
            with open(f"/proc/{p}/statm") as f:
                total += int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
        except OSError:
            pass
    return total


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--clients", type=int, default=32)
    ap.add_argument("--port", type=int, default=18555)
    ap.add_argument("--warm-up", type=float, default=10.0, help="seconds before memory counts as steady")
    args = ap.parse_args(argv)
    log = open(ROOT / "bench" / "soak-server.log", "w")
    server = subprocess.Popen([sys.executable, "-m", "cec_kg", "serve", "--port", str(args.port), "--access-log", "off",
                               "--forwarded-allow-ips", "127.0.0.1", "--client-header", "X-Client-Id"],
                              stdout=log, stderr=subprocess.STDOUT, cwd=ROOT, start_new_session=True)
    base = f"http://127.0.0.1:{args.port}"
    try:
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            try:
                if requests.get(base + "/health", timeout=2).status_code == 200:
                    break
            except requests.RequestException:
                time.sleep(0.5)
        else:
            print("server did not start", file=sys.stderr)
            return 2
        latencies: dict[str, list[float]] = {kind: [] for kind, *_ in MIX}
        errors: list[str] = []
        lock = threading.Lock()
        weighted = [m for m in MIX for _ in range(m[1])]
        stop = time.monotonic() + args.seconds

        def client(i: int):
            rnd = random.Random(i)
            session = requests.Session()
            session.headers["X-Client-Id"] = f"soak-{i}"
            while time.monotonic() < stop:
                kind, _, how, what = rnd.choice(weighted)
                t = time.monotonic()
                try:
                    if how == "sparql":
                        query = what % rnd.choice(WORDS) if "%s" in what else what
                        r = session.get(base + "/sparql", params={"query": query}, timeout=30)
                    else:
                        r = session.get(base + what, timeout=30)
                    ok = r.status_code == 200
                    detail = f"{kind}: {r.status_code} {r.text[:120]!r}"
                except requests.RequestException as e:
                    ok, detail = False, f"{kind}: {type(e).__name__}: {e}"
                with lock:
                    latencies[kind].append(time.monotonic() - t)
                    if not ok:
                        errors.append(detail)

        threads = [threading.Thread(target=client, args=(i,)) for i in range(args.clients)]
        rss: list[tuple[float, int]] = []
        started = time.monotonic()
        for th in threads:
            th.start()
        while any(th.is_alive() for th in threads):
            rss.append((time.monotonic() - started, tree_rss(server.pid)))
            time.sleep(5 if time.monotonic() < stop else 0.2)
        total = sum(len(v) for v in latencies.values())
        print(f"soak: {args.clients} clients, {args.seconds:g} s, {total} requests ({total / args.seconds:.0f}/s), "
              f"{len(errors)} errors")
        for kind, values in latencies.items():
            if values:
                values.sort()
                p99 = values[min(len(values) - 1, int(len(values) * 0.99))]
                print(f"  {kind:10} n={len(values):6}  p50={statistics.median(values) * 1000:7.1f} ms  "
                      f"p99={p99 * 1000:7.1f} ms")
        # After a warm-up (query workers are started on first use, pages and caches filled): the first
        # and last third of the samples taken after --warm-up seconds.
        steady = [s for s in rss if s[0] >= args.warm_up] or rss
        third = max(1, len(steady) // 3)
        first = statistics.mean(v for _, v in steady[:third])
        last = statistics.mean(v for _, v in steady[-third:])
        print(f"  memory (server process tree RSS, after {args.warm_up:g} s): first third {first / 2**20:.0f} MiB, last third "
              f"{last / 2**20:.0f} MiB ({(last - first) / first * 100:+.1f} %); samples "
              + ", ".join(f"{t:.0f}s={v / 2**20:.0f}" for t, v in rss))
        for e in errors[:10]:
            print("  error:", e)
        return 0 if not errors and abs(last - first) / first <= 0.10 else 1
    finally:
        os.killpg(server.pid, 2)
        try:
            server.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, 9)
        log.close()


if __name__ == "__main__":
    sys.exit(main())
